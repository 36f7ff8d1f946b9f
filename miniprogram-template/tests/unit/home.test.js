'use strict';
const { installFakeWx } = require('../support/fake-wx');
const { createFakeApi, httpError } = require('../support/fake-api');
const { openPage, text, texts, tap } = require('../support/pages');

let wx;
let api;

function setUp(seed, wxOptions) {
  api = createFakeApi(seed);
  wx = installFakeWx(Object.assign({ transport: api.transport }, wxOptions));
}

describe('home page', () => {
  test('shows every bound house with what is due now, the season and the overall total', async () => {
    setUp({ bound: ['11', '12'] });
    const page = await openPage('index');

    // H10001: 2,148.00 − 42.96 early discount; H10002: 1,800.00 + 12.34 late fee (its 2025-2026 bill is paid)
    expect(texts(page, '.house >>> .house-account')).toEqual(['户号 H10001', '户号 H10002']);
    expect(texts(page, '.house >>> .house-amount')).toEqual(['¥2,105.04', '¥1,812.34']);
    expect(text(page, '#total')).toBe('¥3,917.38');
    expect(page.dom.textContent).toContain('2026-2027 采暖季 · 当前应缴');
    expect(page.dom.textContent).toContain('含滞纳金 ¥12.34');
    expect(page.dom.textContent).toContain('已享早缴优惠 ¥42.96');
    expect(texts(page, '.house >>> .pay-button')).toEqual(['去缴费', '去缴费']);
  });

  test('去缴费 on a house opens the pay page for that house’s bills; 全部缴清 for all of them', async () => {
    setUp({ bound: ['11', '12'] });
    const page = await openPage('index');
    await tap(page, '.house >>> .pay-button');
    expect(wx.calls.navigate.pop()).toEqual({ type: 'navigateTo', url: '/pages/pay/pay?billIds=101' });
    await tap(page, '#pay-all');
    expect(wx.calls.navigate.pop()).toEqual({ type: 'navigateTo', url: '/pages/pay/pay?billIds=101%2C102' });
  });

  test('with no house bound it invites the resident to bind one', async () => {
    setUp({ bound: [] });
    const page = await openPage('index');
    expect(text(page, '#state-empty .state-title')).toBe('还没有绑定房屋');
    await tap(page, '#bind-house');
    expect(wx.calls.navigate).toEqual([{ type: 'navigateTo', url: '/pages/house-bind/house-bind' }]);
  });

  test('a server error is shown with a retry that reloads', async () => {
    setUp({ bound: ['11'] });
    api.on('MyBills', () => { throw httpError(503); });
    const page = await openPage('index');
    expect(text(page, '#state-error')).toContain('服务暂时不可用，请稍后再试');
    api.off('MyBills');
    await page.instance.onRetry();
    expect(texts(page, '.house >>> .house-account')).toEqual(['户号 H10001']);
  });

  test('the brand comes from the ext config: company name and theme colour on the navigation bar', async () => {
    setUp({ bound: [] });
    const page = await openPage('index');
    expect(text(page, '.hero-name')).toBe('北方热力');
    expect(page.data.themeStyle).toContain('--theme:#D9480F');
    expect(wx.calls.navBar).toContainEqual({ frontColor: '#ffffff', backgroundColor: '#D9480F' });
    expect(wx.calls.tabBar[0]).toMatchObject({ selectedColor: '#D9480F' });
  });

  test('without an ext config (not a branded build) it says so and calls no API', async () => {
    setUp({ bound: [] }, { ext: {} });
    const page = await openPage('index');
    expect(text(page, '#state-not-configured .state-title')).toBe('小程序尚未配置');
    expect(api.calls).toHaveLength(0);
    expect(wx.calls.request).toHaveLength(0);
  });

  test('the footer calls the company’s service phone', async () => {
    setUp({ bound: [] });
    const page = await openPage('index');
    await tap(page, '.footer-note');
    expect(wx.calls.phone).toEqual(['031188886666']);
  });
});
