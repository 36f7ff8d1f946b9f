// Report figures as table rows: per period (day or month) and channel, with a totals row, computed in integer
// fen from what the API answered (the API's own totals are shown beside them, never recomputed in yuan).
import type { CollectionChannel } from '../../gql/tenant/graphql';

export const COLLECTION_CHANNELS: readonly CollectionChannel[] = ['WECHAT', 'ALIPAY', 'CASH', 'POS', 'TRANSFER'];

export interface ChannelFigures {
  channel: CollectionChannel;
  collectedFen: number;
  refundedFen: number;
  netFen: number;
  count: number;
}

export interface PeriodFigures {
  /** "2026-12-07" or "2026-12" */
  period: string;
  channels: readonly ChannelFigures[];
  collectedFen: number;
  refundedFen: number;
  netFen: number;
}

export interface PeriodRow {
  key: string;
  period: string;
  /** collected per channel (fen) */
  byChannel: Partial<Record<CollectionChannel, number>>;
  collectedFen: number;
  refundedFen: number;
  netFen: number;
}

/** One row per period with the money collected per channel, and the channels that took any money at all. */
export function periodRows(periods: readonly PeriodFigures[]): { rows: PeriodRow[]; channels: CollectionChannel[] } {
  const used = new Set<CollectionChannel>();
  const rows = periods.map((p) => {
    const byChannel: Partial<Record<CollectionChannel, number>> = {};
    for (const c of p.channels) {
      byChannel[c.channel] = (byChannel[c.channel] ?? 0) + c.collectedFen;
      if (c.collectedFen || c.refundedFen) used.add(c.channel);
    }
    return { key: p.period, period: p.period, byChannel, collectedFen: p.collectedFen, refundedFen: p.refundedFen, netFen: p.netFen };
  });
  return { rows, channels: COLLECTION_CHANNELS.filter((c) => used.has(c)) };
}

/** The sum of every row (the table's 合计 line). */
export function totalRow(rows: readonly PeriodRow[]): PeriodRow {
  const total: PeriodRow = { key: 'total', period: '', byChannel: {}, collectedFen: 0, refundedFen: 0, netFen: 0 };
  for (const r of rows) {
    total.collectedFen += r.collectedFen;
    total.refundedFen += r.refundedFen;
    total.netFen += r.netFen;
    for (const c of COLLECTION_CHANNELS) if (r.byChannel[c] !== undefined) total.byChannel[c] = (total.byChannel[c] ?? 0) + (r.byChannel[c] ?? 0);
  }
  return total;
}

/** Fen as a chart value in yuan (charts only; tables always print formatFen). */
export const chartYuan = (fen: number) => Math.round(fen) / 100;
