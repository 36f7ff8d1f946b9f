'use strict';
/**
 * 通知设置: whether the company may also text me (SMS) when WeChat cannot reach me, to the phone I bound
 * (masked). Without a phone the switch is off and the page says how to bind one. WeChat service notices are
 * granted in WeChat's own sheet when paying or reporting, and managed in the mini-program's settings.
 */
const pageBehavior = require('../../behaviors/page');
const auth = require('../../services/auth');
const messaging = require('../../services/messaging');
const nav = require('../../utils/nav');
const wxp = require('../../utils/wxp');
const { messageOf } = require('../../utils/api');

Component({
  behaviors: [pageBehavior],
  data: {
    loading: true,
    error: '',
    smsOptIn: false,
    hasPhone: false,
    phoneMasked: '',
    saving: false,
    saveError: '',
    switchDisabled: true, // saving, or no phone to text (an opt-in left from before can still be turned off)
  },
  methods: {
    onLoad() {
      return this.load();
    },

    onShow() {
      // back from binding a phone
      if (!this.leftForAnother) return undefined;
      this.leftForAnother = false;
      return this.load();
    },

    /** setData, keeping switchDisabled in step with saving / hasPhone / smsOptIn. */
    update(patch) {
      const next = Object.assign({}, this.data, patch);
      this.setData(Object.assign({}, patch, { switchDisabled: next.saving || (!next.hasPhone && !next.smsOptIn) }));
    },

    show(prefs) {
      const p = prefs || {};
      this.update({ smsOptIn: Boolean(p.smsOptIn), hasPhone: Boolean(p.hasPhone), phoneMasked: p.phoneMasked || '' });
    },

    async load() {
      this.setData({ error: '' });
      try {
        await auth.ensureLogin();
        this.show(await messaging.preferences());
        this.setData({ loading: false });
      } catch (err) {
        this.setData({ loading: false, error: messageOf(err) });
      }
    },

    async onSmsChange(e) {
      const wanted = Boolean(e.detail.value);
      if (this.data.saving) return;
      if (wanted && !this.data.hasPhone) {
        this.update({ smsOptIn: false, saveError: '请先绑定手机号' });
        return;
      }
      this.update({ saving: true, saveError: '', smsOptIn: wanted });
      try {
        const prefs = await messaging.setSmsOptIn(wanted);
        this.update({ saving: false });
        this.show(prefs);
        wxp.toast(wanted ? '已开启短信通知' : '已关闭短信通知', 'success');
      } catch (err) {
        this.update({ saving: false, smsOptIn: !wanted, saveError: messageOf(err) });
      }
    },

    onBindPhone() {
      this.leftForAnother = true;
      nav.go('/pages/login/login', { step: 'phone' });
    },

    /** WeChat's settings page for this mini-program, where its service notices can be turned on or off. */
    onWechatSettings() {
      try {
        wx.openSetting({ withSubscriptions: true, fail: () => {} });
      } catch (err) {
        wxp.toast('请在微信中打开小程序设置');
      }
    },

    onRetry() {
      this.setData({ loading: true });
      return this.load();
    },
  },
});
