// Days and what blocks their close, as shown (zh, en).
import type { DailyCloseStatus, DayBlockerKind } from '../../gql/tenant/graphql';

type Pair = readonly [zh: string, en: string];

export const DAY_STATUS: Record<DailyCloseStatus, Pair> = { OPEN: ['未日结', 'Open'], CLOSED: ['已日结', 'Closed'] };
export const DAY_STATUS_COLOR: Record<DailyCloseStatus, string> = { OPEN: 'orange', CLOSED: 'green' };

export const BLOCKER: Record<DayBlockerKind, Pair> = {
  NOT_PAST: ['当天及以后的日期不能日结', 'Only past days close'],
  EARLIER_DAY_OPEN: ['更早的日期尚未日结', 'An earlier day is still open'],
  RUN_MISSING: ['缺少对账批次', 'A statement run is missing'],
  RUN_NOT_CLOSED: ['对账批次未关闭', 'A statement run is not closed'],
  SHIFT_OPEN: ['收费员班次未结', 'A collector’s shift is open'],
};

/** Online channels come from the statement runs; counter ones from the collectors' shifts. */
export const ONLINE = new Set(['WECHAT', 'ALIPAY']);
