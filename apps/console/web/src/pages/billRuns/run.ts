// A bill run as the page shows it: how far it is, whether to keep polling, its per-community preview.
import type { BillRunStatus } from '../../gql/tenant/graphql';

export const ACTIVE: readonly BillRunStatus[] = ['QUEUED', 'RUNNING'];
export const POLL_MS = 1000;

export function isActive(status: BillRunStatus | undefined): boolean {
  return status !== undefined && ACTIVE.includes(status);
}

/** Percent of houses processed, 0–100 (a finished run is 100 even when the ledger shrank meanwhile). */
export function progressPercent(run: { status: BillRunStatus; total: number; processed: number }): number {
  if (run.status === 'SUCCEEDED') return 100;
  if (run.total <= 0) return 0;
  return Math.min(100, Math.floor((run.processed * 100) / run.total));
}

export interface CommunityTotal {
  community: string;
  bills: number;
  principalFen: number | string;
  skipped: number;
  errors: number;
}

/** The preview's sums over the shown communities; money summed as BigInt (season totals pass 2^53 fen only
 *  in theory, but integer fen stay integers). */
export function sumTotals(rows: readonly CommunityTotal[]) {
  return rows.reduce(
    (acc, r) => ({
      bills: acc.bills + r.bills,
      principalFen: acc.principalFen + BigInt(r.principalFen),
      skipped: acc.skipped + r.skipped,
      errors: acc.errors + r.errors,
    }),
    { bills: 0, principalFen: 0n, skipped: 0, errors: 0 },
  );
}
