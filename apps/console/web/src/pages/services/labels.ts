// Resident services as shown (zh, en): ticket kinds, 报停 kinds and statuses with their tag colours, the search forms' choices
// and how a time and a deadline read ("剩 3 小时" / "超时 2 小时"). Tickets: ticketLabels.ts; compensation:
// compensationLabels.ts.
import dayjs from 'dayjs';
import type { OptOutKind, OptOutStatus, TicketKind } from '../../gql/tenant/graphql';
import type { T } from '../../i18n';

export type Pair = readonly [zh: string, en: string];

export const TICKET_KINDS: readonly TicketKind[] = ['REPAIR', 'COMPLAINT', 'TEMPERATURE'];
export const TICKET_KIND: Record<TicketKind, Pair> = {
  REPAIR: ['报修', 'Repair'],
  COMPLAINT: ['投诉', 'Complaint'],
  TEMPERATURE: ['室温报告', 'Temperature report'],
};
export const TICKET_KIND_COLOR: Record<TicketKind, string> = { REPAIR: 'blue', COMPLAINT: 'purple', TEMPERATURE: 'volcano' };

export const OPT_OUT_KINDS: readonly OptOutKind[] = ['OPT_OUT', 'RESUME'];
export const OPT_OUT_KIND: Record<OptOutKind, Pair> = { OPT_OUT: ['报停', 'Opt out'], RESUME: ['恢复供暖', 'Resume heating'] };
export const OPT_OUT_STATUSES: readonly OptOutStatus[] = ['SUBMITTED', 'APPROVED', 'SEALED', 'EFFECTIVE', 'REJECTED', 'CANCELLED'];
export const OPT_OUT_STATUS: Record<OptOutStatus, Pair> = {
  SUBMITTED: ['待审核', 'Awaiting review'],
  APPROVED: ['已批准，待施封', 'Approved, awaiting seal'],
  SEALED: ['已施封', 'Sealed'],
  EFFECTIVE: ['已生效', 'Effective'],
  REJECTED: ['已驳回', 'Rejected'],
  CANCELLED: ['已撤销', 'Cancelled'],
};
export const OPT_OUT_STATUS_COLOR: Record<OptOutStatus, string> = {
  SUBMITTED: 'gold',
  APPROVED: 'blue',
  SEALED: 'cyan',
  EFFECTIVE: 'green',
  REJECTED: 'red',
  CANCELLED: 'default',
};

export function valueEnum<K extends string>(keys: readonly K[], labels: Record<K, Pair>, t: T) {
  return Object.fromEntries(keys.map((k) => [k, { text: t(labels[k][0], labels[k][1]) }]));
}

export const when = (value: string | null | undefined) => (value ? dayjs(value).format('YYYY-MM-DD HH:mm') : '—');

/** "剩 3 小时" before a deadline, "超时 2 小时" after it (minutes under an hour, days past two days). */
export function dueText(due: string, now: dayjs.Dayjs, t: T): { text: string; late: boolean } {
  const minutes = dayjs(due).diff(now, 'minute');
  const late = minutes < 0;
  const m = Math.abs(minutes);
  const span =
    m < 60
      ? t(`${m} 分钟`, `${m} min`)
      : m < 48 * 60
        ? t(`${Math.floor(m / 60)} 小时`, `${Math.floor(m / 60)} h`)
        : t(`${Math.floor(m / 1440)} 天`, `${Math.floor(m / 1440)} days`);
  return { text: late ? t(`超时 ${span}`, `${span} overdue`) : t(`剩 ${span}`, `${span} left`), late };
}
