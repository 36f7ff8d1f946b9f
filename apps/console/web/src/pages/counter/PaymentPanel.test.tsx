import { configure, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '../../auth/session';
import { fakeGraphQL, type GraphQLCall } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import { PaymentPanel } from './PaymentPanel';

configure({ asyncUtilTimeout: 5000 }); // antd's validation and re-render in jsdom, on a busy machine

const COLLECTOR_API = {
  login: vi.fn(),
  me: async () => ({ id: '3', username: 'li', displayName: '李丽', role: 'COLLECTOR' as const }),
  refresh: vi.fn(),
  logout: vi.fn(),
  changePassword: vi.fn(),
};

// Last season owes 2,400.00 + 24.00 late fee; this season 2,400.00 less a 72.00 early discount.
const BILLS = [
  {
    id: '9',
    season: '2026-2027',
    seasonId: '2',
    status: 'ISSUED',
    principalFen: 240000,
    paidFen: 0,
    amountDue: { asOf: '2026-12-07', outstandingFen: 240000, discountFen: 7200, lateFeeFen: 0, totalFen: 232800 },
  },
  {
    id: '3',
    season: '2025-2026',
    seasonId: '1',
    status: 'PARTIALLY_PAID',
    principalFen: 240000,
    paidFen: 0,
    amountDue: { asOf: '2026-12-07', outstandingFen: 240000, discountFen: 0, lateFeeFen: 2400, totalFen: 242400 },
  },
  {
    id: '1',
    season: '2024-2025',
    seasonId: '0',
    status: 'PAID',
    principalFen: 240000,
    paidFen: 240000,
    amountDue: { asOf: '2026-12-07', outstandingFen: 0, discountFen: 0, lateFeeFen: 0, totalFen: 0 },
  },
];

const ORDER = {
  id: '77',
  outTradeNo: 'C261207ABCDEFGHIJKLMNO',
  amountFen: 100000,
  counterMethod: 'CASH',
  receiptNo: 'NO.000124',
  receiptUrl: '/payments/receipts/C261207ABCDEFGHIJKLMNO.pdf',
  paidAt: '2026-12-07T10:00:00+08:00',
  items: [{ amountFen: 100000, discountFen: 0, lateFeeFen: 0, bill: { id: '3', season: '2025-2026', status: 'PARTIALLY_PAID' } }],
};

type Answer = (call: GraphQLCall) => ReturnType<Parameters<typeof fakeGraphQL>[0]>;

function setup(record: Answer) {
  const calls = fakeGraphQL((call) => {
    if (call.operation === 'CounterBills') return { data: { bills: { items: BILLS } } };
    if (call.operation === 'CounterRecordPayment') return record(call);
    return { data: {} };
  });
  const onPaid = vi.fn();
  const user = userEvent.setup({ delay: null });
  renderWithProviders(<PaymentPanel houseId="42" lastReceiptNo="NO.000123" onPaid={onPaid} />, { api: COLLECTOR_API });
  const payments = () => calls.filter((c) => c.operation === 'CounterRecordPayment');
  return { user, onPaid, calls, payments };
}

const errorOf = (testId: string) =>
  screen.getByTestId(testId).closest('.ant-form-item')?.querySelector('.ant-form-item-explain-error')?.textContent ?? null;

/** What the collector typed, at once (typing character by character in jsdom costs seconds per field). */
function enter(testId: string, text: string) {
  fireEvent.change(screen.getByTestId(testId), { target: { value: text } });
}

describe('PaymentPanel', () => {
  beforeEach(() => {
    window.sessionStorage.clear();
    session.set('collector-token', 3600);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('shows what is due now per bill, proposes it all and the next receipt number', async () => {
    setup(() => ({ data: {} }));
    expect(await screen.findByTestId('counter-due-total')).toHaveProperty('textContent', '¥4,752.00');
    expect(screen.getByTestId('counter-due-3').textContent).toBe('¥2,424.00');
    expect(screen.getByTestId('counter-due-9').textContent).toBe('¥2,328.00');
    await waitFor(() => expect((screen.getByTestId('counter-amount') as HTMLInputElement).value).toBe('4752.00'));
    expect((screen.getByTestId('counter-receipt-no') as HTMLInputElement).value).toBe('NO.000124');
    const paidRow = within(screen.getByTestId('counter-bills')).getByText('2024-2025').closest('tr') as HTMLElement;
    expect((within(paidRow).getByRole('checkbox') as HTMLInputElement).disabled).toBe(true);
  });

  it('checks the amount as it is typed with the server’s rule, and sends nothing while it is wrong', async () => {
    const { user, payments } = setup(() => ({ data: {} }));
    await screen.findByTestId('counter-due-total');
    enter('counter-amount', '4752.01');
    await waitFor(() => expect(errorOf('counter-amount')).toMatch(/超过应缴金额 ¥4,752.00/));
    enter('counter-amount', '2400'); // clears last season's principal but not its late fee
    await waitFor(() => expect(errorOf('counter-amount')).toMatch(/2025-2026 本金 ¥2,400.00，含违约金应缴 ¥2,424.00/));
    enter('counter-amount', '12.345');
    await waitFor(() => expect(errorOf('counter-amount')).toMatch(/最多两位小数/));
    await user.click(screen.getByTestId('counter-submit'));
    expect(payments()).toHaveLength(0);

    enter('counter-amount', '1000');
    await waitFor(() => expect(errorOf('counter-amount')).toBeNull());
    expect(screen.getByTestId('counter-share-3').textContent).toMatch(/^¥1,000.00/); // oldest season first
    enter('counter-tendered', '1200');
    expect(screen.getByTestId('counter-change').textContent).toContain('¥200.00');
  });

  it('puts the API’s typed errors on their fields', async () => {
    const { user, payments, onPaid } = setup(() => ({
      data: {
        recordCounterPayment: {
          order: null,
          errors: [{ field: 'receiptNo', message: '收据号 NO.000124 已被使用。', code: 'DUPLICATE_RECEIPT' }],
        },
      },
    }));
    await screen.findByTestId('counter-due-total');
    enter('counter-amount', '1000');
    await user.click(screen.getByTestId('counter-submit'));
    await waitFor(() => expect(errorOf('counter-receipt-no')).toBe('收据号 NO.000124 已被使用。'));
    expect(payments()[0].variables).toMatchObject({ billIds: ['9', '3'], method: 'CASH', amountFen: 100000, receiptNo: 'NO.000124' });
    expect(onPaid).not.toHaveBeenCalled();
  });

  it('sends one key per submission: the same again after a lost answer, a new one once a value changes', async () => {
    let answer: 'network' | 'paid' = 'network';
    const { user, payments, onPaid } = setup(() => {
      if (answer === 'network') throw new TypeError('Failed to fetch');
      return { data: { recordCounterPayment: { order: ORDER, errors: [] } } };
    });
    await screen.findByTestId('counter-due-total');
    enter('counter-amount', '1000');
    await user.click(screen.getByTestId('counter-submit'));
    await screen.findByTestId('counter-error');
    await user.click(screen.getByTestId('counter-submit')); // a retry of the same payment
    await waitFor(() => expect(payments()).toHaveLength(2));
    const [first, retry] = payments().map((c) => c.variables.requestNo as string);
    expect(first).toMatch(/^[A-Za-z0-9_-]{6,32}$/);
    expect(retry).toBe(first);

    enter('counter-amount', '900'); // another payment now
    answer = 'paid';
    await user.click(screen.getByTestId('counter-submit'));
    await waitFor(() => expect(onPaid).toHaveBeenCalledWith(ORDER));
    expect(payments()[2].variables.requestNo).not.toBe(first);
  });

  it('sends a double click, or Enter pressed again, once while the first is on its way', async () => {
    let release = () => undefined as void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { onPaid, payments } = setup(() => ({ data: { recordCounterPayment: { order: ORDER, errors: [] } } }));
    const answer = window.fetch; // fakeGraphQL's, held back for the payment until the gate opens
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      const response = await answer(url, init);
      if (String(init.body).includes('CounterRecordPayment')) await gate;
      return response;
    });
    const user = userEvent.setup({ delay: null });
    await screen.findByTestId('counter-due-total');
    enter('counter-amount', '1000');
    await user.dblClick(screen.getByTestId('counter-submit'));
    await waitFor(() => expect(payments()).toHaveLength(1));
    fireEvent.submit(screen.getByTestId('counter-form')); // Enter in a field submits the form again
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    await waitFor(() => expect(onPaid).toHaveBeenCalledTimes(1));
    expect(payments()).toHaveLength(1);
  });
});
