'use strict';
/** 我的工单: my houses' tickets (报修 / 投诉 / 室温报告), newest first, 20 at a time, by status; new ones one tap away. */
const pageBehavior = require('../../behaviors/page');
const auth = require('../../services/auth');
const servicesApi = require('../../services/services');
const nav = require('../../utils/nav');
const { messageOf } = require('../../utils/api');
const { ticketListView, TICKET_FILTERS } = require('../../utils/tickets');

const PAGE_SIZE = 20;

Component({
  behaviors: [pageBehavior],
  data: {
    loading: true,
    loadingMore: false,
    error: '',
    filters: TICKET_FILTERS,
    status: '',
    items: [],
    totalCount: 0,
    hasMore: false,
  },
  methods: {
    onLoad(options) {
      const status = String((options && options.status) || '').toUpperCase();
      if (TICKET_FILTERS.some((f) => f.key === status)) this.setData({ status });
      return this.load();
    },

    onShow() {
      // back from a ticket or a new report: statuses move while the resident looks
      if (!this.leftForAnother) return undefined;
      this.leftForAnother = false;
      return this.load();
    },

    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh());
    },

    onReachBottom() {
      return this.loadMore();
    },

    async load() {
      const seq = (this.loadSeq || 0) + 1;
      this.loadSeq = seq;
      this.setData({ error: '' });
      try {
        await auth.ensureLogin();
        const page = await servicesApi.myTickets(this.data.status || null, 0, PAGE_SIZE);
        if (seq !== this.loadSeq) return;
        const items = page.items.map(ticketListView);
        this.setData({ loading: false, items, totalCount: page.totalCount, hasMore: items.length < page.totalCount });
      } catch (err) {
        if (seq !== this.loadSeq) return;
        this.setData({ loading: false, error: messageOf(err) });
      }
    },

    async loadMore() {
      if (!this.data.hasMore || this.data.loadingMore) return;
      const seq = this.loadSeq;
      this.setData({ loadingMore: true });
      try {
        const page = await servicesApi.myTickets(this.data.status || null, this.data.items.length, PAGE_SIZE);
        if (seq !== this.loadSeq) return;
        const items = this.data.items.concat(page.items.map(ticketListView));
        this.setData({ loadingMore: false, items, totalCount: page.totalCount, hasMore: items.length < page.totalCount && page.items.length > 0 });
      } catch (err) {
        this.setData({ loadingMore: false });
      }
    },

    onFilter(e) {
      const status = e.currentTarget.dataset.key || '';
      if (status === this.data.status) return undefined;
      this.setData({ status, loading: true, items: [] });
      return this.load();
    },

    onOpen(e) {
      this.leftForAnother = true;
      nav.go('/pages/ticket-detail/ticket-detail', { id: e.currentTarget.dataset.id });
    },

    onNew(e) {
      this.leftForAnother = true;
      const target = e.currentTarget.dataset.target;
      if (target === 'temperature') nav.go('/pages/temperature/temperature');
      else nav.go('/pages/repair/repair', { kind: target === 'complaint' ? 'COMPLAINT' : 'REPAIR' });
    },

    onRetry() {
      this.setData({ loading: true });
      return this.load();
    },
  },
});
