'use strict';
/**
 * The order page's 查看收据: a counter (柜台) payment's PDF receipt is downloaded
 * with the resident's Bearer token (wx.downloadFile) and opened with
 * wx.openDocument; every failure ends in a toast, never an unhandled rejection.
 */
const { installFakeWx, DEFAULT_EXT } = require('../support/fake-wx');
const { createFakeApi } = require('../support/fake-api');
const { openPage, text, tap, flush, waitFor } = require('../support/pages');
const session = require('../../utils/session');
const paymentsApi = require('../../services/payments');

let wx;
let api;
let unhandled;

function onUnhandled(reason) {
  unhandled.push(reason);
}

beforeEach(() => {
  api = createFakeApi({ bound: ['11', '12'] });
  wx = installFakeWx({ transport: api.transport, download: api.download });
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});

afterEach(async () => {
  await flush();
  process.removeListener('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

async function openCounterOrder() {
  const order = api.counterPayment(['101']);
  const page = await openPage('order', { outTradeNo: order.outTradeNo });
  return { order, page };
}

function receiptAddress(order) {
  return `${DEFAULT_EXT.apiBaseUrl}/payments/receipts/${order.outTradeNo}.pdf`;
}

/** Tap 查看收据 and wait until the page is no longer busy with it. */
async function tapReceipt(page) {
  await tap(page, '#receipt');
  await waitFor(() => !page.data.receiptBusy, 2000, 'the receipt to be handled');
}

describe('查看收据 on the order page', () => {
  test('shown for a counter payment only', async () => {
    const { page } = await openCounterOrder();
    expect(page.dom.textContent).toContain('柜台缴费');
    expect(text(page, '#status')).toBe('支付成功');
    expect(text(page, '#receipt')).toBe('查看收据');

    const { order } = await paymentsApi.createPayment(['102'], 'WECHAT');
    api.settle(order.outTradeNo);
    const online = await openPage('order', { outTradeNo: order.outTradeNo });
    expect(online.dom.textContent).toContain('微信支付');
    expect(text(online, '#status')).toBe('支付成功');
    expect(online.querySelector('#receipt')).toBeUndefined();
  });

  test('a tap downloads the PDF from the company host with the Bearer token, then opens it', async () => {
    const { order, page } = await openCounterOrder();
    await tapReceipt(page);

    expect(wx.calls.download).toHaveLength(1);
    const request = wx.calls.download[0];
    expect(request.url).toBe(receiptAddress(order));
    expect(request.header).toEqual({ Authorization: `Bearer ${session.getToken()}` });
    expect(api.downloads).toEqual([{ url: receiptAddress(order), token: session.getToken() }]);

    expect(wx.calls.document).toHaveLength(1);
    expect(wx.calls.document[0]).toMatchObject({ filePath: 'http://tmp/download-1-200', fileType: 'pdf', showMenu: true });
    expect(wx.calls.toast).toEqual([]);
    expect(page.data.receiptBusy).toBe(false);
  });

  test('404 (not this resident’s any more) shows 收据暂不可用 and opens nothing', async () => {
    const { page } = await openCounterOrder();
    api.state.bound = ['12']; // the house the counter payment was for is unbound meanwhile
    await tapReceipt(page);
    expect(api.downloads).toHaveLength(1);
    expect(wx.calls.toast).toEqual(['收据暂不可用']);
    expect(wx.calls.document).toEqual([]);
  });

  test('any other HTTP answer is 收据暂不可用 too', async () => {
    const { page } = await openCounterOrder();
    api.on('download', () => ({ statusCode: 502, tempFilePath: 'http://tmp/error.html' }));
    await tapReceipt(page);
    expect(wx.calls.toast).toEqual(['收据暂不可用']);
    expect(wx.calls.document).toEqual([]);
  });

  test('a network failure shows the network toast and opens nothing; the next tap works', async () => {
    const { page } = await openCounterOrder();
    api.on('download', () => Promise.reject({ errMsg: 'downloadFile:fail net::ERR_INTERNET_DISCONNECTED' }));
    await tapReceipt(page);
    expect(wx.calls.toast).toEqual(['网络不给力，请检查网络后重试']);
    expect(wx.calls.document).toEqual([]);

    api.off('download');
    await tapReceipt(page);
    expect(wx.calls.document).toHaveLength(1);
    expect(wx.calls.toast).toEqual(['网络不给力，请检查网络后重试']);
  });

  test('an expired token: logs in again once and downloads again with the new token', async () => {
    const { order, page } = await openCounterOrder();
    const oldToken = session.getToken();
    const loginsBefore = wx.calls.login;
    api.tokens.clear(); // the server no longer accepts the stored token
    await tapReceipt(page);

    expect(wx.calls.login).toBe(loginsBefore + 1);
    const newToken = session.getToken();
    expect(newToken).not.toBe(oldToken);
    expect(api.downloads).toEqual([
      { url: receiptAddress(order), token: oldToken },
      { url: receiptAddress(order), token: newToken },
    ]);
    expect(wx.calls.document).toHaveLength(1);
    expect(wx.calls.toast).toEqual([]);
  });

  test('still 401 after logging in again: a clear toast, no third try, nothing opened', async () => {
    const { page } = await openCounterOrder();
    const loginsBefore = wx.calls.login;
    api.on('download', () => ({ statusCode: 401, tempFilePath: 'http://tmp/401.json' }));
    await tapReceipt(page);
    expect(wx.calls.login).toBe(loginsBefore + 1);
    expect(api.downloads).toHaveLength(2);
    expect(wx.calls.toast).toEqual(['登录已失效，请重新进入小程序']);
    expect(wx.calls.document).toEqual([]);
  });

  test('a PDF WeChat cannot open ends in a toast', async () => {
    const { page } = await openCounterOrder();
    wx.options.openDocument = () => 'file not supported';
    await tapReceipt(page);
    expect(wx.calls.document).toHaveLength(1);
    expect(wx.calls.toast).toEqual(['无法打开收据，请稍后再试']);
  });

  test('a second tap while downloading does not download twice', async () => {
    const { page } = await openCounterOrder();
    let release;
    api.on('download', (req, ctx) => new Promise((resolve) => {
      release = () => resolve({ statusCode: 200, tempFilePath: `http://tmp/slow-${ctx.token}` });
    }));
    await tap(page, '#receipt');
    expect(page.data.receiptBusy).toBe(true);
    await tap(page, '#receipt');
    release();
    await waitFor(() => !page.data.receiptBusy, 2000, 'the receipt to be handled');
    expect(api.downloads).toHaveLength(1);
    expect(wx.calls.document).toHaveLength(1);
  });

  test('the handler itself resolves on failure (nothing for WeChat to report as unhandled)', async () => {
    const { page } = await openCounterOrder();
    api.on('download', () => Promise.reject({ errMsg: 'downloadFile:fail timeout' }));
    await expect(page.instance.onReceipt()).resolves.toBeUndefined();
    expect(wx.calls.toast).toEqual(['请求超时，请稍后重试']);
  });
});

describe('downloadReceipt', () => {
  test('sends the token only to the company host: a receipt address elsewhere is refused unsent', async () => {
    await require('../../services/auth').login();
    for (const url of ['https://evil.example.test/r.pdf', '//evil.example.test/r.pdf', '/\\evil.example.test/r.pdf', null]) {
      await expect(paymentsApi.downloadReceipt(url)).rejects.toMatchObject({ kind: 'HTTP', message: '收据暂不可用' });
    }
    expect(wx.calls.download).toEqual([]);
  });

  test('logs in first when there is no token yet', async () => {
    const order = api.counterPayment(['102']);
    expect(session.getToken()).toBeNull();
    const path = await paymentsApi.downloadReceipt(`/payments/receipts/${order.outTradeNo}.pdf`);
    expect(path).toBe('http://tmp/download-1-200');
    expect(wx.calls.login).toBe(1);
    expect(api.downloads[0].token).toBe(session.getToken());
  });
});
