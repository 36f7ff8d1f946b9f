import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { session } from '../../auth/session';
import { fakeGraphQL } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import DailyClosePage from './DailyClosePage';

const channel = (c: string, collectedFen: number, ledgerCollectedFen = collectedFen) => ({
  channel: c,
  collectedFen,
  count: collectedFen ? 1 : 0,
  refundedFen: 0,
  refundCount: 0,
  feeFen: c === 'WECHAT' ? 1289 : 0,
  adjustmentsFen: 0,
  netFen: collectedFen,
  ledgerCollectedFen,
  ledgerCount: ledgerCollectedFen ? 1 : 0,
  ledgerRefundedFen: 0,
});
const blocker = (kind: string, extra: Record<string, unknown>) => ({
  kind,
  message: '',
  channel: null,
  merchantAccountId: null,
  runId: null,
  runStatus: null,
  shiftId: null,
  collectorName: null,
  day: null,
  ...extra,
});
const DAY = {
  day: '2026-12-06',
  status: 'OPEN',
  canClose: false,
  hasActivity: true,
  collectedFen: 314800,
  refundedFen: 0,
  feeFen: 1289,
  adjustmentsFen: 0,
  netFen: 314800,
  closedAt: null,
  closedBy: null,
  blockers: [
    blocker('RUN_NOT_CLOSED', { message: '微信支付交易账单对账批次未关闭（已比对）', channel: 'WECHAT', runId: '5', runStatus: 'matched' }),
    blocker('SHIFT_OPEN', { message: '收费员的班次未结', shiftId: '9', collectorName: '张收费' }),
    blocker('EARLIER_DAY_OPEN', { message: '2026-12-04 尚未日结', day: '2026-12-04' }),
  ],
  channels: [channel('WECHAT', 214800, 214801), channel('ALIPAY', 0), channel('CASH', 100000), channel('POS', 0), channel('TRANSFER', 0)],
  adjustments: [],
  corrections: [],
};

