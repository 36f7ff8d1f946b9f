'use strict';
/** My e-invoices (blue and red), newest first, 20 at a time; the title book is one tap away. */
const pageBehavior = require('../../behaviors/page');
const auth = require('../../services/auth');
const invoicesApi = require('../../services/invoices');
const nav = require('../../utils/nav');
const { invoiceView } = require('../../utils/invoice');
const { messageOf } = require('../../utils/api');

const PAGE_SIZE = 20;

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

    onShow() {
      // back from a detail page: statuses move (开票中 → 已开票) while the resident looks
      if (!this.openedDetail) return undefined;
      this.openedDetail = false;
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
        const page = await invoicesApi.myInvoices(0, PAGE_SIZE);
        const items = page.items.map(invoiceView);
        this.setData({ loading: false, items, totalCount: page.totalCount, hasMore: items.length < page.totalCount });
      } catch (err) {
        this.setData({ loading: false, error: messageOf(err) });
      }
    },

    async loadMore() {
      if (!this.data.hasMore || this.data.loadingMore) return;
      this.setData({ loadingMore: true });
      try {
        const page = await invoicesApi.myInvoices(this.data.items.length, PAGE_SIZE);
        const items = this.data.items.concat(page.items.map(invoiceView));
        this.setData({ loadingMore: false, items, totalCount: page.totalCount, hasMore: items.length < page.totalCount && page.items.length > 0 });
      } catch (err) {
        this.setData({ loadingMore: false });
      }
    },

    onOpen(e) {
      this.openedDetail = true;
      nav.go('/pages/invoice-detail/invoice-detail', { id: e.currentTarget.dataset.id });
    },

    onTitles() {
      nav.go('/pages/invoice-titles/invoice-titles');
    },

    onRetry() {
      this.setData({ loading: true });
      return this.load();
    },
  },
});
