import { configure, fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '../../auth/session';
import { fakeGraphQL, type Handler } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import { RedDialog, type RedTarget } from './RedDialog';

configure({ asyncUtilTimeout: 5000 });

const INVOICE: RedTarget = {
  id: '41',
  invoiceNumber: '26112000000000012345',
  totalFen: 330000,
  lines: [
    { index: 1, goodsName: '*供热*采暖费', taxRate: '0', inclFen: 214800, reversedFen: 0 },
    { index: 2, goodsName: '*供热*采暖费', taxRate: '0.09', inclFen: 115200, reversedFen: 0 },
  ],
};

const errorOf = (testId: string) =>
  screen.getByTestId(testId).closest('.ant-form-item')?.querySelector('.ant-form-item-explain-error')?.textContent ?? null;

function open(answer: Handler, invoice: RedTarget = INVOICE) {
  const calls = fakeGraphQL((call) => (call.operation === 'InvoicesReverse' ? answer(call) : { data: {} }));
  const onDone = vi.fn();
  renderWithProviders(<RedDialog invoice={invoice} onClose={vi.fn()} onDone={onDone} />);
  return { onDone, sent: () => calls.filter((c) => c.operation === 'InvoicesReverse').map((c) => c.variables) };
}

async function chooseReason(label: string) {
  const user = userEvent.setup({ delay: null });
  await user.click(screen.getByTestId('red-reason').closest('.ant-select')?.querySelector('.ant-select-selector') as HTMLElement);
  await user.click(await screen.findByTitle(label));
}

const OK = { data: { reverseInvoice: { invoice: { id: '41', status: 'ISSUED' }, errors: [] } } };

describe('RedDialog', () => {
  beforeEach(() => {
    window.sessionStorage.clear();
    session.set('finance-token', 3600);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('needs a reason and a note before sending anything', async () => {
    const { sent } = open(() => OK);
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByTestId('red-submit'));
    await waitFor(() => expect(errorOf('red-note')).toBe('请填写红冲说明'));
    expect(errorOf('red-reason')).toBe('请选择红冲原因');
    fireEvent.change(screen.getByTestId('red-note'), { target: { value: '   ' } });
    await waitFor(() => expect(errorOf('red-note')).toBe('请填写红冲说明'));
    fireEvent.change(screen.getByTestId('red-note'), { target: { value: '错' } });
    await waitFor(() => expect(errorOf('red-note')).toBe('至少 2 个字'));
    await user.click(screen.getByTestId('red-submit'));
    expect(sent()).toHaveLength(0);
  });

  it('offers the four bureau reasons and sends a full reversal without lines', async () => {
    const { sent, onDone } = open(() => OK);
    await screen.findByTestId('red-submit');
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByTestId('red-reason').closest('.ant-select')?.querySelector('.ant-select-selector') as HTMLElement);
    const offered = [...document.querySelectorAll('.ant-select-item-option')].map((o) => o.textContent);
    expect(offered).toEqual(['01 开票有误', '02 销货退回', '03 服务中止', '04 销售折让']);
    await user.click(screen.getByTitle('03 服务中止'));
    fireEvent.change(screen.getByTestId('red-note'), { target: { value: ' 停供退费 ' } });
    await user.click(screen.getByTestId('red-submit'));
    await waitFor(() => expect(onDone).toHaveBeenCalledWith({ id: '41', status: 'ISSUED' }));
    expect(sent()).toEqual([{ id: '41', reason: 'STOPPED', note: '停供退费', lines: null }]);
  });

  it('chosen lines: each amount is capped at what the line has left, and sent in fen', async () => {
    const partly: RedTarget = { ...INVOICE, lines: [INVOICE.lines[0], { ...INVOICE.lines[1], reversedFen: 15200 }] };
    const { sent, onDone } = open(() => OK, partly);
    const user = userEvent.setup({ delay: null });
    await screen.findByTestId('red-submit');
    // Partly reversed already: only lines; the whole-invoice choice is off.
    const full = screen.getByTestId('red-scope-full');
    expect(((full.tagName === 'INPUT' ? full : full.querySelector('input')) as HTMLInputElement).disabled).toBe(true);
    expect(screen.getByTestId('red-left-2').textContent).toBe('¥1,000.00');
    await chooseReason('02 销货退回');
    fireEvent.change(screen.getByTestId('red-note'), { target: { value: '部分退费' } });
    // No line chosen: refused above the form.
    await user.click(screen.getByTestId('red-submit'));
    expect((await screen.findByTestId('red-error')).textContent).toBe('请至少选择一行');
    await user.click(screen.getByTestId('red-line-2'));
    fireEvent.change(screen.getByTestId('red-amount-2'), { target: { value: '1000.01' } });
    await user.click(screen.getByTestId('red-submit'));
    await waitFor(() => expect(errorOf('red-amount-2')).toBe('超过该行可红冲金额'));
    fireEvent.change(screen.getByTestId('red-amount-2'), { target: { value: '0' } });
    await waitFor(() => expect(errorOf('red-amount-2')).toBe('金额须大于 0'));
    expect(sent()).toHaveLength(0);
    fireEvent.change(screen.getByTestId('red-amount-2'), { target: { value: '400.50' } });
    await user.click(screen.getByTestId('red-submit'));
    await waitFor(() => expect(onDone).toHaveBeenCalled());
    expect(sent()).toEqual([{ id: '41', reason: 'RETURN', note: '部分退费', lines: [{ index: 2, amountFen: 40050 }] }]);
  });

  it('the API’s refusal shows: on the note, or above the form', async () => {
    let answer: 'note' | 'general' = 'note';
    const { onDone } = open(() =>
      answer === 'note'
        ? { data: { reverseInvoice: { invoice: null, errors: [{ field: 'note', message: '说明至少 2 个字。', code: 'INVALID' }] } } }
        : { data: { reverseInvoice: { invoice: null, errors: [{ field: 'lines', message: '红冲金额超过该行剩余金额。', code: 'RED_EXCEEDS' }] } } },
    );
    const user = userEvent.setup({ delay: null });
    await screen.findByTestId('red-submit');
    await chooseReason('01 开票有误');
    fireEvent.change(screen.getByTestId('red-note'), { target: { value: '开错了' } });
    await user.click(screen.getByTestId('red-submit'));
    await waitFor(() => expect(errorOf('red-note')).toBe('说明至少 2 个字。'));
    answer = 'general';
    fireEvent.change(screen.getByTestId('red-note'), { target: { value: '开错了抬头' } });
    await user.click(screen.getByTestId('red-submit'));
    expect((await screen.findByTestId('red-error')).textContent).toBe('红冲金额超过该行剩余金额。');
    expect(onDone).not.toHaveBeenCalled();
  });
});
