import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '../../auth/session';
import { fakeGraphQL } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import { BillActions, type ActionBill } from './BillActions';

const bill: ActionBill = { id: '42', status: 'PARTIALLY_PAID', accountNo: 'H10001', principalFen: 214800, paidFen: 100000, outstandingFen: 114800 };

function fieldOf(testid: string): HTMLElement {
  return screen.getByTestId(testid).closest('.ant-form-item') as HTMLElement;
}

describe('BillActions', () => {
  beforeEach(() => {
    window.sessionStorage.clear();
    session.set('staff-token', 3600);
  });

  it('sends an adjustment as signed integer fen and shows the API refusal on the amount', async () => {
    const user = userEvent.setup({ delay: null });
    const calls = fakeGraphQL((call) => ({
      data: call.operation !== 'AdjustBill' ? {} : { adjustBill: { bill: null, errors: [{ field: 'amountFen', code: 'INVALID_AMOUNT', message: '调整后应收不能低于已缴金额，请走退款流程。' }] } },
    }));
    renderWithProviders(<BillActions bill={bill} onChanged={() => undefined} />);
    await user.click(screen.getByTestId('bill-adjust'));
    await user.type(screen.getByTestId('adjust-amount'), '1148.01');
    // More than the bill can lose (it would drop below what was paid): refused before sending.
    expect(await within(fieldOf('adjust-amount')).findByText(/不能低于已缴金额 ¥1,000.00/)).toBeTruthy();
    await user.clear(screen.getByTestId('adjust-amount'));
    await user.type(screen.getByTestId('adjust-amount'), '19.99');
    await user.type(screen.getByTestId('adjust-reason'), '面积复核');
    await user.click(screen.getByTestId('adjust-submit'));
    const adjusts = () => calls.filter((c) => c.operation === 'AdjustBill');
    await waitFor(() => expect(adjusts()).toHaveLength(1));
    expect(adjusts()[0].variables).toEqual({ id: '42', amountFen: -1999, reason: '面积复核' });
    expect(await within(fieldOf('adjust-amount')).findByText('调整后应收不能低于已缴金额，请走退款流程。')).toBeTruthy();
  });

  it('waives only with a reason', async () => {
    const user = userEvent.setup({ delay: null });
    const calls = fakeGraphQL(() => ({ data: { waiveBill: { bill: { id: '42', status: 'WAIVED' }, errors: [] } } }));
    const onChanged = vi.fn();
    renderWithProviders(<BillActions bill={bill} onChanged={onChanged} />);
    await user.click(screen.getByTestId('bill-waive'));
    expect(await screen.findByText(/未缴的 ¥1,148.00 不再收取/)).toBeTruthy();
    await user.click(screen.getByTestId('waive-submit'));
    expect(await within(fieldOf('waive-reason')).findByText('请填写原因')).toBeTruthy();
    const waives = () => calls.filter((c) => c.operation === 'WaiveBill');
    expect(waives()).toHaveLength(0);
    await user.type(screen.getByTestId('waive-reason'), '低保户困难减免');
    await user.click(screen.getByTestId('waive-submit'));
    await waitFor(() => expect(onChanged).toHaveBeenCalled());
    expect(waives()[0].variables).toEqual({ id: '42', reason: '低保户困难减免' });
  });

  it('offers no waiver on a paid bill', () => {
    fakeGraphQL(() => ({ data: {} }));
    renderWithProviders(<BillActions bill={{ ...bill, status: 'PAID', paidFen: 214800, outstandingFen: 0 }} onChanged={() => undefined} />);
    expect(screen.getByTestId('bill-waive').hasAttribute('disabled')).toBe(true);
    expect(screen.getByTestId('bill-adjust').hasAttribute('disabled')).toBe(false);
  });
});
