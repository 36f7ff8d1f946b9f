// Orders and refunds as shown (zh, en), what may still be refunded on an order, and the export of a list.
import type {
  CounterMethod,
  OrderRefundStatus,
  OrderStatus,
  PaymentChannel,
  PaymentExportFilter,
  PaymentOrderFilter,
  RefundStatus,
} from '../../gql/tenant/graphql';

type Pair = readonly [zh: string, en: string];

export const ORDER_STATUSES: readonly OrderStatus[] = ['CREATED', 'PAID', 'CLOSED', 'FAILED'];
export const ORDER_STATUS: Record<OrderStatus, Pair> = {
  CREATED: ['待支付', 'Awaiting payment'],
  PAID: ['已支付', 'Paid'],
  CLOSED: ['已关闭', 'Closed'],
  FAILED: ['支付失败', 'Failed'],
};
export const ORDER_STATUS_COLOR: Record<OrderStatus, string> = { CREATED: 'blue', PAID: 'green', CLOSED: 'default', FAILED: 'red' };

export const CHANNELS: readonly PaymentChannel[] = ['WECHAT', 'ALIPAY', 'COUNTER'];
export const CHANNEL: Record<PaymentChannel, Pair> = {
  WECHAT: ['微信支付', 'WeChat Pay'],
  ALIPAY: ['支付宝', 'Alipay'],
  COUNTER: ['柜台', 'Counter'],
};
export const CHANNEL_COLOR: Record<PaymentChannel, string> = { WECHAT: 'green', ALIPAY: 'blue', COUNTER: 'purple' };
export const COUNTER_METHOD: Record<CounterMethod, Pair> = { CASH: ['现金', 'cash'], POS: ['POS', 'POS'], TRANSFER: ['转账', 'transfer'] };

export const REFUND_STATUS: Record<RefundStatus, Pair> = {
  PROCESSING: ['退款中', 'Processing'],
  SUCCESS: ['已退款', 'Refunded'],
  CLOSED: ['退款关闭', 'Closed'],
  ABNORMAL: ['退款异常', 'Abnormal'],
};
export const REFUND_STATUS_COLOR: Record<RefundStatus, string> = { PROCESSING: 'blue', SUCCESS: 'green', CLOSED: 'default', ABNORMAL: 'red' };

export const ORDER_REFUND_STATUS: Record<OrderRefundStatus, Pair> = {
  NONE: ['无退款', 'None'],
  PARTIAL: ['部分退款', 'Partly refunded'],
  FULL: ['全额退款', 'Fully refunded'],
};

/** Refunds not finished yet hold their amount (the API counts PROCESSING and ABNORMAL as pending). */
export const PENDING_REFUND: readonly RefundStatus[] = ['PROCESSING', 'ABNORMAL'];

interface Refundable {
  status: OrderStatus;
  amountFen: number;
  refundedFen: number;
  refunds: readonly { status: RefundStatus; amountFen: number }[];
}

/** What a refund may still give back (fen): a paid order's amount less what was refunded and what is pending. */
export function refundableFen(order: Refundable): number {
  if (order.status !== 'PAID') return 0;
  const pending = order.refunds.filter((r) => PENDING_REFUND.includes(r.status)).reduce((sum, r) => sum + r.amountFen, 0);
  return Math.max(0, order.amountFen - order.refundedFen - pending);
}

/**
 * The payments export for what the list shows: same status (the export's default is paid), WeChat or Alipay,
 * the same days (the export counts payment days; a paid order is paid within 30 minutes of its creation).
 * null when the list is filtered to the counter: the export tells counter money apart by method only.
 */
export function exportFilter(filter: PaymentOrderFilter): PaymentExportFilter | null {
  if (filter.channel === 'COUNTER') return null;
  return { status: filter.status ?? null, channel: filter.channel ?? null, dateFrom: filter.dateFrom ?? null, dateTo: filter.dateTo ?? null };
}
