// The counter's arithmetic, in integer fen, as pure functions (unit-tested): how an amount would be spread over
// a house's bills (the server's rule, shown before the collector confirms), cash change, the next paper receipt
// number, and the idempotency key of one submission.

export interface DueBill {
  id: string;
  seasonId: string;
  amountDue: { outstandingFen: number; totalFen: number };
}

export interface Share {
  billId: string;
  /** What the bill would take. */
  fen: number;
  /** Paid in full at today's price (discount or late fee included); else principal only. */
  full: boolean;
}

export type Allocation =
  | { ok: true; shares: Share[]; dueFen: number }
  | { ok: false; reason: 'nothing_due' | 'not_positive' | 'over'; dueFen: number }
  /** Covers a bill's principal but not its late fee: the server refuses (the bill would be marked paid owing). */
  | { ok: false; reason: 'late_fee_gap'; dueFen: number; billId: string; outstandingFen: number; totalFen: number };

/**
 * apps/payments/services/counter.py: oldest season first; a bill the money covers takes its full price now,
 * the first one it does not cover takes the rest against its principal, later ones nothing. Seasons are
 * ordered by id here (created in order); the server orders by heating start and has the last word.
 */
export function allocate(bills: readonly DueBill[], amountFen: number): Allocation {
  const payable = [...bills]
    .filter((b) => b.amountDue.totalFen > 0)
    .sort((a, b) => Number(a.seasonId) - Number(b.seasonId) || Number(a.id) - Number(b.id));
  const dueFen = payable.reduce((sum, b) => sum + b.amountDue.totalFen, 0);
  if (dueFen <= 0) return { ok: false, reason: 'nothing_due', dueFen };
  if (!Number.isSafeInteger(amountFen) || amountFen <= 0) return { ok: false, reason: 'not_positive', dueFen };
  if (amountFen > dueFen) return { ok: false, reason: 'over', dueFen };
  const shares: Share[] = [];
  let remaining = amountFen;
  for (const bill of payable) {
    if (remaining <= 0) break;
    const { totalFen, outstandingFen } = bill.amountDue;
    if (remaining >= totalFen) {
      shares.push({ billId: bill.id, fen: totalFen, full: true });
      remaining -= totalFen;
    } else if (remaining >= outstandingFen) {
      return { ok: false, reason: 'late_fee_gap', dueFen, billId: bill.id, outstandingFen, totalFen };
    } else {
      shares.push({ billId: bill.id, fen: remaining, full: false });
      remaining = 0;
    }
  }
  return { ok: true, shares, dueFen };
}

/** Cash change: tendered − amount; null until enough was tendered. */
export function changeFen(tenderedFen: number | null, amountFen: number | null): number | null {
  if (tenderedFen === null || amountFen === null || tenderedFen < amountFen) return null;
  return tenderedFen - amountFen;
}

/** The paper receipt after `last` ("NO.000123" → "NO.000124", "A99" → "A100"); '' when it ends in no digits. */
export function nextReceiptNo(last: string | null | undefined): string {
  const m = /^(.*?)(\d+)$/.exec((last ?? '').trim());
  if (!m) return '';
  const next = (BigInt(m[2]) + 1n).toString();
  return m[1] + next.padStart(m[2].length, '0');
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A fresh idempotency key for one submission: prefix + 24 random characters (the API takes 6–32 of [A-Za-z0-9_-]). */
export function newRequestNo(prefix = 'cd-'): string {
  const bytes = new Uint8Array(24);
  crypto.getRandomValues(bytes);
  return prefix + Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('');
}
