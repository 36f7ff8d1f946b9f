// Statement runs and their differences as shown (zh, en) with their tag colours.
import type {
  MerchantChannel,
  StatementDifferenceKind,
  StatementDifferenceResolution,
  StatementDifferenceStatus,
  StatementKind,
  StatementRunStatus,
  StatementSubject,
} from '../../gql/tenant/graphql';
import type { T } from '../../i18n';

type Pair = readonly [zh: string, en: string];

export const MERCHANT_CHANNELS: readonly MerchantChannel[] = ['WECHAT', 'ALIPAY'];
export const MERCHANT_CHANNEL: Record<MerchantChannel, Pair> = { WECHAT: ['微信支付', 'WeChat Pay'], ALIPAY: ['支付宝', 'Alipay'] };
export const MERCHANT_CHANNEL_COLOR: Record<MerchantChannel, string> = { WECHAT: 'green', ALIPAY: 'blue' };

export const STATEMENT_KINDS: readonly StatementKind[] = ['TRADE', 'FUNDFLOW'];
export const STATEMENT_KIND: Record<StatementKind, Pair> = { TRADE: ['交易账单', 'Trade bill'], FUNDFLOW: ['资金账单', 'Fund-flow bill'] };

export const RUN_STATUSES: readonly StatementRunStatus[] = ['PENDING', 'FETCHED', 'PARSED', 'MATCHED', 'CLOSED', 'FAILED'];
export const RUN_STATUS: Record<StatementRunStatus, Pair> = {
  PENDING: ['待获取', 'Pending'],
  FETCHED: ['已下载', 'Fetched'],
  PARSED: ['已解析', 'Parsed'],
  MATCHED: ['已比对', 'Matched'],
  CLOSED: ['已关闭', 'Closed'],
  FAILED: ['失败', 'Failed'],
};
export const RUN_STATUS_COLOR: Record<StatementRunStatus, string> = {
  PENDING: 'default',
  FETCHED: 'processing',
  PARSED: 'processing',
  MATCHED: 'orange',
  CLOSED: 'green',
  FAILED: 'red',
};

export const DIFF_KINDS: readonly StatementDifferenceKind[] = [
  'CHANNEL_ONLY',
  'LOCAL_ONLY',
  'AMOUNT_MISMATCH',
  'STATUS_MISMATCH',
  'FEE_MISMATCH',
  'CROSS_DAY',
];
export const DIFF_KIND: Record<StatementDifferenceKind, Pair> = {
  CHANNEL_ONLY: ['长款', 'Channel only'],
  LOCAL_ONLY: ['短款', 'Local only'],
  AMOUNT_MISMATCH: ['金额不符', 'Amount differs'],
  STATUS_MISMATCH: ['状态不符', 'Status differs'],
  FEE_MISMATCH: ['手续费不符', 'Fee differs'],
  CROSS_DAY: ['跨日', 'Cross-day'],
};
/** What each class means, for a tooltip. */
export const DIFF_KIND_HINT: Record<StatementDifferenceKind, Pair> = {
  CHANNEL_ONLY: ['渠道账单有、本地账无', 'On the bill, not in the ledger'],
  LOCAL_ONLY: ['本地账有、渠道账单无', 'In the ledger, not on the bill'],
  AMOUNT_MISMATCH: ['两边金额不同', 'The amounts differ'],
  STATUS_MISMATCH: ['两边状态不同', 'The statuses differ'],
  FEE_MISMATCH: ['手续费与费率不符', 'The fee is not amount × rate'],
  CROSS_DAY: ['零点前后支付，记在相邻日的账单', 'Paid near midnight, on the adjacent day’s bill'],
};
export const DIFF_KIND_COLOR: Record<StatementDifferenceKind, string> = {
  CHANNEL_ONLY: 'volcano',
  LOCAL_ONLY: 'magenta',
  AMOUNT_MISMATCH: 'red',
  STATUS_MISMATCH: 'orange',
  FEE_MISMATCH: 'gold',
  CROSS_DAY: 'cyan',
};

