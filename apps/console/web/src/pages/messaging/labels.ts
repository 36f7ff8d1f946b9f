// Messaging as shown (zh, en): message kinds, channels, statuses and their tag colours, announcement audiences.
import dayjs from 'dayjs';
import type { T } from '../../i18n';

export type Pair = readonly [zh: string, en: string];

export const KINDS = ['BILL_PUBLISHED', 'PAYMENT_DUE', 'PAYMENT_RECEIPT', 'REFUND_RECEIPT', 'INVOICE_ISSUED', 'TICKET_UPDATE'] as const;
export type Kind = (typeof KINDS)[number];
export const KIND: Record<Kind, Pair> = {
  BILL_PUBLISHED: ['账单出账通知', 'Bill published'],
  PAYMENT_DUE: ['缴费提醒', 'Payment due'],
  PAYMENT_RECEIPT: ['缴费成功通知', 'Payment receipt'],
  REFUND_RECEIPT: ['退款通知', 'Refund receipt'],
  INVOICE_ISSUED: ['电子发票开具通知', 'E-invoice issued'],
  TICKET_UPDATE: ['工单进度通知', 'Ticket update'],
};
export const CAMPAIGN_KINDS = ['BILL_PUBLISHED', 'PAYMENT_DUE'] as const;

export const CHANNELS = ['WECHAT', 'SMS', 'IN_APP'] as const;
export type ChannelKey = (typeof CHANNELS)[number];
export const CHANNEL: Record<ChannelKey, Pair> = { WECHAT: ['微信', 'WeChat'], SMS: ['短信', 'SMS'], IN_APP: ['仅站内', 'In-app only'] };
export const CHANNEL_COLOR: Record<ChannelKey, string> = { WECHAT: 'green', SMS: 'blue', IN_APP: 'default' };

export const MESSAGE_STATUSES = ['PENDING', 'SENDING', 'SENT', 'UNCERTAIN', 'FAILED', 'CANCELLED'] as const;
export type MessageStatusKey = (typeof MESSAGE_STATUSES)[number];
export const MESSAGE_STATUS: Record<MessageStatusKey, Pair> = {
  PENDING: ['待发送', 'Pending'],
  SENDING: ['发送中', 'Sending'],
  SENT: ['已发送', 'Sent'],
  UNCERTAIN: ['结果未知', 'Uncertain'],
  FAILED: ['发送失败', 'Failed'],
  CANCELLED: ['已取消', 'Cancelled'],
};
export const MESSAGE_STATUS_COLOR: Record<MessageStatusKey, string> = {
  PENDING: 'gold',
  SENDING: 'processing',
  SENT: 'green',
  UNCERTAIN: 'orange',
  FAILED: 'red',
  CANCELLED: 'default',
};
export const DELIVERY_STATUS: Record<string, Pair> = { SENT: ['成功', 'Sent'], FAILED: ['失败', 'Failed'], UNCERTAIN: ['结果未知', 'Uncertain'] };

export const ANNOUNCEMENT_STATUSES = ['DRAFT', 'SCHEDULED', 'PUBLISHED', 'EXPIRED', 'WITHDRAWN'] as const;
export type AnnouncementStatusKey = (typeof ANNOUNCEMENT_STATUSES)[number];
export const ANNOUNCEMENT_STATUS: Record<AnnouncementStatusKey, Pair> = {
  DRAFT: ['草稿', 'Draft'],
  SCHEDULED: ['定时待发布', 'Scheduled'],
  PUBLISHED: ['已发布', 'Published'],
  EXPIRED: ['已过期', 'Expired'],
  WITHDRAWN: ['已撤回', 'Withdrawn'],
};
export const ANNOUNCEMENT_STATUS_COLOR: Record<AnnouncementStatusKey, string> = {
  DRAFT: 'default',
  SCHEDULED: 'blue',
  PUBLISHED: 'green',
  EXPIRED: 'default',
  WITHDRAWN: 'orange',
};

