'use strict';
/**
 * Bootstrap: wx.login → wechatLogin (token into storage), then, until the
 * resident has a phone, the phone step (WeChat's getPhoneNumber button, or
 * an SMS code), which can be skipped. Opened with ?step=phone from 我的.
 */
const pageBehavior = require('../../behaviors/page');
const auth = require('../../services/auth');
const config = require('../../utils/config');
const storage = require('../../utils/storage');
const nav = require('../../utils/nav');
const wxp = require('../../utils/wxp');
const { messageOf } = require('../../utils/api');

const PHONE = /^1[3-9]\d{9}$/;

Component({
  behaviors: [pageBehavior],
  data: {
    stage: 'loading', // loading | error | phone | notConfigured
    error: '',
    phoneMode: 'wechat', // wechat | sms
    phoneError: '',
    smsPhone: '',
    smsCode: '',
    smsSent: false,
    resendIn: 0,
    busy: false,
  },
  methods: {
    onLoad(options) {
      this.phoneOnly = Boolean(options && options.step === 'phone');
      if (!config.get().configured) {
        this.setData({ stage: 'notConfigured' });
        return Promise.resolve();
      }
      return this.boot();
    },

    onUnload() {
      this.stopCountdown();
    },

    async boot() {
      this.setData({ stage: 'loading', error: '' });
      try {
        await auth.ensureLogin();
        if (this.phoneOnly) {
          this.setData({ stage: 'phone' });
          return;
        }
        const profile = await auth.fetchProfile();
        if (!profile.phoneMasked && !storage.get('phoneSkipped')) {
          this.setData({ stage: 'phone' });
          return;
        }
        this.finish();
      } catch (err) {
        this.setData({ stage: 'error', error: messageOf(err) });
      }
    },

    finish() {
      if (this.phoneOnly) nav.back();
      else nav.home();
    },

    onRetry() {
      return this.boot();
    },

    onPhoneMode(e) {
      this.setData({ phoneMode: e.currentTarget.dataset.mode, phoneError: '' });
    },

    async onGetPhoneNumber(e) {
      const detail = (e && e.detail) || {};
      if (!detail.code && !config.get().sandboxPhone) {
        this.setData({ phoneError: /deny|cancel/i.test(detail.errMsg || '') ? '您已取消授权，也可以用短信验证码绑定' : '获取手机号失败，请用短信验证码绑定' });
        return;
      }
      await this.bindWith(() => auth.bindPhone(detail.code));
    },

    async bindWith(action) {
      this.setData({ busy: true, phoneError: '' });
      try {
        await action();
        this.setData({ busy: false });
        wxp.toast('手机号已绑定', 'success');
        this.finish();
      } catch (err) {
        this.setData({ busy: false, phoneError: messageOf(err) });
      }
    },

    onSmsPhoneInput(e) {
      this.setData({ smsPhone: e.detail.value.trim() });
    },

    onSmsCodeInput(e) {
      this.setData({ smsCode: e.detail.value.trim() });
    },

    async onSendSms() {
      const phone = this.data.smsPhone;
      if (!PHONE.test(phone)) {
        this.setData({ phoneError: '请输入 11 位手机号' });
        return;
      }
      if (this.data.resendIn > 0 || this.data.busy) return;
      this.setData({ busy: true, phoneError: '' });
      try {
        const sent = await auth.requestSmsCode(phone);
        this.setData({ busy: false, smsSent: true });
        wxp.toast(`验证码已发送至 ${sent.phoneMasked || phone}`);
        this.startCountdown(sent.resendIn || 60);
      } catch (err) {
        this.setData({ busy: false, phoneError: messageOf(err) });
      }
    },

    async onVerifySms() {
      if (!/^\d{4,8}$/.test(this.data.smsCode)) {
        this.setData({ phoneError: '请输入短信验证码' });
        return;
      }
      await this.bindWith(() => auth.verifySmsCode(this.data.smsPhone, this.data.smsCode));
    },

    startCountdown(seconds) {
      this.stopCountdown();
      this.setData({ resendIn: seconds });
      this.timer = setInterval(() => {
        const left = this.data.resendIn - 1;
        this.setData({ resendIn: left > 0 ? left : 0 });
        if (left <= 0) this.stopCountdown();
      }, 1000);
    },

    stopCountdown() {
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
    },

    onSkip() {
      storage.set('phoneSkipped', true);
      this.finish();
    },
  },
});