export const DIFF_STATUSES: readonly StatementDifferenceStatus[] = ['OPEN', 'RESOLVED', 'CARRIED', 'CLEARED'];
export const DIFF_STATUS: Record<StatementDifferenceStatus, Pair> = {
  OPEN: ['待处理', 'Open'],
  RESOLVED: ['已处理', 'Resolved'],
  CARRIED: ['已结转', 'Carried'],
  CLEARED: ['已自动核平', 'Cleared'],
};
export const DIFF_STATUS_COLOR: Record<StatementDifferenceStatus, string> = { OPEN: 'red', RESOLVED: 'green', CARRIED: 'blue', CLEARED: 'default' };

export const RESOLUTION: Record<StatementDifferenceResolution, Pair> = {
  SETTLED: ['已按渠道入账', 'Settled from the channel'],
  REVERTED: ['已撤销本地入账', 'Local payment reverted'],
  ACCEPT_CHANNEL: ['以渠道为准', 'The channel is right'],
  ACCEPT_LOCAL: ['以本地为准', 'The ledger is right'],
  ADJUSTED: ['已调账', 'Adjusted'],
  OTHER: ['其他', 'Other'],
};

export const SUBJECT: Record<StatementSubject, Pair> = { PAYMENT: ['支付', 'Payment'], REFUND: ['退款', 'Refund'] };

// A difference's channelStatus / localStatus are the raw lower-case states of each side (not GraphQL enums):
// the bill row's (apps.reconciliation.formats), the local order's or refund's (apps.payments).
const BILL_STATE: Record<string, Pair> = {
  success: ['成功', 'Success'],
  revoked: ['已撤销', 'Revoked'],
  processing: ['处理中', 'Processing'],
  closed: ['已关闭', 'Closed'],
  abnormal: ['异常', 'Abnormal'],
};
const ORDER_STATE: Record<string, Pair> = {
  paid: ['已支付', 'Paid'],
  created: ['待支付', 'Unpaid'],
  closed: ['已关闭', 'Closed'],
  failed: ['支付失败', 'Failed'],
};
const REFUND_STATE: Record<string, Pair> = {
  success: ['已退款', 'Refunded'],
  processing: ['退款中', 'Refunding'],
  closed: ['退款关闭', 'Refund closed'],
  abnormal: ['退款异常', 'Refund abnormal'],
};

/** One side's state as shown; a value we do not know is shown as it is (empty stays empty). */
export function sideStatus(subject: StatementSubject, side: 'channel' | 'local', value: string | null, t: T): string {
  if (!value) return '';
  const states = side === 'channel' ? BILL_STATE : subject === 'REFUND' ? REFUND_STATE : ORDER_STATE;
  return Object.hasOwn(states, value) ? t(...states[value]) : value;
}

// What the matcher did on its own, written as "<prefix>: <text>" (apps.reconciliation.matching).
export type AutoActionKind = 'settled' | 'reverted' | 'queried' | 'error';
export const AUTO_ACTION: Record<AutoActionKind, Pair> = {
  settled: ['已自动入账', 'Settled automatically'],
  reverted: ['已自动撤销', 'Reverted automatically'],
  queried: ['已查询渠道', 'Channel queried'],
  error: ['自动处理失败', 'Automatic handling failed'],
};
export const AUTO_ACTION_COLOR: Record<AutoActionKind, string> = { settled: 'green', reverted: 'orange', queried: 'blue', error: 'red' };

/** "settled: 渠道查询已支付…" → the prefix and the text after it; no known prefix: kind null, the text as it is. */
export function splitAutoAction(value: string): { kind: AutoActionKind | null; text: string } {
  const m = /^(settled|reverted|queried|error):\s*/.exec(value);
  return m ? { kind: m[1] as AutoActionKind, text: value.slice(m[0].length) } : { kind: null, text: value };
}
