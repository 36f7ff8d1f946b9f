import { describe, expect, it } from 'vitest';
import { exportFilter, refundableFen } from './labels';

describe('refundableFen', () => {
  const paid = { status: 'PAID' as const, amountFen: 240000, refundedFen: 0, refunds: [] };

  it('is the whole amount of a paid order with no refund', () => {
    expect(refundableFen(paid)).toBe(240000);
  });

  it('leaves out what was refunded and what is still pending; closed refunds give their amount back', () => {
    const order = {
      ...paid,
      refundedFen: 50000,
      refunds: [
        { status: 'SUCCESS' as const, amountFen: 50000 },
        { status: 'PROCESSING' as const, amountFen: 10000 },
        { status: 'ABNORMAL' as const, amountFen: 2000 },
        { status: 'CLOSED' as const, amountFen: 30000 },
      ],
    };
    expect(refundableFen(order)).toBe(240000 - 50000 - 10000 - 2000);
  });

  it('is nothing for an order that was never paid, and never negative', () => {
    expect(refundableFen({ ...paid, status: 'CREATED' })).toBe(0);
    expect(refundableFen({ ...paid, status: 'CLOSED' })).toBe(0);
    expect(refundableFen({ ...paid, refundedFen: 240000, refunds: [{ status: 'PROCESSING', amountFen: 1 }] })).toBe(0);
  });
});

describe('exportFilter', () => {
  it('exports what the list shows: status, WeChat or Alipay, the days', () => {
    expect(exportFilter({ status: 'PAID', channel: 'WECHAT', dateFrom: '2026-12-01', dateTo: '2026-12-07', search: 'x' })).toEqual({
      status: 'PAID',
      channel: 'WECHAT',
      dateFrom: '2026-12-01',
      dateTo: '2026-12-07',
    });
    expect(exportFilter({})).toEqual({ status: null, channel: null, dateFrom: null, dateTo: null });
  });
  it('has no export for the counter channel (the export splits it by method)', () => {
    expect(exportFilter({ channel: 'COUNTER' })).toBeNull();
  });
});
