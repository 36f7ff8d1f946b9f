'use strict';
const { installFakeWx } = require('../support/fake-wx');
const { createFakeApi, httpError, networkFailure } = require('../support/fake-api');
const { openPage, text } = require('../support/pages');
const payFlow = require('../../utils/pay-flow');

let wx;
let api;

/** The wallet: `outcome` for requestPayment; `notifyAfterPolls` = order polls before the server has the notify. */
function setUp({ outcome = 'ok', notifyAfterPolls = 0, ext } = {}) {
  api = createFakeApi({ bound: ['11', '12'] });
  let polls = 0;
  let paidOrder = null;
  api.on('Order', (v, ctx) => {
    polls += 1;
    if (paidOrder && polls > notifyAfterPolls && paidOrder.status === 'CREATED') api.settle(paidOrder.outTradeNo);
    return api.handlers.Order(v, ctx);
  });
  wx = installFakeWx(Object.assign({
    transport: api.transport,
    payment: (opts) => {
      if (outcome === 'ok') paidOrder = api.orderForPackage(opts.package);
      return outcome;
    },
  }, ext ? { ext } : {}));
  return { polls: () => polls };
}

const orderPolls = () => api.calls.filter((c) => c.op === 'Order').length;

afterEach(() => {
  jest.useRealTimers();
});

describe('pay page', () => {
  test('confirm screen lists the chosen bills with the amount due now', async () => {
    setUp();
    const page = await openPage('pay', { billIds: '101,102' });
    expect(page.data.stage).toBe('confirm');
    expect(page.querySelectorAll('.list-item')).toHaveLength(2);
    expect(text(page, '#total')).toBe('¥3,917.38');
    expect(text(page, '#pay')).toBe('微信支付 ¥3,917.38');
  });

  test('success: createPayment, wx.requestPayment with the server’s parameters, poll until PAID', async () => {
    setUp({ notifyAfterPolls: 2 });
    jest.useFakeTimers();
    const page = await openPage('pay', { billIds: '101%2C102' });
    const paying = page.instance.onPay();
    await jest.advanceTimersByTimeAsync(5000);
    await paying;

    const create = api.calls.find((c) => c.op === 'CreatePayment');
    expect(create.variables).toEqual({ billIds: ['101', '102'], channel: 'WECHAT' });
    const order = api.orders[0];
    expect(wx.calls.payment).toHaveLength(1);
    expect(wx.calls.payment[0]).toMatchObject({
      timeStamp: '1764554640', nonceStr: `nonce${order.id}`, package: `prepay_id=${order.prepayId}`,
      signType: 'RSA', paySign: 'c2lnbmF0dXJl',
    });
    expect(orderPolls()).toBe(3); // two answers still CREATED, the third PAID
    expect(page.data.stage).toBe('paid');
    expect(text(page, '#state-paid .state-title')).toBe('缴费成功');
    expect(page.dom.textContent).toContain('¥3,917.38');
    expect(page.dom.textContent).toContain(order.outTradeNo);
  });

  test('cancel in WeChat’s pay sheet is 已取消, without polling, and can be retried', async () => {
    setUp({ outcome: 'cancel' });
    const page = await openPage('pay', { billIds: '101' });
    await page.instance.onPay();
    expect(page.data.stage).toBe('cancelled');
    expect(text(page, '#state-cancelled .state-title')).toBe('已取消');
    expect(orderPolls()).toBe(0);

    await page.instance.onRetry();
    expect(page.data.stage).toBe('confirm');
  });

  test('a wallet failure is 支付失败 after asking the server once', async () => {
    setUp({ outcome: 'fail' });
    const page = await openPage('pay', { billIds: '101' });
    await page.instance.onPay();
    expect(page.data.stage).toBe('failed');
    expect(text(page, '#state-failed .state-title')).toBe('支付失败');
    expect(orderPolls()).toBe(1);
  });

  test('no notify within ~30 s: 支付结果确认中 with a refresh that picks up the payment later', async () => {
    setUp({ notifyAfterPolls: Infinity });
    jest.useFakeTimers();
    const page = await openPage('pay', { billIds: '101' });
    const paying = page.instance.onPay();
    await jest.advanceTimersByTimeAsync(20000);
    expect(page.data.stage).toBe('confirming');
    await jest.advanceTimersByTimeAsync(11000);
    await paying;
    expect(page.data.stage).toBe('pending');
    expect(text(page, '#state-pending .state-title')).toBe('支付结果确认中');
    const polled = orderPolls();
    expect(polled).toBeGreaterThan(5);

    jest.useRealTimers();
    api.settle(api.orders[0].outTradeNo);
    await page.instance.onRefresh();
    expect(orderPolls()).toBe(polled + 1);
    expect(page.data.stage).toBe('paid');
  });

  test('an order that ends CLOSED while polling is 支付失败', async () => {
    setUp();
    api.on('Order', (v, ctx) => {
      api.settle(api.orders[0].outTradeNo, 'CLOSED');
      return api.handlers.Order(v, ctx);
    });
    const page = await openPage('pay', { billIds: '101' });
    await page.instance.onPay();
    expect(page.data.stage).toBe('failed');
  });

  test('a refused createPayment (bill already paid) shows the reason; WeChat is never opened', async () => {
    setUp();
    api.on('CreatePayment', () => ({ createPayment: { order: null, payParams: null,
      errors: [{ field: 'billIds', message: '账单已缴清或不存在。', code: 'INVALID_STATUS' }] } }));
    const page = await openPage('pay', { billIds: '101' });
    await page.instance.onPay();
    expect(page.data.stage).toBe('error');
    expect(text(page, '#error-text')).toBe('账单已缴清或不存在。');
    expect(wx.calls.payment).toHaveLength(0);
  });

  test('createPayment is not re-sent after a timeout (it may have created an order)', async () => {
    setUp();
    api.on('CreatePayment', () => { throw networkFailure('request:fail timeout'); });
    const page = await openPage('pay', { billIds: '101' });
    await page.instance.onPay();
    expect(api.calls.filter((c) => c.op === 'CreatePayment')).toHaveLength(1);
    expect(page.data.stage).toBe('error');
    expect(wx.calls.payment).toHaveLength(0);
  });

  test('bills that are no longer payable leave nothing to pay', async () => {
    setUp();
    const page = await openPage('pay', { billIds: '90' }); // the paid 2025-2026 bill
    expect(page.data.stage).toBe('empty');
  });

  test('leaving the page stops polling', async () => {
    setUp({ notifyAfterPolls: Infinity });
    jest.useFakeTimers();
    const page = await openPage('pay', { billIds: '101' });
    const paying = page.instance.onPay();
    await jest.advanceTimersByTimeAsync(2500);
    const before = orderPolls();
    page.instance.onUnload();
    await jest.advanceTimersByTimeAsync(40000);
    await paying;
    expect(orderPolls()).toBeLessThanOrEqual(before + 1);
  });
});

