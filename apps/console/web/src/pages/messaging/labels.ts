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

// Why a message went in-app only, is held, failed or was withdrawn: the note codes the outbox, the channels, the
// campaigns and the payment hook write (apps/messaging/{outbox,channels,campaigns,hooks}.py). A note may join
// several codes with ";" (the WeChat reason, then the SMS one); a provider error is "wechat:<errcode>" or
// "sms:<code>". An unknown code is shown as it is.
export const NOTE: Record<string, Pair> = {
  paid: ['账单已缴清，提醒已撤回', 'Bill paid: reminder withdrawn'],
  campaign_cancelled: ['通知活动已取消', 'Campaign cancelled'],
  quiet_hours: ['免打扰时段，已顺延', 'Held for quiet hours'],
  capped: ['已达当日推送上限', 'Daily cap reached'],
  phone_capped: ['该手机号已达当日短信上限', 'Phone’s daily SMS cap reached'],
  wechat_retry: ['微信繁忙，稍后重试', 'WeChat busy, retrying'],
  wechat_uncertain: ['微信发送结果未知，不再重发', 'WeChat outcome unknown, not resent'],
  sms_uncertain: ['短信发送结果未知，不再重发', 'SMS outcome unknown, not resent'],
  stale_claim: ['发送中断，结果未知，不再重发', 'Sending interrupted, outcome unknown, not resent'],
  stale_claim_released: ['发送中断，已重新排队', 'Sending interrupted, queued again'],
  template_inactive: ['该类消息已停用', 'Kind switched off'],
  resident_inactive: ['住户已停用或注销', 'Resident inactive or erased'],
  no_wechat_template: ['未配置微信模板', 'No WeChat template'],
  no_openid: ['住户没有微信身份', 'Resident has no WeChat identity'],
  no_miniprogram: ['未配置小程序', 'No mini-program'],
  no_grant: ['未授权微信订阅', 'No WeChat grant'],
  sms_disabled: ['短信未启用', 'SMS disabled'],
  no_sms_template: ['短信模板未审核通过', 'No approved SMS template'],
  no_phone: ['住户未绑定手机号', 'No phone'],
  no_sms_consent: ['未开通短信通知', 'No SMS opt-in'],
  'wechat:43101': ['住户已拒收微信订阅消息', 'Resident refused WeChat messages'],
};

function noteCode(code: string, t: T): string {
  const known = NOTE[code];
  if (known) return t(known[0], known[1]);
  const provider = /^(wechat|sms):(.+)$/.exec(code);
  if (provider) return provider[1] === 'wechat' ? t(`微信推送失败（${provider[2]}）`, `WeChat push failed (${provider[2]})`) : t(`短信发送失败（${provider[2]}）`, `SMS failed (${provider[2]})`);
  return code;
}

/** "no_grant;no_sms_consent" → "未授权微信订阅；未开通短信通知" (English: "No WeChat grant; No SMS opt-in"). */
export function noteText(note: string, t: T): string {
  const parts = note.split(';').map((c) => c.trim()).filter(Boolean);
  return parts.map((c) => noteCode(c, t)).join(t('；', '; '));
}
