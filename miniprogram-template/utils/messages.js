'use strict';
/** Views for the messaging pages: announcements, articles, inbox messages, unread badges, a message's page. */
const { dateTime } = require('./format');
const { TABS } = require('./nav');

const KIND_TEXT = {
  BILL_PUBLISHED: '账单通知', PAYMENT_DUE: '缴费提醒', PAYMENT_RECEIPT: '缴费成功', REFUND_RECEIPT: '退款通知',
  INVOICE_ISSUED: '电子发票', TICKET_UPDATE: '工单进度',
};
const KIND_ICON = {
  BILL_PUBLISHED: '账', PAYMENT_DUE: '缴', PAYMENT_RECEIPT: '缴', REFUND_RECEIPT: '退', INVOICE_ISSUED: '票',
  TICKET_UPDATE: '修',
};

// Pages a message may open (app.json pages; a message's `page` is "pages/<name>/<name>?<query>").
const MESSAGE_PAGES = [
  'pages/bill-detail/bill-detail', 'pages/order/order', 'pages/invoice-detail/invoice-detail',
  'pages/ticket-detail/ticket-detail', 'pages/bills/bills', 'pages/payments/payments', 'pages/invoices/invoices',
  'pages/tickets/tickets', 'pages/announcement-detail/announcement-detail', 'pages/index/index', 'pages/mine/mine',
];

function upper(value) {
  return String(value || '').toUpperCase();
}

/** An unread count as a badge: '' for none, '99+' past 99. */
function badge(count) {
  const n = Number(count) || 0;
  if (n <= 0) return '';
  return n > 99 ? '99+' : String(n);
}

function announcementView(a) {
  return {
    id: String(a.id),
    title: a.title,
    summary: a.summary || '',
    pinned: Boolean(a.pinned),
    read: Boolean(a.read),
    publishedAt: dateTime(a.publishedAt),
  };
}

/** Pinned first, otherwise in the server's order (newest first). */
function pinnedFirst(items) {
  return items.filter((a) => a.pinned).concat(items.filter((a) => !a.pinned));
}

function messageView(m) {
  const kind = upper(m.kind);
  return {
    id: String(m.id),
    kind,
    kindText: KIND_TEXT[kind] || '通知',
    icon: KIND_ICON[kind] || '信',
    title: m.title,
    body: m.body,
    read: Boolean(m.read),
    createdAt: dateTime(m.createdAt),
    hasPage: Boolean(target(m.page)),
  };
}

/**
 * Where a message's `page` leads: {url, tab} or null for none / a page this app does not have. Tab pages are
 * opened with switchTab (which drops the query).
 */
function target(page) {
  const text = String(page || '').trim().replace(/^\/+/, '');
  if (!text) return null;
  const [path, query] = text.split('?');
  if (MESSAGE_PAGES.indexOf(path) < 0) return null;
  const url = `/${path}`;
  if (TABS.indexOf(url) >= 0) return { url, tab: true };
  return { url: query ? `${url}?${query}` : url, tab: false };
}

function articleView(a) {
  const category = a.category || {};
  return { id: String(a.id), title: a.title, summary: a.summary || '', categoryName: category.name || '' };
}

module.exports = { KIND_TEXT, MESSAGE_PAGES, badge, announcementView, pinnedFirst, messageView, target, articleView };
