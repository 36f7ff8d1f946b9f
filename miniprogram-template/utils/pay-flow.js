'use strict';
/**
 * Paying bills: createPayment → the channel's wallet (wx.requestPayment for
 * WECHAT) → poll `order` until the server has the payment notification.
 *
 * Outcomes (`state`):
 *   PAID       the server says PAID
 *   CANCELLED  the resident closed WeChat's pay sheet ("requestPayment:fail cancel")
 *   FAILED     the wallet failed, or the order ended CLOSED / FAILED
 *   PENDING    paid in WeChat but not confirmed in time ("支付结果确认中"): check again later
 *
 * The wallet's "ok" only means WeChat took the money; the order becomes PAID
 * when the server has the notify, so we poll (1 s, then backing off, ~30 s).
 */
const { isApiError, KINDS } = require('./api');
const config = require('./config');
const { yuan } = require('./money');
const wxp = require('./wxp');
const payments = require('../services/payments');

const STATES = Object.freeze({ PAID: 'PAID', CANCELLED: 'CANCELLED', FAILED: 'FAILED', PENDING: 'PENDING' });

const POLL = Object.freeze({
  firstDelayMs: 0,
  intervalMs: 1000,
  growAfter: 3, // polls at the base interval before backing off
  factor: 1.5,
  maxIntervalMs: 4000,
  timeoutMs: 30000,
});

function wechatPay(payParams) {
  return new Promise((resolve) => {
    wx.requestPayment({
      timeStamp: payParams.timeStamp,
      nonceStr: payParams.nonceStr,
      package: payParams.package,
      signType: payParams.signType,
      paySign: payParams.paySign,
      success: () => resolve({ result: 'ok' }),
      fail: (err) => {
        const errMsg = String((err && err.errMsg) || '');
        resolve(/cancel/i.test(errMsg) ? { result: 'cancel', errMsg } : { result: 'fail', errMsg });
      },
    });
  });
}

/**
 * Development only (ext config `sandboxPayUrl`: the platform's /sandbox/wechatpay/confirm URL):
 * WeChat DevTools cannot pay the sandbox's prepay ids, so ask in a modal and tell
 * the sandbox gateway the outcome, as a resident would in WeChat's pay sheet.
 */
async function sandboxWechatPay(payParams, order) {
  const amount = order && Number.isInteger(order.amountFen) ? yuan(order.amountFen) : '';
  const ok = await wxp.confirm('沙箱支付', `模拟微信支付 ${amount}，不会真实扣款。`, '支付');
  if (!ok) return { result: 'cancel', errMsg: 'requestPayment:fail cancel' };
  const prepayId = String(payParams.package || '').replace(/^prepay_id=/, '');
  try {
    const res = await wxp.call('request', {
      url: config.get().sandboxPayUrl,
      method: 'POST',
      header: { 'content-type': 'application/json' },
      data: { prepay_id: prepayId, result: 'pay' },
    });
    if (res.statusCode >= 200 && res.statusCode < 300) return { result: 'ok' };
    return { result: 'fail', errMsg: `requestPayment:fail sandbox ${res.statusCode}` };
  } catch (e) {
    return { result: 'fail', errMsg: 'requestPayment:fail sandbox unreachable' };
  }
}

// The wallet for each channel this build can open. An Alipay mini-program build
// would register `ALIPAY` here (my.tradePay with payParams.tradeNO).
const WALLETS = { WECHAT: wechatPay };

function walletFor(channel) {
  if (channel === 'WECHAT' && config.get().sandboxPayUrl) return sandboxWechatPay;
  return WALLETS[channel] || null;
}

function settledState(order) {
  if (!order) return null;
  if (order.status === 'PAID') return STATES.PAID;
  if (order.status === 'CLOSED' || order.status === 'FAILED') return STATES.FAILED;
  return null;
}

function delays(options) {
  const o = Object.assign({}, POLL, options);
  let n = 0;
  let current = o.intervalMs;
  return () => {
    n += 1;
    if (n > o.growAfter) current = Math.min(Math.round(current * o.factor), o.maxIntervalMs);
    return current;
  };
}

/**
 * Poll `order(outTradeNo)` until PAID / CLOSED / FAILED or the timeout.
 * Network errors are retried by the next poll; other errors end polling as PENDING.
 * options: {sleep, now, isCancelled, ...POLL}
 */
async function pollOrder(outTradeNo, options) {
  const o = Object.assign({}, POLL, options);
  const sleep = o.sleep || ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  const now = o.now || (() => Date.now());
  const isCancelled = o.isCancelled || (() => false);
  const nextDelay = delays(o);
  const started = now();
  let last = null;
  if (o.firstDelayMs) await sleep(o.firstDelayMs);
  for (;;) {
    if (isCancelled()) return { state: STATES.PENDING, order: last };
    try {
      last = (await payments.order(outTradeNo)) || last;
      const state = settledState(last);
      if (state) return { state, order: last };
    } catch (err) {
      if (!isApiError(err) || err.kind !== KINDS.NETWORK) return { state: STATES.PENDING, order: last, error: err };
    }
    const wait = nextDelay();
    if (now() - started + wait > o.timeoutMs) return { state: STATES.PENDING, order: last };
    await sleep(wait);
  }
}

/**
 * Pay bills through one channel. Resolves {state, order, errMsg?}; rejects with
 * ApiError when createPayment is refused (PAYLOAD) or cannot be sent.
 * hooks.onStage(stage) is told 'creating' | 'paying' | 'confirming'. hooks.beforeWallet(), when given, is
 * awaited before the wallet opens (the subscription-message sheet asked from the pay tap must close first).
 */
async function payBills(billIds, channel, hooks) {
  const h = hooks || {};
  const stage = (name) => { if (h.onStage) h.onStage(name); };
  const wallet = walletFor(channel);
  if (!wallet) {
    return { state: STATES.FAILED, order: null, errMsg: '当前版本暂不支持该支付方式' };
  }
  stage('creating');
  const created = await payments.createPayment(billIds, channel);
  stage('paying');
  if (h.beforeWallet) await h.beforeWallet();
  const outcome = await wallet(created.payParams, created.order);
  if (outcome.result === 'cancel') return { state: STATES.CANCELLED, order: created.order };
  if (outcome.result === 'fail') {
    // A wallet failure can race a payment that did go through: ask once.
    const check = await pollOrder(created.order.outTradeNo, Object.assign({}, h.poll, { timeoutMs: 0 }));
    if (check.state === STATES.PAID) return check;
    return { state: STATES.FAILED, order: check.order || created.order, errMsg: outcome.errMsg };
  }
  stage('confirming');
  const polled = await pollOrder(created.order.outTradeNo, h.poll);
  return Object.assign({}, polled, { order: polled.order || created.order });
}

module.exports = { STATES, POLL, payBills, pollOrder, walletFor, settledState };
