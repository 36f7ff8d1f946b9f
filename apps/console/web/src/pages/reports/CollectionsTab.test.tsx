import { screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { session } from '../../auth/session';
import { fakeGraphQL } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import { stubCanvas } from '../../test/canvas';
import { CollectionsTab } from './CollectionsTab';

const ch = (channel: string, collectedFen: number, refundedFen = 0, count = 1) => ({ channel, collectedFen, refundedFen, netFen: collectedFen - refundedFen, count });
const day = (date: string, channels: ReturnType<typeof ch>[]) => {
  const collectedFen = channels.reduce((s, c) => s + c.collectedFen, 0);
  const refundedFen = channels.reduce((s, c) => s + c.refundedFen, 0);
  return { date, channels, collectedFen, refundedFen, netFen: collectedFen - refundedFen };
};
const DAYS = [
  day('2026-12-05', [ch('WECHAT', 214800), ch('ALIPAY', 0), ch('CASH', 100000), ch('POS', 0), ch('TRANSFER', 0)]),
  day('2026-12-06', [ch('WECHAT', 1), ch('ALIPAY', 99999, 10000), ch('CASH', 0), ch('POS', 0), ch('TRANSFER', 0)]),
];

describe('CollectionsTab', () => {
  beforeEach(() => {
    window.sessionStorage.clear();
    session.set('finance-token', 3600);
    stubCanvas();
  });

  it('shows the money of each day and channel and the range’s totals from the API’s answer', async () => {
    const calls = fakeGraphQL((call) =>
      call.operation === 'ReportsCollectionsByDay'
        ? { data: { collectionsByDay: { collectedFen: 414800, refundedFen: 10000, netFen: 404800, days: DAYS } } }
        : { data: {} },
    );
    renderWithProviders(<CollectionsTab />);
    const table = await screen.findByTestId('table-collections-day');
    const rows = within(table).getAllByRole('row');
    // header, 2 days, total; POS and transfer took nothing: no column of zeros
    const text = rows.map((r) => [...r.querySelectorAll('th,td')].map((c) => c.textContent));
    expect(text[0]).toEqual(['日期', '微信', '支付宝', '现金', '收款合计', '退款', '净额']);
    expect(text).toContainEqual(['2026-12-05', '¥2,148.00', '¥0.00', '¥1,000.00', '¥3,148.00', '¥0.00', '¥3,148.00']);
    expect(text).toContainEqual(['2026-12-06', '¥0.01', '¥999.99', '¥0.00', '¥1,000.00', '¥100.00', '¥900.00']);
    expect(text).toContainEqual(['合计', '¥2,148.01', '¥999.99', '¥1,000.00', '¥4,148.00', '¥100.00', '¥4,048.00']);
    expect(screen.getByTestId('chart-collections-day').dataset.nonzero).toBe('4');
    expect(calls.find((c) => c.operation === 'ReportsCollectionsByDay')?.variables).toMatchObject({ dateFrom: expect.any(String), dateTo: expect.any(String) });
  });
});
