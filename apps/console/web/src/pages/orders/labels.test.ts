import { describe, expect, it } from 'vitest';
import { refundableFen } from './labels';

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
