'use strict';
/** My payments, newest first, 20 at a time. */
const pageBehavior = require('../../behaviors/page');
const auth = require('../../services/auth');
const paymentsApi = require('../../services/payments');
const nav = require('../../utils/nav');
const { yuan } = require('../../utils/money');
const { dateTime, label, ORDER_STATUS, CHANNEL } = require('../../utils/format');
const { messageOf } = require('../../utils/api');

const PAGE_SIZE = 20;

function paymentView(p) {
  const accounts = [];
  (p.items || []).forEach((item) => {
    const no = item.bill && item.bill.house && item.bill.house.accountNo;
    if (no && accounts.indexOf(no) < 0) accounts.push(no);
  });
  const seasons = [];
  (p.items || []).forEach((item) => {
    const s = item.bill && item.bill.season;
    if (s && seasons.indexOf(s) < 0) seasons.push(s);
  });
  return {
    outTradeNo: p.outTradeNo,
    amountText: yuan(p.amountFen),
    status: p.status,
    statusText: label(ORDER_STATUS, p.status),
    channelText: label(CHANNEL, p.channel),
    time: dateTime(p.paidAt || p.createdAt),
    accounts: accounts.join('、'),
    seasons: seasons.join('、'),
    refunded: p.refundedFen > 0,
    refundedText: yuan(p.refundedFen || 0),
  };
}

Component({
  behaviors: [pageBehavior],
  data: {
    loading: true,
    loadingMore: false,
    error: '',
    items: [],
    totalCount: 0,
    hasMore: false,
  },
  methods: {
    onLoad() {
      return this.load();
    },

    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh());
    },

    onReachBottom() {
      return this.loadMore();
    },

    async load() {
      this.setData({ error: '' });
      try {
        await auth.ensureLogin();
        const page = await paymentsApi.myPayments(PAGE_SIZE, 0);
        const items = page.items.map(paymentView);
        this.setData({ loading: false, items, totalCount: page.totalCount, hasMore: items.length < page.totalCount });
      } catch (err) {
        this.setData({ loading: false, error: messageOf(err) });
      }
    },

    async loadMore() {
      if (!this.data.hasMore || this.data.loadingMore) return;
      this.setData({ loadingMore: true });
      try {
        const page = await paymentsApi.myPayments(PAGE_SIZE, this.data.items.length);
        const items = this.data.items.concat(page.items.map(paymentView));
        this.setData({ loadingMore: false, items, totalCount: page.totalCount, hasMore: items.length < page.totalCount && page.items.length > 0 });
      } catch (err) {
        this.setData({ loadingMore: false });
      }
    },

    onOpen(e) {
      nav.go('/pages/order/order', { outTradeNo: e.currentTarget.dataset.no });
    },

    onRetry() {
      return this.load();
    },
  },
});
