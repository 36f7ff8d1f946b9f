// E-invoices as shown (zh, en): statuses with their tag colours, kinds, buyers, red-letter reasons and the
// states of a red confirmation; and how a line's tax rate reads.
import type {
  InvoiceKind,
  InvoiceStatus,
  InvoiceTitleKind,
  RedConfirmationStatus,
  RedReason,
} from '../../gql/tenant/graphql';

type Pair = readonly [zh: string, en: string];

export const INVOICE_STATUSES: readonly InvoiceStatus[] = ['REQUESTED', 'ISSUING', 'ISSUED', 'FAILED', 'RED_REQUESTED', 'REVERSED'];
export const INVOICE_STATUS: Record<InvoiceStatus, Pair> = {
  REQUESTED: ['待开票', 'Requested'],
  ISSUING: ['开票中', 'Issuing'],
  ISSUED: ['已开票', 'Issued'],
  FAILED: ['开票失败', 'Failed'],
  RED_REQUESTED: ['红冲中', 'Reversal under way'],
  REVERSED: ['已红冲', 'Reversed'],
};
export const INVOICE_STATUS_COLOR: Record<InvoiceStatus, string> = {
  REQUESTED: 'default',
  ISSUING: 'processing',
  ISSUED: 'green',
  FAILED: 'red',
  RED_REQUESTED: 'orange',
  REVERSED: 'volcano',
};

export const INVOICE_KINDS: readonly InvoiceKind[] = ['BLUE', 'RED'];
export const INVOICE_KIND: Record<InvoiceKind, Pair> = { BLUE: ['蓝字发票', 'Blue invoice'], RED: ['红字发票', 'Red invoice'] };
export const INVOICE_KIND_COLOR: Record<InvoiceKind, string> = { BLUE: 'blue', RED: 'red' };

export const BUYER_KIND: Record<InvoiceTitleKind, Pair> = { PERSONAL: ['个人', 'Person'], COMPANY: ['单位', 'Company'] };

/** The bureau's reason codes (stored as such; the adapter maps them to the provider's own). */
export const RED_REASONS: readonly RedReason[] = ['WRONG', 'RETURN', 'STOPPED', 'ALLOWANCE'];
export const RED_REASON: Record<RedReason, Pair> = {
  WRONG: ['01 开票有误', '01 Issued in error'],
  RETURN: ['02 销货退回', '02 Returned (refund)'],
  STOPPED: ['03 服务中止', '03 Service stopped'],
  ALLOWANCE: ['04 销售折让', '04 Allowance'],
};

export const RED_STATUS: Record<RedConfirmationStatus, Pair> = {
  REQUESTED: ['待提交', 'To submit'],
  PENDING: ['待确认', 'Awaiting confirmation'],
  CONFIRMED: ['已确认', 'Confirmed'],
  ISSUED: ['已开红票', 'Red invoice issued'],
  FAILED: ['失败', 'Failed'],
  REVOKED: ['已撤销', 'Revoked'],
};
export const RED_STATUS_COLOR: Record<RedConfirmationStatus, string> = {
  REQUESTED: 'default',
  PENDING: 'processing',
  CONFIRMED: 'blue',
  ISSUED: 'green',
  FAILED: 'red',
  REVOKED: 'default',
};

/** "0.09" / "0.0900" → "9%"; "0" → "0%" (a Decimal arrives as a string; no float arithmetic on it). */
export function formatTaxRate(rate: string | null | undefined): string {
  if (rate === null || rate === undefined || rate === '') return '—';
  const m = /^(\d+)(?:\.(\d+))?$/.exec(rate.trim());
  if (!m) return rate;
  const digits = (m[2] ?? '').padEnd(2, '0');
  const whole = String(Number(m[1]) * 100 + Number(digits.slice(0, 2)));
  const rest = digits.slice(2).replace(/0+$/, '');
  return `${whole}${rest ? '.' + rest : ''}%`;
}
