'use strict';
/** One bill: every line with its explanation, and what is due now. */
const pageBehavior = require('../../behaviors/page');
const billsApi = require('../../services/bills');
const nav = require('../../utils/nav');
const { billView } = require('../../utils/format');
const { messageOf } = require('../../utils/api');

Component({
  behaviors: [pageBehavior],
  data: {
    loading: true,
    error: '',
    notFound: false,
    bill: null,
  },
  methods: {
    onLoad(options) {
      this.billId = options && options.id;
      return this.load();
    },

    onShow() {
      // back from paying: show the new status
      if (this.shownOnce) return this.load();
      this.shownOnce = true;
      return Promise.resolve();
    },

    async load() {
      if (!this.billId) {
        this.setData({ loading: false, notFound: true });
        return;
      }
      this.setData({ error: '' });
      try {
        const bill = await billsApi.bill(this.billId);
        this.setData({ loading: false, notFound: !bill, bill: bill ? billView(bill) : null });
      } catch (err) {
        this.setData({ loading: false, error: messageOf(err) });
      }
    },

    onRetry() {
      return this.load();
    },

    onPay() {
      if (!this.data.bill || !this.data.bill.payable) return;
      nav.go('/pages/pay/pay', { billIds: this.data.bill.id });
    },
  },
});
