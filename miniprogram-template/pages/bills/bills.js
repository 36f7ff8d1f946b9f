'use strict';
/** All bills of my houses (newest season first), filterable by house. */
const pageBehavior = require('../../behaviors/page');
const auth = require('../../services/auth');
const billsApi = require('../../services/bills');
const theme = require('../../utils/theme');
const nav = require('../../utils/nav');
const { billView } = require('../../utils/format');
const { messageOf } = require('../../utils/api');

function houseChips(views) {
  const seen = {};
  const chips = [];
  views.forEach((b) => {
    if (!seen[b.houseId]) {
      seen[b.houseId] = true;
      chips.push({ id: b.houseId, accountNo: b.accountNo });
    }
  });
  return chips;
}

Component({
  behaviors: [pageBehavior],
  data: {
    loading: true,
    error: '',
    houseFilter: '',
    chips: [],
    bills: [],
  },
  methods: {
    onLoad(options) {
      if (options && options.houseId) this.setData({ houseFilter: String(options.houseId) });
    },

    onShow() {
      theme.applyTabBar();
      this.refreshTheme();
      const handoff = nav.takeHandoff('/pages/bills/bills');
      if (handoff && handoff.houseId) this.setData({ houseFilter: String(handoff.houseId) });
      return this.load();
    },

    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh());
    },

    async load() {
      this.setData({ loading: !this.all, error: '' });
      try {
        await auth.ensureLogin();
        this.all = (await billsApi.myBills()).map(billView);
        this.setData({ loading: false, chips: houseChips(this.all) });
        this.applyFilter();
      } catch (err) {
        this.setData({ loading: false, error: messageOf(err) });
      }
    },

    applyFilter() {
      const filter = this.data.houseFilter;
      const bills = (this.all || []).filter((b) => !filter || b.houseId === filter);
      this.setData({ bills });
    },

    onFilter(e) {
      this.setData({ houseFilter: e.currentTarget.dataset.id || '' });
      this.applyFilter();
    },

    onOpen(e) {
      nav.go('/pages/bill-detail/bill-detail', { id: e.currentTarget.dataset.id });
    },

    onRetry() {
      return this.load();
    },
  },
});