describe('pollOrder', () => {
  function clock() {
    let t = 0;
    const sleeps = [];
    return { sleeps, now: () => t, sleep: (ms) => { sleeps.push(ms); t += ms; return Promise.resolve(); } };
  }

  test('polls every second, then backs off, and gives up at 30 s as PENDING', async () => {
    setUp({ notifyAfterPolls: Infinity });
    await require('../../services/auth').login();
    const { order } = await require('../../services/payments').createPayment(['101'], 'WECHAT');
    const c = clock();
    const result = await payFlow.pollOrder(order.outTradeNo, { sleep: c.sleep, now: c.now });
    expect(result.state).toBe('PENDING');
    expect(c.sleeps).toEqual([1000, 1000, 1000, 1500, 2250, 3375, 4000, 4000, 4000, 4000]);
    expect(c.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(30000);
  });

  test('a network error while polling is retried by the next poll', async () => {
    setUp();
    await require('../../services/auth').login();
    const { order } = await require('../../services/payments').createPayment(['101'], 'WECHAT');
    let n = 0;
    api.on('Order', (v, ctx) => {
      n += 1;
      if (n <= 3) throw networkFailure('request:fail timeout'); // one poll = 3 attempts (2 retries)
      api.settle(order.outTradeNo);
      return api.handlers.Order(v, ctx);
    });
    const c = clock();
    jest.useFakeTimers(); // the client's own retry backoff (0.5 s, 1.5 s)
    const polling = payFlow.pollOrder(order.outTradeNo, { sleep: c.sleep, now: c.now });
    await jest.advanceTimersByTimeAsync(2000);
    const result = await polling;
    expect(result.state).toBe('PAID');
    expect(n).toBe(4);
  });

  test('a server error while polling ends as PENDING (check later), not FAILED', async () => {
    setUp();
    await require('../../services/auth').login();
    const { order } = await require('../../services/payments').createPayment(['101'], 'WECHAT');
    api.on('Order', () => { throw httpError(500); });
    const c = clock();
    const result = await payFlow.pollOrder(order.outTradeNo, { sleep: c.sleep, now: c.now });
    expect(result.state).toBe('PENDING');
    expect(result.error.kind).toBe('HTTP');
  });

  test('the API layer takes the channel as given; only the wallet is WeChat-specific', async () => {
    setUp();
    await require('../../services/auth').login();
    await require('../../services/payments').createPayment(['101'], 'ALIPAY');
    expect(api.calls.find((c) => c.op === 'CreatePayment').variables.channel).toBe('ALIPAY');
    expect(payFlow.walletFor('ALIPAY')).toBeNull();
    const result = await payFlow.payBills(['101'], 'ALIPAY');
    expect(result.state).toBe('FAILED');
    expect(api.calls.filter((c) => c.op === 'CreatePayment')).toHaveLength(1); // nothing created for a wallet we lack
  });

  test('the sandbox wallet (ext sandboxPayUrl) confirms at the sandbox gateway after a modal', async () => {
    const sandboxUrl = 'http://localhost:8000/sandbox/wechatpay/confirm';
    setUp({ ext: Object.assign({}, require('../support/fake-wx').DEFAULT_EXT, { sandboxPayUrl: sandboxUrl }) });
    const confirms = [];
    const graphql = api.transport;
    wx.options.transport = (req) => {
      if (req.url === sandboxUrl) {
        confirms.push(req.data);
        api.settle(api.orderForPackage(`prepay_id=${req.data.prepay_id}`).outTradeNo);
        return Promise.resolve({ statusCode: 200, data: { ok: true } });
      }
      return graphql(req);
    };
    const result = await payFlow.payBills(['101'], 'WECHAT');
    expect(wx.calls.modal[0].title).toBe('沙箱支付');
    expect(confirms).toEqual([{ prepay_id: api.orders[0].prepayId, result: 'pay' }]);
    expect(wx.calls.payment).toHaveLength(0);
    expect(result.state).toBe('PAID');
  });
});