export const AUDIENCES = ['ALL', 'COMMUNITIES', 'BUILDINGS', 'ARREARS'] as const;
export type AudienceKey = (typeof AUDIENCES)[number];
export const AUDIENCE: Record<AudienceKey, Pair> = {
  ALL: ['全部住户', 'Everyone'],
  COMMUNITIES: ['指定小区', 'Communities'],
  BUILDINGS: ['指定楼栋', 'Buildings'],
  ARREARS: ['欠费房屋', 'Houses in arrears'],
};

export const CAMPAIGN_STATUS: Record<string, Pair> = {
  QUEUED: ['排队中', 'Queued'],
  RUNNING: ['发送中', 'Running'],
  DONE: ['已完成', 'Done'],
  FAILED: ['失败', 'Failed'],
  CANCELLED: ['已取消', 'Cancelled'],
};
export const CAMPAIGN_STATUS_COLOR: Record<string, string> = { QUEUED: 'gold', RUNNING: 'processing', DONE: 'green', FAILED: 'red', CANCELLED: 'default' };

export function valueEnum<K extends string>(keys: readonly K[], labels: Record<K, Pair>, t: T) {
  return Object.fromEntries(keys.map((k) => [k, { text: t(labels[k][0], labels[k][1]) }]));
}

export function label(labels: Record<string, Pair>, key: string | null | undefined, t: T): string {
  const pair = key ? labels[key] : undefined;
  return pair ? t(pair[0], pair[1]) : (key ?? '—');
}

export const when = (value: string | null | undefined) => (value ? dayjs(value).format('YYYY-MM-DD HH:mm') : '—');

/** Our variables per kind (apps/messaging/outbox.py KIND_VARIABLES) plus the fixed `tip`, with what they hold. */
export const KIND_VARIABLES: Record<Kind, readonly string[]> = {
  BILL_PUBLISHED: ['house', 'account_no', 'season', 'amount', 'due_date'],
  PAYMENT_DUE: ['house', 'account_no', 'season', 'amount', 'due_date'],
  PAYMENT_RECEIPT: ['house', 'amount', 'paid_at', 'order_no', 'channel'],
  REFUND_RECEIPT: ['house', 'amount', 'refunded_at', 'order_no', 'reason'],
  INVOICE_ISSUED: ['house', 'amount', 'invoice_no', 'issued_at'],
  TICKET_UPDATE: ['ticket_no', 'ticket_title', 'status', 'updated_at', 'note'],
};
export const FIXED_VARIABLES = ['tip'] as const;
export const VARIABLE: Record<string, Pair> = {
  house: ['房屋', 'House'],
  account_no: ['户号', 'Account no.'],
  season: ['采暖季', 'Season'],
  amount: ['金额（元）', 'Amount (yuan)'],
  due_date: ['缴费截止日期', 'Due date'],
  paid_at: ['缴费时间', 'Paid at'],
  order_no: ['订单号', 'Order no.'],
  channel: ['缴费渠道', 'Channel'],
  refunded_at: ['退款时间', 'Refunded at'],
  reason: ['退款原因', 'Reason'],
  invoice_no: ['发票号码', 'Invoice no.'],
  issued_at: ['开票时间', 'Issued at'],
  ticket_no: ['工单编号', 'Ticket no.'],
  ticket_title: ['工单内容', 'Ticket'],
  status: ['工单状态', 'Status'],
  updated_at: ['更新时间', 'Updated at'],
  note: ['备注', 'Note'],
  tip: ['温馨提示（如已缴纳请忽略）', 'Tip ("ignore if paid")'],
};
export const SMS_APPROVAL: Record<string, Pair> = { PENDING: ['审核中', 'Pending'], APPROVED: ['已通过', 'Approved'], REJECTED: ['未通过', 'Rejected'] };
export const MINIPROGRAM_STATE: Record<string, Pair> = { FORMAL: ['正式版', 'Release'], TRIAL: ['体验版', 'Trial'], DEVELOPER: ['开发版', 'Developer'] };
