'use strict';
/** 我的: profile and phone, my houses, payment records, invoices, service phone, about. */
const pageBehavior = require('../../behaviors/page');
const auth = require('../../services/auth');
const session = require('../../utils/session');
const theme = require('../../utils/theme');
const nav = require('../../utils/nav');

Component({
  behaviors: [pageBehavior],
  data: {
    displayName: '',
    avatarText: '住',
    phoneMasked: '',
  },
  methods: {
    onShow() {
      theme.applyTabBar();
      this.refreshTheme();
      this.showProfile(session.getProfile());
      return auth.ensureLogin()
        .then(() => auth.fetchProfile())
        .then((profile) => this.showProfile(profile), () => {});
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
  },
});
