import { configure, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import dayjs from 'dayjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '../../auth/session';
import { fakeGraphQL } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import { InvoiceDrawer } from './InvoiceDrawer';

configure({ asyncUtilTimeout: 5000 });

const LINE = { goodsName: '*供热*采暖费', taxRate: '0', exclFen: 165000, taxFen: 0, inclFen: 165000, explanation: '免税（03）' };
const BLUE = {
  id: '41',
  kind: 'BLUE',
  status: 'ISSUED',
  orderId: '9',
  outTradeNo: 'W261207Q9QJTT98AP2ABQ',
  buyerKind: 'PERSONAL',
  buyerName: '赵六',
  buyerTaxNo: null,
  totalFen: 330000,
  exclFen: 330000,
  taxFen: 0,
  invoiceNumber: '26120000000000000002',
  issuedAt: '2026-12-07T10:00:00+08:00',
  failReason: null,
  pdfUrl: '/files/invoices/41.pdf',
  ofdUrl: '/files/invoices/41.ofd',
  createdAt: '2026-12-07T09:59:00+08:00',
  invoiceLine: 'pc',
  attempts: 1,
  nextAttemptAt: null,
  requestedBy: '住户',
  lines: [
    { index: 1, reversedFen: 40050, ...LINE },
    { index: 2, reversedFen: 0, ...LINE },
  ],
  reds: [
    {
      id: '42',
      invoiceNumber: '26120000000000000003',
      status: 'ISSUED',
      totalFen: -40050,
      issuedAt: '2026-12-07T11:00:00+08:00',
      pdfUrl: '/files/invoices/42.pdf',
      ofdUrl: null,
      failReason: null,
      lines: [{ index: 1, goodsName: '*供热*采暖费', inclFen: -40050 }],
    },
  ],
  redConfirmations: [
    { id: '7', status: 'ISSUED', reason: 'RETURN', full: false, totalFen: -40050, confirmationNo: 'HCR000007', failReason: null, createdAt: '2026-12-07T10:30:00+08:00' },
  ],
};

function open(invoice: Record<string, unknown>, manage: boolean) {
  fakeGraphQL((call) => (call.operation === 'InvoiceDetail' ? { data: { invoice } } : { data: {} }));
  const onRetry = vi.fn(async () => undefined);
  const onReverse = vi.fn();
  renderWithProviders(<InvoiceDrawer id={String(invoice.id)} onClose={vi.fn()} onRetry={manage ? onRetry : null} onReverse={manage ? onReverse : null} />);
  return { onRetry, onReverse };
}

describe('InvoiceDrawer', () => {
  beforeEach(() => {
    window.sessionStorage.clear();
    session.set('finance-token', 3600);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('an issued invoice partly reversed: lines with what was reversed, the red invoice’s lines, 红冲 for what is left', async () => {
    const { onReverse } = open(BLUE, true);
    expect((await screen.findByTestId('invoice-number')).textContent).toBe('26120000000000000002');
    expect(screen.getByTestId('invoice-line-reversed-1').textContent).toBe('¥400.50');
    expect(screen.getByTestId('invoice-line-reversed-2').textContent).toBe('—');
    expect(screen.getAllByText('免税（03）')).toHaveLength(2);
    expect(screen.getByTestId('invoice-red-lines-42').textContent).toBe('*供热*采暖费 -¥400.50');
    expect(screen.getByTestId('invoice-confirmation-status-7').textContent).toBe('已开红票');
    expect(screen.queryByTestId('invoice-retry')).toBeNull();
    await userEvent.setup({ delay: null }).click(screen.getByTestId('invoice-reverse'));
    expect(onReverse).toHaveBeenCalledWith(expect.objectContaining({ id: '41' }));
  });

  it('a failed invoice: its reason, when it is retried by itself, and retry for finance only', async () => {
    const failed = { ...BLUE, status: 'FAILED', invoiceNumber: null, issuedAt: null, pdfUrl: null, ofdUrl: null, reds: [], redConfirmations: [], failReason: '收费项目「采暖费·居民」未设置开票信息', nextAttemptAt: '2026-12-07T10:05:00+08:00' };
    const { onRetry } = open(failed, true);
    expect((await screen.findByTestId('invoice-fail-reason')).textContent).toBe('收费项目「采暖费·居民」未设置开票信息');
    expect(screen.getByText(`将于 ${dayjs(failed.nextAttemptAt).format('YYYY-MM-DD HH:mm:ss')} 自动重试`)).toBeTruthy(); // the browser's time zone
    expect(screen.queryByTestId('invoice-reverse')).toBeNull();
    expect(screen.queryByTestId('invoice-file-pdf')).toBeNull();
    await userEvent.setup({ delay: null }).click(screen.getByTestId('invoice-retry'));
    expect(onRetry).toHaveBeenCalledTimes(1);
  });

  it('a collector sees the same invoice without retry or 红冲', async () => {
    open({ ...BLUE, status: 'FAILED', failReason: '开票暂停：电子税务局登录已失效' }, false);
    await screen.findByTestId('invoice-fail-reason');
    expect(screen.queryByTestId('invoice-retry')).toBeNull();
    expect(screen.queryByTestId('invoice-reverse')).toBeNull();
  });
});
