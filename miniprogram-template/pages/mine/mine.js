'use strict';
/**
 * 我的: profile and phone, my houses, payment records, invoices, service phone, about; resident services (工单, 报修,
 * 室温, 报停); 消息中心 (with its unread count), 常见问题, 通知设置.
 */
const pageBehavior = require('../../behaviors/page');
const auth = require('../../services/auth');
const session = require('../../utils/session');
const theme = require('../../utils/theme');
const nav = require('../../utils/nav');
const invoicesApi = require('../../services/invoices');
const messaging = require('../../services/messaging');
const { badge } = require('../../utils/messages');

Component({
  behaviors: [pageBehavior],
  data: {
    displayName: '',
    avatarText: '住',
    phoneMasked: '',
    invoicesEnabled: false, // 我的发票 only while the company issues e-invoices (invoiceOptions)
    messagesBadge: '',
  },
  methods: {
    onShow() {
      theme.applyTabBar();
      this.refreshTheme();
      this.showProfile(session.getProfile());
      return auth.ensureLogin()
        .then(() => Promise.all([
          auth.fetchProfile().then((profile) => this.showProfile(profile)),
          this.loadInvoiceOptions(),
          this.loadUnread(),
        ]))
        .catch(() => {});
    },

    /** Hide 我的发票 when e-invoices are off, or when the answer does not come (an older server). */
    loadInvoiceOptions() {
      return invoicesApi.options()
        .then((answer) => answer.enabled, () => false)
        .then((enabled) => this.setData({ invoicesEnabled: enabled }));
    },

    /** The unread badge on 消息中心; none when the count does not come. */
    loadUnread() {
      return messaging.unreadMessageCount()
        .then((count) => badge(count), () => '')
        .then((text) => this.setData({ messagesBadge: text }));
    },

    showProfile(profile) {
      this.setData({
        displayName: (profile && profile.displayName) || '',
        avatarText: ((profile && profile.displayName) || '住').slice(0, 1),
        phoneMasked: (profile && profile.phoneMasked) || '',
      });
    },

    onBindPhone() {
      nav.go('/pages/login/login', { step: 'phone' });
    },

    onHouses() {
      nav.go('/pages/houses/houses');
    },

    onPayments() {
      nav.go('/pages/payments/payments');
    },

    onInvoices() {
      nav.go('/pages/invoices/invoices');
    },

    onAbout() {
      nav.go('/pages/about/about');
    },

    onTickets() {
      nav.go('/pages/tickets/tickets');
    },

    onRepair() {
      nav.go('/pages/repair/repair');
    },

    onTemperature() {
      nav.go('/pages/temperature/temperature');
    },

    onOptOut() {
      nav.go('/pages/opt-out/opt-out');
    },

    onMessages() {
      nav.go('/pages/messages/messages');
    },

    onKb() {
      nav.go('/pages/kb/kb');
    },

    onNotifySettings() {
      nav.go('/pages/notify-settings/notify-settings');
    },
  },
});
