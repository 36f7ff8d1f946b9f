'use strict';
/**
 * Payments API. Channel-neutral: the channel (WECHAT | ALIPAY) is a parameter
 * and the pay parameters come back as the server sends them; invoking the
 * wallet is the pay flow's job (utils/pay-flow.js). The server computes the
 * amount from the bills.
 *
 * Receipts: a counter (柜台) payment has a `receiptUrl`, a path on the
 * company's API host (`/payments/receipts/<outTradeNo>.pdf`) that answers the
 * PDF to the resident's Bearer token. openReceipt downloads it
 * (wx.downloadFile) and shows it (wx.openDocument); these are the only
 * file-related wx calls of the template.
 */
const { ApiError, KINDS, unwrap, networkError } = require('../utils/api');
const config = require('../utils/config');
const session = require('../utils/session');
const wxp = require('../utils/wxp');
const auth = require('./auth');
const client = require('./client');

const CREATE_PAYMENT = `mutation CreatePayment($billIds: [ID!]!, $channel: PaymentChannel!) {
  createPayment(billIds: $billIds, channel: $channel) {
    order { id outTradeNo status amountFen expiresAt }
    payParams { channel timeStamp nonceStr package signType paySign tradeNO }
    errors { field message code }
  }
}`;
const ORDER = `query Order($outTradeNo: String!) {
  order(outTradeNo: $outTradeNo) {
    id outTradeNo channel status amountFen paidAt refundedFen receiptUrl
    items { amountFen bill { id season house { accountNo } } }
  }
}`;
const MY_PAYMENTS = `query MyPayments($first: Int, $offset: Int) {
  myPayments(first: $first, offset: $offset) {
    totalCount
    items {
      outTradeNo channel status amountFen paidAt createdAt refundedFen
      items { amountFen bill { season house { accountNo } } }
    }
  }
}`;

/** -> {order, payParams}; business refusals throw ApiError kind PAYLOAD. */
async function createPayment(billIds, channel) {
  const ids = billIds.map(String);
  const payload = unwrap(await client.mutate(CREATE_PAYMENT, { billIds: ids, channel }), 'createPayment');
  return { order: payload.order, payParams: payload.payParams };
}

async function order(outTradeNo) {
  const data = await client.query(ORDER, { outTradeNo });
  return data.order;
}

async function myPayments(first, offset) {
  const data = await client.query(MY_PAYMENTS, { first, offset });
  return data.myPayments || { totalCount: 0, items: [] };
}

const RECEIPT_UNAVAILABLE = '收据暂不可用';
const RECEIPT_OPEN_FAILED = '无法打开收据，请稍后再试';
const DOWNLOAD_TIMEOUT_MS = 30000;

/** One wx.downloadFile; a failure without an HTTP answer becomes a NETWORK ApiError. */
async function download(url, token) {
  const header = token ? { Authorization: `Bearer ${token}` } : {};
  try {
    return await wxp.call('downloadFile', { url, header, timeout: DOWNLOAD_TIMEOUT_MS });
  } catch (failure) {
    throw networkError(failure);
  }
}

/**
 * Download a receipt (`receiptUrl` of an order) with the resident's token ->
 * the local temp file path. Like the API client: logs in first without a
 * token, and again once on 401. Throws ApiError: NETWORK (no answer),
 * UNAUTHENTICATED (401 after logging in again), HTTP (404 — not this
 * resident's — or any other non-200 answer), CONFIG (no API address).
 */
async function downloadReceipt(receiptUrl) {
  const cfg = config.get();
  if (!cfg.configured) throw new ApiError(KINDS.CONFIG, '', { code: 'NOT_CONFIGURED' });
  // Only a path on the company's own host: the token must never go anywhere else.
  if (typeof receiptUrl !== 'string' || !/^\/(?![/\\])/.test(receiptUrl)) {
    throw new ApiError(KINDS.HTTP, RECEIPT_UNAVAILABLE, { code: 'BAD_RECEIPT_URL' });
  }
  const url = cfg.apiBaseUrl + receiptUrl;
  let token = session.getToken();
  let reloggedIn = false;
  if (!token) {
    await auth.login();
    reloggedIn = true;
    token = session.getToken();
  }
  let res = await download(url, token);
  if (res.statusCode === 401 && !reloggedIn) {
    await auth.login();
    res = await download(url, session.getToken());
  }
  if (res.statusCode === 401) throw new ApiError(KINDS.UNAUTHENTICATED, '', { code: 'UNAUTHENTICATED', status: 401 });
  if (res.statusCode !== 200 || !res.tempFilePath) {
    throw new ApiError(KINDS.HTTP, RECEIPT_UNAVAILABLE, { code: `HTTP_${res.statusCode}`, status: res.statusCode });
  }
  return res.tempFilePath;
}

/** Download the receipt and open it in WeChat's document viewer (share/save from its menu). */
async function openReceipt(receiptUrl) {
  const filePath = await downloadReceipt(receiptUrl);
  try {
    await wxp.call('openDocument', { filePath, fileType: 'pdf', showMenu: true });
  } catch (failure) {
    throw new ApiError(KINDS.DOCUMENT, RECEIPT_OPEN_FAILED, { code: 'OPEN_FAILED' });
  }
}

module.exports = { createPayment, order, myPayments, downloadReceipt, openReceipt };
