'use strict';
/**
 * Shared by every page (pages are built with Component(), so the same code runs
 * in WeChat, under miniprogram-simulate in tests and in the Node E2E harness):
 * theme colour and brand in `data`, the navigation bar in the theme colour,
 * and the service phone call.
 */
const config = require('../utils/config');
const theme = require('../utils/theme');
const wxp = require('../utils/wxp');

module.exports = Behavior({
  data: {
    themeStyle: '',
    themeColor: '',
    companyName: '',
    logoUrl: '',
    servicePhone: '',
  },
  lifetimes: {
    attached() {
      this.setData(theme.pageData());
    },
    ready() {
      theme.applyNavigationBar();
    },
  },
  methods: {
    refreshTheme() {
      this.setData(theme.pageData());
      theme.applyNavigationBar();
    },
    callService() {
      const phone = config.get().servicePhone;
      if (!phone) {
        wxp.toast('暂未提供客服电话');
        return;
      }
      wx.makePhoneCall({ phoneNumber: phone.replace(/[^\d+]/g, ''), fail: () => {} });
    },
  },
});
