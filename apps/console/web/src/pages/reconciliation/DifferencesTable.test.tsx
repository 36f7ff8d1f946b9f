import { screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { session } from '../../auth/session';
import { fakeGraphQL } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import { DifferencesTable } from './DifferencesTable';

const diff = (id: string, fields: Record<string, unknown>) => ({
  id,
  kind: 'STATUS_MISMATCH',
  subject: 'PAYMENT',
  outTradeNo: `W2612060000${id}`,
  outRefundNo: null,
  orderId: null,
  channelAmountFen: 12000,
  localAmountFen: 12000,
  channelFeeFen: 72,
  expectedFeeFen: 72,
  channelStatus: 'success',
  localStatus: 'paid',
  autoAction: '',
  status: 'OPEN',
  resolution: null,
  note: null,
  resolvedBy: null,
  resolvedAt: null,
  carriedToRunId: null,
  allowedResolutions: [],
  ...fields,
});

const ITEMS = [
  diff('1', { channelStatus: 'success', localStatus: 'created', autoAction: 'settled: 渠道查询已支付，已按渠道入账' }),
  diff('2', { channelStatus: 'revoked', localStatus: 'paid', autoAction: 'reverted: 渠道查询为「已关闭」，已撤销本地入账，账单恢复欠费。' }),
  diff('3', { subject: 'REFUND', outRefundNo: 'R1', channelStatus: 'success', localStatus: 'processing', autoAction: 'queried: 渠道查询退款状态为「处理中」，请人工核实。' }),
  diff('4', { kind: 'CHANNEL_ONLY', channelStatus: 'PAYERROR', localStatus: '', autoAction: 'error: 渠道查询失败（SYSTEM_ERROR），重新对账时再试。' }),
];

function show(lang: 'zh' | 'en' = 'zh') {
  fakeGraphQL((call) =>
    call.operation === 'ReconDifferences' ? { data: { statementRun: { id: '5', differences: { totalCount: ITEMS.length, items: ITEMS } } } } : { data: {} },
  );
  renderWithProviders(<DifferencesTable runId="5" onResolve={null} />, { lang });
}

/** The table row of a difference (the cells in order). */
const row = async (id: string) => (await screen.findByTestId(`diff-kind-${id}`)).closest('tr') as HTMLElement;

describe('DifferencesTable', () => {
  beforeEach(() => {
    window.sessionStorage.clear();
    session.set('finance-token', 3600);
  });

  it('shows both sides’ states by name: the bill row’s, and the local order’s or refund’s by subject; unknown ones as they are', async () => {
    show();
    expect(within(await row('1')).getByText('成功')).toBeTruthy();
    expect(within(await row('1')).getByText('待支付')).toBeTruthy();
    expect(within(await row('2')).getByText('已撤销')).toBeTruthy();
    expect(within(await row('2')).getByText('已支付')).toBeTruthy();
    expect(within(await row('3')).getByText('退款中')).toBeTruthy();
    expect(within(await row('4')).getByText('PAYERROR')).toBeTruthy();
    for (const raw of ['success', 'created', 'revoked', 'paid', 'processing']) expect(screen.queryByText(raw)).toBeNull();
    // The two sides name their states differently: red only where the class says they disagree.
    expect(within(await row('1')).getByText('成功').closest('.ant-typography-danger')).not.toBeNull();
    expect(within(await row('4')).getByText('PAYERROR').closest('.ant-typography-danger')).toBeNull();
  });

  it('tags what the system did and shows its text without the machine prefix', async () => {
    show();
    const auto = (id: string) => screen.findByTestId(`diff-auto-${id}`);
    expect((await auto('1')).textContent).toBe('已自动入账渠道查询已支付，已按渠道入账');
    expect((await auto('1')).querySelector('.ant-tag-green')?.textContent).toBe('已自动入账');
    expect((await auto('2')).querySelector('.ant-tag-orange')?.textContent).toBe('已自动撤销');
    expect((await auto('3')).querySelector('.ant-tag-blue')?.textContent).toBe('已查询渠道');
    expect((await auto('4')).querySelector('.ant-tag-red')?.textContent).toBe('自动处理失败');
    expect((await auto('4')).textContent).toBe('自动处理失败渠道查询失败（SYSTEM_ERROR），重新对账时再试。');
  });

  it('speaks English when the console does', async () => {
    show('en');
    expect(within(await row('3')).getByText('Refunding')).toBeTruthy();
    expect(within(await row('2')).getByText('Revoked')).toBeTruthy();
    expect((await screen.findByTestId('diff-auto-1')).querySelector('.ant-tag')?.textContent).toBe('Settled automatically');
  });
});
