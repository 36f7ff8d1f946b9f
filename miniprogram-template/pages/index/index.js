'use strict';
/** Home: my houses with what is due now, the season, and 去缴费; shortcuts to the resident services. */
const pageBehavior = require('../../behaviors/page');
const auth = require('../../services/auth');
const housesApi = require('../../services/houses');
const billsApi = require('../../services/bills');
const config = require('../../utils/config');
const theme = require('../../utils/theme');
const nav = require('../../utils/nav');
const { summarizeHouses } = require('../../utils/summary');
const { messageOf } = require('../../utils/api');

Component({
  behaviors: [pageBehavior],
  data: {
    loading: true,
    error: '',
    notConfigured: false,
    houses: [],
    totalFen: 0,
    totalText: '¥0.00',
    allBillIdsParam: '',
    payableCount: 0,
  },
  methods: {
    onShow() {
      theme.applyTabBar();
      this.refreshTheme();
      return this.load();
    },

    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh());
    },

    async load() {
      if (!config.get().configured) {
        this.setData({ loading: false, notConfigured: true });
        return;
      }
      const seq = (this.loadSeq || 0) + 1;
      this.loadSeq = seq;
      this.setData({ loading: this.data.houses.length === 0, error: '' });
      try {
        await auth.ensureLogin();
        const [houses, bills] = await Promise.all([housesApi.myHouses(), billsApi.myBills()]);
        if (seq !== this.loadSeq) return;
        const summary = summarizeHouses(houses, bills);
        this.setData({
          loading: false,
          houses: summary.houses,
          totalFen: summary.totalFen,
          totalText: summary.totalText,
          allBillIdsParam: summary.allBillIdsParam,
          payableCount: summary.allBillIds.length,
        });
      } catch (err) {
        if (seq !== this.loadSeq) return;
        this.setData({ loading: false, error: messageOf(err) });
      }
    },

    onRetry() {
      return this.load();
    },

    onPay(e) {
      nav.go('/pages/pay/pay', { billIds: e.detail.billIds.join(',') });
    },

    onPayAll() {
      if (!this.data.allBillIdsParam) return;
      nav.go('/pages/pay/pay', { billIds: this.data.allBillIdsParam });
    },

    onHouseBills(e) {
      nav.go('/pages/bills/bills', { houseId: e.detail.houseId });
    },

    onBindHouse() {
      nav.go('/pages/house-bind/house-bind');
    },

    /** 报修投诉 / 室温报告 / 我的工单 / 报停 (data-target is the page's name). */
    onService(e) {
      const target = e.currentTarget.dataset.target;
      if (['repair', 'temperature', 'tickets', 'opt-out'].indexOf(target) >= 0) nav.go(`/pages/${target}/${target}`);
    },
  },
});
