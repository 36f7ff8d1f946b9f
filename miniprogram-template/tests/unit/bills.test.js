'use strict';
const { installFakeWx } = require('../support/fake-wx');
const { createFakeApi } = require('../support/fake-api');
const { openPage, text, texts, tap } = require('../support/pages');
const nav = require('../../utils/nav');

let wx;
let api;

beforeEach(() => {
  api = createFakeApi({ bound: ['11', '12'] });
  wx = installFakeWx({ transport: api.transport });
});

describe('bills list', () => {
  test('lists every bill, payable ones with the amount due now, paid ones as 已缴清', async () => {
    const page = await openPage('bills');
    expect(texts(page, '.bill-status')).toEqual(['待缴费', '待缴费', '已缴清']);
    expect(texts(page, '.bill-amount')).toEqual(['¥2,105.04', '¥1,812.34', '¥1,725.00']);
    await tap(page, '.bill');
    expect(wx.calls.navigate).toEqual([{ type: 'navigateTo', url: '/pages/bill-detail/bill-detail?id=101' }]);
  });

  test('opened from a house card it shows only that house’s bills; 全部 shows all again', async () => {
    nav.go('/pages/bills/bills', { houseId: '12' });
    expect(wx.calls.navigate).toEqual([{ type: 'switchTab', url: '/pages/bills/bills' }]);
    const page = await openPage('bills');
    expect(texts(page, '.bill-amount')).toEqual(['¥1,812.34', '¥1,725.00']);
    await page.instance.onFilter({ currentTarget: { dataset: { id: '' } } });
    expect(page.querySelectorAll('.bill')).toHaveLength(3);
  });
});

describe('bill detail', () => {
  test('shows every line with its explanation and amount in 元, and how the amount due is made up', async () => {
    api.state.bills[1].lines.push(
      { kind: 'RELIEF', amountFen: -9000, explanation: '低保减免：5%' },
      { kind: 'ADJUSTMENT', amountFen: 9000, explanation: '面积复核调整' },
    );
    const page = await openPage('bill-detail', { id: '102' });
    expect(texts(page, '.line-explanation')).toEqual(['采暖费：75.00㎡ × 24.00元/㎡', '低保减免：5%', '面积复核调整']);
    expect(texts(page, '.line-amount')).toEqual(['¥1,800.00', '-¥90.00', '¥90.00']);
    expect(text(page, '#status')).toBe('待缴费');
    expect(text(page, '#late-fee')).toBe('+¥12.34');
    expect(page.querySelector('#discount')).toBeUndefined();
    expect(text(page, '#total')).toBe('¥1,812.34');
    await tap(page, '#pay');
    expect(wx.calls.navigate).toEqual([{ type: 'navigateTo', url: '/pages/pay/pay?billIds=102' }]);
  });

  test('an early-payment discount is shown as a deduction', async () => {
    const page = await openPage('bill-detail', { id: '101' });
    expect(text(page, '#discount')).toBe('-¥42.96');
    expect(text(page, '#due')).toBe('¥2,105.04');
  });

  test('a paid bill has no pay button', async () => {
    const page = await openPage('bill-detail', { id: '90' });
    expect(text(page, '#status')).toBe('已缴清');
    expect(text(page, '#paid')).toBe('¥1,725.00');
    expect(page.querySelector('#pay')).toBeUndefined();
  });

  test('someone else’s or a missing bill reads as not found', async () => {
    const page = await openPage('bill-detail', { id: '999' });
    expect(text(page, '#state-not-found .state-title')).toBe('账单不存在');
  });
});

describe('payment records and order', () => {
  async function payOne() {
    await require('../../services/auth').login();
    const { order } = await require('../../services/payments').createPayment(['101'], 'WECHAT');
    api.settle(order.outTradeNo);
    return order;
  }

  test('records list the payment with amount, status, channel, house and China time', async () => {
    const order = await payOne();
    const page = await openPage('payments');
    expect(page.querySelectorAll('.payment')).toHaveLength(1);
    const shown = page.querySelector('.payment').dom.textContent;
    expect(shown).toContain('¥2,105.04');
    expect(shown).toContain('支付成功');
    expect(shown).toContain('户号 H10001');
    expect(shown).toContain('2026-12-01 10:05 · 微信支付'); // 02:05Z is 10:05 in China
    await tap(page, '.payment');
    expect(wx.calls.navigate).toEqual([{ type: 'navigateTo', url: `/pages/order/order?outTradeNo=${order.outTradeNo}` }]);
  });

  test('more records load at the bottom of the list', async () => {
    for (let i = 0; i < 25; i += 1) {
      await require('../../services/payments').createPayment(['102'], 'WECHAT').catch(() => null);
    }
    const page = await openPage('payments');
    expect(page.data.items).toHaveLength(20);
    expect(page.data.hasMore).toBe(true);
    await page.instance.onReachBottom();
    expect(page.data.items).toHaveLength(25);
    expect(api.calls.filter((c) => c.op === 'MyPayments').map((c) => c.variables)).toEqual([
      { first: 20, offset: 0 }, { first: 20, offset: 20 },
    ]);
  });

  test('the order page shows the bills an order paid', async () => {
    const order = await payOne();
    const page = await openPage('order', { outTradeNo: order.outTradeNo });
    expect(text(page, '#status')).toBe('支付成功');
    expect(page.dom.textContent).toContain('2026-2027 · 户号 H10001');
  });
});

describe('我的 and about', () => {
  test('我的 shows the masked phone, or an invitation to bind one', async () => {
    const page = await openPage('mine');
    expect(text(page, '#phone')).toBe('未绑定手机号');
    await tap(page, '#bind-phone');
    expect(wx.calls.navigate).toEqual([{ type: 'navigateTo', url: '/pages/login/login?step=phone' }]);

    api.state.profile.phoneMasked = '138****8000';
    await page.instance.onShow();
    expect(text(page, '#phone')).toBe('手机号 138****8000');
  });

  test('the service phone entry dials the company’s number', async () => {
    const page = await openPage('mine');
    expect(text(page, '#menu-service')).toContain('0311-8888 6666');
    await tap(page, '#menu-service');
    expect(wx.calls.phone).toEqual(['031188886666']);
  });

  test('about names the company from the ext config', async () => {
    const page = await openPage('about');
    expect(text(page, '#company')).toBe('北方热力');
    expect(page.dom.textContent).toContain('版本 1.2.0');
  });
});