describe('DayView', () => {
  beforeEach(() => {
    window.sessionStorage.clear();
    session.set('finance-token', 3600);
  });

  it('lists what blocks the close with links to fix it, and keeps the close button disabled meanwhile', async () => {
    const calls = fakeGraphQL((call) => (call.operation === 'DailyCloseOneDay' ? { data: { dailyClose: DAY } } : { data: {} }));
    const user = userEvent.setup({ delay: null });
    renderWithProviders(<DailyClosePage />, { route: '/2026-12-06' });
    const blockers = await screen.findByTestId('day-blockers');
    expect(within(blockers).getByText(/还有 3 项未完成/)).toBeTruthy();
    expect(screen.getByTestId('day-blocker-0').dataset.kind).toBe('RUN_NOT_CLOSED');
    expect(screen.getByTestId('day-blocker-link-0').getAttribute('href')).toBe('/reconciliation/5');
    expect(screen.getByTestId('day-blocker-1').textContent).toContain('张收费');
    expect(screen.queryByTestId('day-blocker-link-1')).toBeNull(); // the collector closes a shift at the desk
    expect(screen.getByTestId('day-blocker-link-2').getAttribute('href')).toBe('/daily-close/2026-12-04');
    expect(screen.getByTestId('day-close').hasAttribute('disabled')).toBe(true);
    await user.click(screen.getByTestId('day-close'));
    expect(calls.filter((c) => c.operation === 'DailyCloseClose')).toHaveLength(0);
    // The bill's figures beside the ledger's: the differing one is marked.
    const wechat = within(screen.getByTestId('day-channels')).getAllByRole('row')[1];
    expect([...wechat.querySelectorAll('td')].map((c) => c.textContent).slice(1, 4)).toEqual(['¥2,148.00', '¥2,148.01', '1 / 1']);
    expect(wechat.querySelectorAll('td')[2].querySelector('.ant-typography-danger')).not.toBeNull();
    expect(screen.getByTestId('day-net').textContent).toBe('¥3,148.00');
  });

  it('closes a day nothing blocks, and then offers an adjustment instead', async () => {
    let closed = false;
    const calls = fakeGraphQL((call) => {
      if (call.operation === 'DailyCloseClose') {
        closed = true;
        return { data: { closeDay: { day: { day: '2026-12-06', status: 'CLOSED', canClose: false, closedAt: '2026-12-07T10:00:00+08:00', closedBy: '财务' }, errors: [] } } };
      }
      if (call.operation === 'DailyCloseOneDay')
        return {
          data: {
            dailyClose: closed
              ? { ...DAY, status: 'CLOSED', blockers: [], closedAt: '2026-12-07T10:00:00+08:00', closedBy: '财务' }
              : { ...DAY, canClose: true, blockers: [] },
          },
        };
      return { data: {} };
    });
    const user = userEvent.setup({ delay: null });
    renderWithProviders(<DailyClosePage />, { route: '/2026-12-06' });
    await screen.findByTestId('day-view');
    expect(screen.queryByTestId('day-blockers')).toBeNull();
    expect(screen.queryByTestId('day-adjust')).toBeNull();
    await user.click(screen.getByTestId('day-close'));
    await user.click(await screen.findByTestId('day-close-confirm'));
    await waitFor(() => expect(screen.getByTestId('day-status').dataset.status).toBe('CLOSED'));
    expect(calls.filter((c) => c.operation === 'DailyCloseClose').map((c) => c.variables)).toEqual([{ day: '2026-12-06' }]);
    expect(screen.queryByTestId('day-close')).toBeNull();
    expect(screen.getByTestId('day-adjust')).toBeTruthy();
  });

  it('corrects a closed day with a signed amount in fen and a reason; the API’s refusal lands on the amount', async () => {
    let refuse = true;
    const calls = fakeGraphQL((call) => {
      if (call.operation === 'DailyCloseOneDay')
        return { data: { dailyClose: { ...DAY, status: 'CLOSED', canClose: false, blockers: [], closedAt: '2026-12-07T10:00:00+08:00', closedBy: '财务' } } };
      if (call.operation === 'DailyCloseAdjust')
        return refuse
          ? { data: { createDayAdjustment: { adjustment: null, errors: [{ field: 'amountFen', code: 'INVALID', message: '调整金额不能为 0。' }] } } }
          : {
              data: {
                createDayAdjustment: {
                  adjustment: { id: '1', day: '2026-12-07', correctsDay: '2026-12-06', channel: 'CASH', amountFen: -1250, reason: '现金短款', createdBy: '财务', createdAt: '2026-12-07T10:00:00+08:00' },
                  errors: [],
                },
              },
            };
      return { data: {} };
    });
    const user = userEvent.setup({ delay: null });
    const errorOf = (testId: string) => screen.getByTestId(testId).closest('.ant-form-item')?.querySelector('.ant-form-item-explain-error')?.textContent ?? null;
    renderWithProviders(<DailyClosePage />, { route: '/2026-12-06' });
    await user.click(await screen.findByTestId('day-adjust'));
    fireEvent.change(screen.getByTestId('day-adjust-amount'), { target: { value: '0' } });
    await waitFor(() => expect(errorOf('day-adjust-amount')).toBe('调整金额不能为 0'));
    await user.click(screen.getByTestId('day-adjust-submit'));
    await waitFor(() => expect(errorOf('day-adjust-reason')).toBe('请填写原因'));
    await user.click(screen.getByTestId('day-adjust-channel').querySelector('.ant-select-selector') as HTMLElement);
    await user.click(await screen.findByTitle('现金'));
    fireEvent.change(screen.getByTestId('day-adjust-amount'), { target: { value: '-12.5' } });
    fireEvent.change(screen.getByTestId('day-adjust-reason'), { target: { value: ' 现金短款 ' } });
    await user.click(screen.getByTestId('day-adjust-submit'));
    await waitFor(() => expect(errorOf('day-adjust-amount')).toBe('调整金额不能为 0。'));
    refuse = false;
    await user.click(screen.getByTestId('day-adjust-submit'));
    expect(await screen.findByText('调整已记入 2026-12-07')).toBeTruthy();
    expect(calls.filter((c) => c.operation === 'DailyCloseAdjust').map((c) => c.variables)[1]).toEqual({
      correctsDay: '2026-12-06',
      channel: 'CASH',
      amountFen: -1250,
      reason: '现金短款',
    });
  });
});
