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
 * (wx.downloadFile) and shows it (wx.openDocument) through services/files.js.
 */
const { unwrap } = require('../utils/api');
const client = require('./client');
const files = require('./files');

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

const RECEIPT_TEXTS = { unavailable: '收据暂不可用', openFailed: '无法打开收据，请稍后再试' };

/**
 * Download a receipt (`receiptUrl` of an order) with the resident's token ->
 * the local temp file path (services/files.js: logs in first without a token,
 * again once on 401; only the company's host ever sees the token).
 */
function downloadReceipt(receiptUrl) {
  return files.downloadWithToken(receiptUrl, RECEIPT_TEXTS);
}

/** Download the receipt and open it in WeChat's document viewer (share/save from its menu). */
function openReceipt(receiptUrl) {
  return files.openPdf(receiptUrl, RECEIPT_TEXTS);
}

module.exports = { createPayment, order, myPayments, downloadReceipt, openReceipt };
