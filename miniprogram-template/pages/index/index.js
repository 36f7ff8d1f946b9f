'use strict';
/**
 * Home: my houses with what is due now, the season, and 去缴费; shortcuts to the resident services; the latest
 * pinned announcement and unread badges on 消息中心 / 通知公告.
 */
const pageBehavior = require('../../behaviors/page');
const auth = require('../../services/auth');
const housesApi = require('../../services/houses');
const billsApi = require('../../services/bills');
const messaging = require('../../services/messaging');
const config = require('../../utils/config');
const theme = require('../../utils/theme');
const nav = require('../../utils/nav');
const { summarizeHouses } = require('../../utils/summary');
const { messageOf } = require('../../utils/api');
const { badge } = require('../../utils/messages');

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
    pinned: null, // {id, title}: the latest pinned announcement
    messagesBadge: '',
    announcementsBadge: '',
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
        const [houses, bills] = await Promise.all([housesApi.myHouses(), billsApi.myBills(), this.loadNotices(seq)]);
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

    /** Badges and the pinned announcement; never fails the page (they are extras). */
    async loadNotices(seq) {
      let notices;
      try {
        notices = await messaging.homeNotices();
      } catch (err) {
        return;
      }
      if (seq !== this.loadSeq) return;
      const latest = notices.latest;
      this.setData({
        pinned: latest && latest.pinned ? { id: String(latest.id), title: latest.title } : null,
        messagesBadge: badge(notices.unreadMessages),
        announcementsBadge: badge(notices.unreadAnnouncements),
      });
    },

    onRetry() {
      return this.load();
    },

    /** 消息中心 / 通知公告 / 常见问题 (data-target is the page's name). */
    onNotices(e) {
      const target = e.currentTarget.dataset.target;
      if (['messages', 'announcements', 'kb'].indexOf(target) >= 0) nav.go(`/pages/${target}/${target}`);
    },

    onPinned() {
      if (this.data.pinned) nav.go('/pages/announcement-detail/announcement-detail', { id: this.data.pinned.id });
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
