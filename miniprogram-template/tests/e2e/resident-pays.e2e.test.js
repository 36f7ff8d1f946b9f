'use strict';
/**
 * End to end: the template's own pages, services and API client, rendered with
 * miniprogram-simulate, against a live HeatCloud server (see tests/e2e/env.js
 * and README.md). A new sandbox resident logs in, binds a house, reads its
 * bills, pays through createPayment → wx.requestPayment (confirmed in the
 * sandbox gateway) → order polling, and sees the bill paid; then unbinds.
 */
const settings = require('./env').load();
const { createWxShim, httpRequest } = require('./wx-shim');
const { openPage, text, texts, tap, flush, waitFor } = require('../support/pages');

let wx;

function lastNavigation() {
  return wx.calls.navigate[wx.calls.navigate.length - 1];
}

/** The page a navigation call leads to, and its query, as WeChat would pass it to onLoad. */
function target(nav) {
  const [pathPart, queryPart] = nav.url.split('?');
  const name = pathPart.split('/').pop();
  const query = {};
  (queryPart || '').split('&').filter(Boolean).forEach((pair) => {
    const [k, v] = pair.split('=');
    query[k] = v;
  });
  return { name, query };
}

async function follow() {
  const { name, query } = target(lastNavigation());
  return openPage(name, query);
}

async function input(page, selector, value) {
  page.querySelector(selector).dispatchEvent('input', { detail: { value } });
  await flush();
}

beforeAll(async () => {
  // Fail fast, and say why, when no server is listening.
  try {
    await httpRequest(settings, { url: `${settings.companyUrl}/graphql/`, method: 'POST',
      header: { 'content-type': 'application/json' }, data: { query: '{ __typename }' } });
  } catch (err) {
    throw new Error(`No HeatCloud server at ${settings.apiBase.origin} (${err.errMsg}). Start \`make run\` `
      + 'or set HEATCLOUD_E2E_API_BASE / HEATCLOUD_E2E_HOST (see miniprogram-template/README.md).');
  }
  wx = createWxShim(settings);
  global.wx = wx;
  require('../../utils/config').reset();
  require('../../services/client').reset();
});

describe(`a resident of ${settings.host} pays a bill through the template`, () => {
  let payableBillId = null;

  test('login: wx.login → wechatLogin, then the phone step', async () => {
    const login = await openPage('login');
    expect(login.data.error).toBe('');
    expect(login.data.stage).toBe('phone'); // a new resident has no phone yet
    expect(require('../../utils/session').getToken()).toEqual(expect.any(String));

    if (settings.phone) {
      await login.instance.onGetPhoneNumber({ detail: { code: `sandbox-phone:${settings.phone}`, errMsg: 'getPhoneNumber:ok' } });
      expect(login.data.phoneError).toBe('');
      expect(require('../../utils/session').getProfile().phoneMasked).toMatch(/^\d{3}\*{4}\d{4}$/);
    } else {
      login.instance.onSkip();
    }
    expect(lastNavigation()).toEqual({ type: 'switchTab', url: '/pages/index/index' });
  });

  test('home: no house yet; bind one with 户号 + 户主姓名', async () => {
    const home = await follow();
    expect(home.data.error).toBe('');
    expect(text(home, '#state-empty .state-title')).toBe('还没有绑定房屋');
    await tap(home, '#bind-house');

    const bind = await follow();
    await input(bind, '#account-no', settings.accountNo);
    await input(bind, '#owner-name', settings.ownerName);
    await bind.instance.onSubmit();
    expect(bind.data.formError).toBe('');
    expect(wx.calls.toast).toContain('绑定成功');
    expect(lastNavigation()).toEqual({ type: 'navigateBack', delta: 1 });
  });

  test('home shows the house with the amount due now', async () => {
    const home = await openPage('index');
    expect(texts(home, '.house >>> .house-account')).toEqual([`户号 ${settings.accountNo}`]);
    const house = home.data.houses[0];
    if (settings.payment) {
      if (house.dueFen <= 0) {
        throw new Error(`${settings.accountNo} has nothing due now (paid by an earlier run?). Use fresh data `
          + '(`make clean` then `make run`) or another unpaid house via HEATCLOUD_E2E_ACCOUNT_NO / HEATCLOUD_E2E_OWNER_NAME.');
      }
      expect(text(home, '.house >>> .house-amount')).toBe(house.dueText);
      [payableBillId] = house.billIds;
    }
  });

  test('bills: the list and a bill’s lines with their explanations', async () => {
    const bills = await openPage('bills');
    expect(bills.data.error).toBe('');
    expect(bills.data.bills.length).toBeGreaterThan(0);
    expect(bills.data.bills.every((b) => b.accountNo === settings.accountNo)).toBe(true);

    const id = payableBillId || bills.data.bills[0].id;
    const detail = await openPage('bill-detail', { id });
    expect(detail.data.error).toBe('');
    const explanations = texts(detail, '.line-explanation');
    expect(explanations.length).toBeGreaterThan(0);
    explanations.forEach((e) => expect(e).not.toBe(''));
    texts(detail, '.line-amount').forEach((a) => expect(a).toMatch(/^-?¥[\d,]+\.\d{2}$/));
  });

  const payTest = settings.payment ? test : test.skip;

  payTest('pay: createPayment → wx.requestPayment (sandbox) → poll → 缴费成功', async () => {
    const home = await openPage('index');
    await tap(home, '.house >>> .pay-button');
    expect(lastNavigation().url).toBe(`/pages/pay/pay?billIds=${home.data.houses[0].billIds.join('%2C')}`);

    const pay = await follow();
    expect(pay.data.stage).toBe('confirm');
    await pay.instance.onPay();
    await waitFor(() => ['paid', 'failed', 'cancelled', 'pending', 'error'].includes(pay.data.stage), 60000, 'a final pay state');
    expect({ stage: pay.data.stage, error: pay.data.error }).toEqual({ stage: 'paid', error: '' });
    expect(wx.sandboxConfirms).toHaveLength(1);
    expect(wx.sandboxConfirms[0].statusCode).toBeLessThan(300);
  }, 90000);

  payTest('the bill shows paid, and the payment is in the records', async () => {
    const detail = await openPage('bill-detail', { id: payableBillId });
    expect(text(detail, '#status')).toBe('已缴清');
    expect(detail.querySelector('#pay')).toBeUndefined();

    const home = await openPage('index');
    expect(home.data.houses[0].dueFen).toBe(0);

    const records = await openPage('payments');
    expect(records.data.items.length).toBeGreaterThan(0);
    expect(records.data.items[0].statusText).toBe('支付成功');
  });

  test('unbind: the resident leaves the house again', async () => {
    const houses = await openPage('houses');
    const house = houses.data.houses.find((h) => h.accountNo === settings.accountNo);
    await houses.instance.onUnbind({ currentTarget: { dataset: { id: house.id, account: house.accountNo } } });
    expect(houses.data.houses).toEqual([]);
  });
});
