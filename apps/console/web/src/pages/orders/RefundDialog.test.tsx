import { configure, fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '../../auth/session';
import { fakeGraphQL, type GraphQLCall } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import { RefundDialog } from './RefundDialog';

configure({ asyncUtilTimeout: 5000 });

const FINANCE_API = {
  login: vi.fn(),
  me: async () => ({ id: '4', username: 'fin', displayName: '财务', role: 'FINANCE' as const }),
  refresh: vi.fn(),
  logout: vi.fn(),
  changePassword: vi.fn(),
};
const ORDER = { id: '12', outTradeNo: 'W261207Q9QJTT98AP2ABQ', amountFen: 214800 };
const REFUND = {
  id: '5',
  outRefundNo: 'rf-x',
  amountFen: 10000,
  reason: '面积复核',
  status: 'PROCESSING',
  createdAt: '2026-12-07T12:00:00+08:00',
  finishedAt: null,
};

const errorOf = (testId: string) =>
  screen.getByTestId(testId).closest('.ant-form-item')?.querySelector('.ant-form-item-explain-error')?.textContent ?? null;

function open(answer: (call: GraphQLCall) => ReturnType<Parameters<typeof fakeGraphQL>[0]>) {
  const calls = fakeGraphQL((call) => (call.operation === 'OrdersRefund' ? answer(call) : { data: {} }));
  const onDone = vi.fn();
  renderWithProviders(<RefundDialog order={ORDER} refundableFen={204800} onClose={vi.fn()} onDone={onDone} />, { api: FINANCE_API });
  return { onDone, refunds: () => calls.filter((c) => c.operation === 'OrdersRefund') };
}

describe('RefundDialog', () => {
  beforeEach(() => {
    window.sessionStorage.clear();
    session.set('finance-token', 3600);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('checks the amount against what is refundable and asks for a reason, sending nothing meanwhile', async () => {
    const { refunds } = open(() => ({ data: {} }));
    const user = userEvent.setup({ delay: null });
    expect((await screen.findByTestId('refund-refundable')).textContent).toBe('¥2,048.00');
    fireEvent.change(screen.getByTestId('refund-amount'), { target: { value: '2048.01' } });
    await waitFor(() => expect(errorOf('refund-amount')).toBe('不能超过可退金额 ¥2,048.00'));
    fireEvent.change(screen.getByTestId('refund-amount'), { target: { value: '0' } });
    await waitFor(() => expect(errorOf('refund-amount')).toBe('退款金额须大于 0'));
    await user.click(screen.getByTestId('refund-submit'));
    await waitFor(() => expect(errorOf('refund-reason')).toBe('请填写退款原因'));
    expect(refunds()).toHaveLength(0);
  });

  it('sends fen, the reason and one request number, kept for a resend; the API’s errors go on the fields', async () => {
    let answer: 'error' | 'network' | 'ok' = 'error';
    const { onDone, refunds } = open(() => {
      if (answer === 'network') throw new TypeError('Failed to fetch');
      if (answer === 'error')
        return { data: { refundOrder: { refund: null, order: null, errors: [{ field: 'amountFen', message: '退款金额超过可退金额。', code: 'REFUND_EXCEEDS' }] } } };
      return { data: { refundOrder: { refund: REFUND, order: { id: '12', refundedFen: 0, refundStatus: 'NONE' }, errors: [] } } };
    });
    const user = userEvent.setup({ delay: null });
    await screen.findByTestId('refund-refundable');
    fireEvent.change(screen.getByTestId('refund-amount'), { target: { value: '100' } });
    fireEvent.change(screen.getByTestId('refund-reason'), { target: { value: ' 面积复核 ' } });
    await user.click(screen.getByTestId('refund-submit'));
    await waitFor(() => expect(errorOf('refund-amount')).toBe('退款金额超过可退金额。'));
    answer = 'network';
    await user.click(screen.getByTestId('refund-submit'));
    await screen.findByTestId('refund-error');
    answer = 'ok';
    await user.click(screen.getByTestId('refund-submit'));
    await waitFor(() => expect(onDone).toHaveBeenCalledWith(REFUND));
    const sent = refunds().map((c) => c.variables);
    expect(sent).toHaveLength(3);
    expect(sent[0]).toMatchObject({ orderId: '12', amountFen: 10000, reason: '面积复核' });
    expect(new Set(sent.map((v) => v.requestNo)).size).toBe(1);
    expect(sent[0].requestNo).toMatch(/^rf-[A-Za-z0-9]{24}$/);
  });
});
