import { describe, expect, it } from 'vitest';
import { allocate, changeFen, newRequestNo, nextReceiptNo, type DueBill } from './payment';

const bill = (id: string, seasonId: string, outstandingFen: number, totalFen = outstandingFen): DueBill => ({
  id,
  seasonId,
  amountDue: { outstandingFen, totalFen },
});

describe('allocate: how the counter spreads an amount over a house’s bills', () => {
  // Last season owes 2400.00 + 24.00 late fee; this season 2400.00 less a 120.00 early discount.
  const bills = [bill('9', '2', 240000, 228000), bill('3', '1', 240000, 242400)];

  it('pays the oldest season first, at today’s price, then part of the next against its principal', () => {
    expect(allocate(bills, 242400 + 100000)).toEqual({
      ok: true,
      dueFen: 470400,
      shares: [
        { billId: '3', fen: 242400, full: true },
        { billId: '9', fen: 100000, full: false },
      ],
    });
  });

  it('takes everything due in full', () => {
    const all = allocate(bills, 470400);
    expect(all.ok && all.shares.map((s) => [s.billId, s.fen, s.full])).toEqual([
      ['3', 242400, true],
      ['9', 228000, true],
    ]);
  });

  it('refuses more than is due (change is handed back in cash), nothing, and a negative amount', () => {
    expect(allocate(bills, 470401)).toEqual({ ok: false, reason: 'over', dueFen: 470400 });
    expect(allocate(bills, 0)).toMatchObject({ ok: false, reason: 'not_positive' });
    expect(allocate(bills, -5)).toMatchObject({ ok: false, reason: 'not_positive' });
    expect(allocate([bill('1', '1', 0)], 100)).toMatchObject({ ok: false, reason: 'nothing_due' });
  });

  it('refuses an amount that clears a principal but not its late fee, naming the bill', () => {
    expect(allocate(bills, 240000)).toEqual({
      ok: false,
      reason: 'late_fee_gap',
      dueFen: 470400,
      billId: '3',
      outstandingFen: 240000,
      totalFen: 242400,
    });
    expect(allocate(bills, 239999)).toMatchObject({ ok: true, shares: [{ billId: '3', fen: 239999, full: false }] });
  });

  it('skips bills with nothing due', () => {
    expect(allocate([bill('1', '1', 0), bill('2', '2', 5000)], 5000)).toMatchObject({
      ok: true,
      shares: [{ billId: '2', fen: 5000, full: true }],
    });
  });
});

describe('changeFen', () => {
  it('is tendered minus amount, and nothing until enough was tendered', () => {
    expect(changeFen(50000, 42350)).toBe(7650);
    expect(changeFen(42350, 42350)).toBe(0);
    expect(changeFen(40000, 42350)).toBeNull();
    expect(changeFen(null, 42350)).toBeNull();
    expect(changeFen(50000, null)).toBeNull();
  });
});

describe('nextReceiptNo', () => {
  it('counts the trailing number up, keeping its width', () => {
    expect(nextReceiptNo('NO.000123')).toBe('NO.000124');
    expect(nextReceiptNo('SJ-2026-0099')).toBe('SJ-2026-0100');
    expect(nextReceiptNo('A99')).toBe('A100');
    expect(nextReceiptNo('12345678901234567890')).toBe('12345678901234567891');
  });
  it('suggests nothing without a number to count from', () => {
    expect(nextReceiptNo('')).toBe('');
    expect(nextReceiptNo(null)).toBe('');
    expect(nextReceiptNo('收据')).toBe('');
  });
});

describe('newRequestNo', () => {
  it('makes keys the API accepts, a different one each time', () => {
    const keys = new Set(Array.from({ length: 50 }, newRequestNo));
    expect(keys.size).toBe(50);
    for (const key of keys) expect(key).toMatch(/^[A-Za-z0-9_-]{6,32}$/);
  });
});
