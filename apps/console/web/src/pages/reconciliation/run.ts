// What a run allows now, worked out from what the API says of it (the API refuses the rest anyway).
import dayjs, { type Dayjs } from 'dayjs';
import type { StatementRunStatus } from '../../gql/tenant/graphql';
import type { T } from '../../i18n';

/** Fetching, parsing or matching in the background: poll it. */
export function isWorking(status: StatementRunStatus | undefined): boolean {
  return status === 'PENDING' || status === 'FETCHED' || status === 'PARSED';
}

export const POLL_MS = 2000;

interface Closable {
  status: StatementRunStatus;
  canClose: boolean;
  openDifferenceCount: number;
}

/** Why the run cannot be closed now; null when it can. */
export function closeBlockedReason(run: Closable, t: T): string | null {
  if (run.status === 'CLOSED') return t('批次已关闭', 'The run is closed');
  if (run.status === 'FAILED') return t('批次失败，请重新对账', 'The run failed: run it again');
  if (run.status !== 'MATCHED') return t('比对完成后才能关闭', 'It can close once matched');
  if (run.openDifferenceCount > 0)
    return t(`还有 ${run.openDifferenceCount} 条差异未处理`, `${run.openDifferenceCount} difference(s) still open`);
  if (!run.canClose) return t('暂不能关闭', 'It cannot close yet');
  return null;
}

/** Rerun: not a closed run, not while it works. */
export function mayRerun(status: StatementRunStatus): boolean {
  return status === 'MATCHED' || status === 'FAILED';
}

/** Bills the providers keep: yesterday back to 3 months ago (not today, not the future). */
export function billDateAllowed(day: Dayjs, today: Dayjs = dayjs()): boolean {
  const d = day.startOf('day');
  return d.isBefore(today.startOf('day')) && !d.isBefore(today.startOf('day').subtract(3, 'month'));
}
