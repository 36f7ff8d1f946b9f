'use strict';
const { installFakeWx } = require('../support/fake-wx');
const { createFakeApi } = require('../support/fake-api');
const { openPage, text, tap, flush } = require('../support/pages');

let wx;
let api;

beforeEach(() => {
  api = createFakeApi({ bound: [] });
  wx = installFakeWx({ transport: api.transport });
});

async function input(page, selector, value) {
  page.querySelector(selector).dispatchEvent('input', { detail: { value } });
  await flush(); // events are delivered asynchronously, as in WeChat
}

describe('bind house page', () => {
  test('户号 + 户主姓名 binds the house and goes back', async () => {
    const page = await openPage('house-bind');
    await input(page, '#account-no', ' H10001 ');
    await input(page, '#owner-name', '王建国');
    await page.instance.onSubmit();

    const bind = api.calls.find((c) => c.op === 'BindHouse');
    expect(bind.variables).toEqual({ accountNo: 'H10001', ownerName: '王建国', role: 'OWNER' });
    expect(api.state.bound).toEqual(['11']);
    expect(wx.calls.toast).toContain('绑定成功');
    expect(wx.calls.navigate).toEqual([{ type: 'navigateBack', delta: 1 }]);
  });

  test('only the owner’s name is offered while the company has the phone proof off (the default)', async () => {
    const page = await openPage('house-bind');
    expect(api.calls.find((c) => c.op === 'HouseBindingSettings').token).toBeNull(); // asked without login
    expect(page.data.phoneAllowed).toBe(false);
    expect(page.querySelector('#method-phone')).toBeUndefined();
    expect(page.querySelector('#phone-last4')).toBeUndefined();
    expect(page.querySelector('#owner-name')).toBeDefined();
    page.instance.onMethod({ currentTarget: { dataset: { method: 'phone' } } }); // no way round it
    expect(page.data.method).toBe('name');
  });

  test('the last 4 digits of the owner’s phone work as the proof once the company allows them', async () => {
    api.state.phoneLast4Allowed = true;
    const page = await openPage('house-bind');
    await input(page, '#account-no', 'H10002');
    await tap(page, '#method-phone');
    await input(page, '#phone-last4', '1234');
    await page.instance.onSubmit();
    const bind = api.calls.find((c) => c.op === 'BindHouse');
    expect(bind.variables).toEqual({ accountNo: 'H10002', phoneLast4: '1234', role: 'OWNER' });
    expect(api.state.bound).toEqual(['12']);
  });

  test('when the setting cannot be read, the name is the only proof offered', async () => {
    api.on('HouseBindingSettings', () => { throw { errMsg: 'request:fail timeout' }; });
    const page = await openPage('house-bind');
    expect(page.data.phoneAllowed).toBe(false);
    expect(page.querySelector('#method-phone')).toBeUndefined();
  });

  test('a company that turns the phone proof off meanwhile: the page falls back to the name', async () => {
    api.state.phoneLast4Allowed = true;
    const page = await openPage('house-bind');
    await input(page, '#account-no', 'H10002');
    await tap(page, '#method-phone');
    await input(page, '#phone-last4', '1234');
    api.state.phoneLast4Allowed = false;
    await page.instance.onSubmit();
    expect(api.state.bound).toEqual([]);
    expect(page.data.method).toBe('name');
    expect(page.querySelector('#method-phone')).toBeUndefined();
    expect(text(page, '#form-error')).toBe('本公司不支持用手机号后 4 位绑定，请填写户主姓名。');
  });

  test('a wrong name shows the server’s error on the form and stays on the page', async () => {
    const page = await openPage('house-bind');
    await input(page, '#account-no', 'H10001');
    await input(page, '#owner-name', '王建军');
    await page.instance.onSubmit();

    expect(text(page, '#form-error')).toBe('户号与户主信息不匹配。');
    expect(api.state.bound).toEqual([]);
    expect(wx.calls.navigate).toEqual([]);
    expect(page.data.submitting).toBe(false);
  });

  test('a server error on a field is shown under that field', async () => {
    api.on('BindHouse', () => ({ bindHouse: { house: null, errors: [
      { field: 'accountNo', message: '户号格式不正确。', code: 'INVALID' },
    ] } }));
    const page = await openPage('house-bind');
    await input(page, '#account-no', 'x');
    await input(page, '#owner-name', '王建国');
    await page.instance.onSubmit();
    expect(text(page, '#error-account-no')).toBe('户号格式不正确。');
    expect(page.querySelector('#form-error')).toBeUndefined();
  });

  test('throttling is explained in the server’s words', async () => {
    api.on('BindHouse', () => ({ bindHouse: { house: null, errors: [
      { field: null, message: '尝试次数过多，请 1 小时后再试。', code: 'TOO_MANY_ATTEMPTS' },
    ] } }));
    const page = await openPage('house-bind');
    await input(page, '#account-no', 'H10001');
    await input(page, '#owner-name', '王建国');
    await page.instance.onSubmit();
    expect(text(page, '#form-error')).toBe('尝试次数过多，请 1 小时后再试。');
  });

  test('missing fields are caught before anything is sent', async () => {
    const page = await openPage('house-bind');
    await tap(page, '#submit');
    expect(text(page, '#error-account-no')).toBe('请输入户号');
    expect(text(page, '#error-owner-name')).toBe('请输入户主姓名');

    expect(api.calls.filter((c) => c.op === 'BindHouse')).toHaveLength(0);
  });

  test('a malformed last-4 is caught before anything is sent', async () => {
    api.state.phoneLast4Allowed = true;
    const page = await openPage('house-bind');
    await tap(page, '#method-phone');
    await input(page, '#account-no', 'H10001');
    await input(page, '#phone-last4', '12a');
    await tap(page, '#submit');
    expect(text(page, '#error-phone-last4')).toBe('请输入户主手机号后 4 位');
    expect(api.calls.filter((c) => c.op === 'BindHouse')).toHaveLength(0);
  });
});

describe('my houses page (unbind)', () => {
  test('解除绑定 asks first, then unbinds and reloads the list', async () => {
    api.state.bound.push('11', '12');
    const page = await openPage('houses');
    expect(page.querySelectorAll('.house')).toHaveLength(2);

    await page.instance.onUnbind({ currentTarget: { dataset: { id: '11', account: 'H10001' } } });
    expect(wx.calls.modal[0].content).toContain('H10001');
    expect(api.calls.find((c) => c.op === 'UnbindHouse').variables).toEqual({ houseId: '11' });
    expect(api.state.bound).toEqual(['12']);
    expect(page.querySelectorAll('.house')).toHaveLength(1);
  });

  test('declining the confirmation unbinds nothing', async () => {
    api.state.bound.push('11');
    wx = installFakeWx({ transport: api.transport, modalAnswer: () => false });
    const page = await openPage('houses');
    await page.instance.onUnbind({ currentTarget: { dataset: { id: '11', account: 'H10001' } } });
    expect(api.calls.filter((c) => c.op === 'UnbindHouse')).toHaveLength(0);
    expect(api.state.bound).toEqual(['11']);
  });
});
