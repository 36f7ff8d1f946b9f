'use strict';
const { installFakeWx, DEFAULT_EXT } = require('../support/fake-wx');
const { createFakeApi } = require('../support/fake-api');
const { openPage, text, flush } = require('../support/pages');

let wx;
let api;

function setUp(ext, seed) {
  api = createFakeApi(seed);
  wx = installFakeWx(Object.assign({ transport: api.transport }, ext ? { ext } : {}));
}

const session = () => require('../../utils/session');

describe('login / bootstrap page', () => {
  test('logs in with the wx.login code, stores the token and, with a phone bound, opens home', async () => {
    setUp(null, { profile: { id: '7', displayName: '微信用户', phoneMasked: '138****8000' } });
    await openPage('login');
    expect(api.ops()).toEqual(['WechatLogin', 'MyProfile']);
    expect(api.calls[0].variables).toEqual({ code: 'wx-code-1' });
    expect(session().getToken()).toBe('tok-1');
    expect(wx.storage.has('hc.north-heat.token')).toBe(true); // namespaced per company
    expect(wx.calls.navigate).toEqual([{ type: 'switchTab', url: '/pages/index/index' }]);
  });

  test('without a phone it offers WeChat’s phone button; its code is sent to bindPhone', async () => {
    setUp();
    const page = await openPage('login');
    expect(page.data.stage).toBe('phone');
    expect(text(page, '#phone-button')).toBe('微信一键绑定手机号');
    await page.instance.onGetPhoneNumber({ detail: { code: 'phone-code-9', errMsg: 'getPhoneNumber:ok' } });
    const bind = api.calls.find((c) => c.op === 'BindPhone');
    expect(bind.variables).toEqual({ code: 'phone-code-9' });
    expect(wx.calls.toast).toContain('手机号已绑定');
    expect(wx.calls.navigate).toEqual([{ type: 'switchTab', url: '/pages/index/index' }]);
  });

  test('refusing the phone button explains the SMS alternative and sends nothing', async () => {
    setUp();
    const page = await openPage('login');
    await page.instance.onGetPhoneNumber({ detail: { errMsg: 'getPhoneNumber:fail user deny' } });
    expect(text(page, '#phone-error')).toBe('您已取消授权，也可以用短信验证码绑定');
    expect(api.ops()).not.toContain('BindPhone');
  });

  test('binding by SMS: send a code (with a resend countdown), then verify', async () => {
    setUp();
    jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick'] });
    try {
      const page = await openPage('login');
      await page.instance.onPhoneMode({ currentTarget: { dataset: { mode: 'sms' } } });
      page.instance.onSmsPhoneInput({ detail: { value: '13800138000' } });
      await page.instance.onSendSms();
      expect(api.calls.find((c) => c.op === 'RequestSmsCode').variables).toEqual({ phone: '13800138000' });
      expect(page.data.resendIn).toBe(60);
      await jest.advanceTimersByTimeAsync(3000);
      expect(page.data.resendIn).toBe(57);

      page.instance.onSmsCodeInput({ detail: { value: '000000' } });
      await page.instance.onVerifySms();
      expect(page.data.phoneError).toBe('验证码错误。');

      page.instance.onSmsCodeInput({ detail: { value: '123456' } });
      await page.instance.onVerifySms();
      expect(wx.calls.navigate).toEqual([{ type: 'switchTab', url: '/pages/index/index' }]);
      page.instance.onUnload();
    } finally {
      jest.useRealTimers();
    }
  });

  test('暂不绑定 skips the phone step now and on later launches', async () => {
    setUp();
    const page = await openPage('login');
    page.instance.onSkip();
    expect(wx.calls.navigate).toEqual([{ type: 'switchTab', url: '/pages/index/index' }]);
    const again = await openPage('login');
    expect(again.data.stage).toBe('loading');
    expect(wx.calls.navigate).toHaveLength(2);
  });

  test('a refused login shows the server’s reason and can be retried', async () => {
    setUp();
    api.on('WechatLogin', () => ({ wechatLogin: { token: null, expiresIn: null, resident: null,
      errors: [{ field: null, message: '微信登录服务繁忙，请稍后再试。', code: 'WECHAT_BUSY' }] } }));
    const page = await openPage('login');
    expect(page.data.stage).toBe('error');
    expect(text(page, '#state-error .error-text')).toBe('微信登录服务繁忙，请稍后再试。');
    api.off('WechatLogin');
    await page.instance.onRetry();
    expect(page.data.stage).toBe('phone');
  });

  test('opened from 我的 with ?step=phone it goes straight to the phone step and back afterwards', async () => {
    setUp();
    const page = await openPage('login', { step: 'phone' });
    expect(page.data.stage).toBe('phone');
    await page.instance.onGetPhoneNumber({ detail: { code: 'c' } });
    expect(wx.calls.navigate).toEqual([{ type: 'navigateBack', delta: 1 }]);
  });

  test('in the sandbox the configured phone replaces the button’s code', async () => {
    setUp(Object.assign({}, DEFAULT_EXT, { sandboxUser: 'demo-resident', sandboxPhone: '13800138000' }));
    const page = await openPage('login');
    expect(api.calls[0].variables).toEqual({ code: 'sandbox:demo-resident' });
    await page.instance.onGetPhoneNumber({ detail: { errMsg: 'getPhoneNumber:fail no permission' } });
    await flush();
    expect(api.calls.find((c) => c.op === 'BindPhone').variables).toEqual({ code: 'sandbox-phone:13800138000' });
  });
});
