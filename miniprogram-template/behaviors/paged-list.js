'use strict';
/**
 * A list read 20 rows at a time: the first page on load, pull-down and 重试 (and again on return from a row the
 * user opened: set `this.leftForAnother` before leaving), the next page at the bottom. Only the newest load
 * may answer (a slow older one is dropped), and a row that slid into the next page while rows were added is
 * shown once.
 *
 * The page provides `fetchPage(offset, first)` → `{ items, total, unread }` and `rowsOf(items)` (views, each
 * with an `id`); `arrange(rows)` may reorder what is shown (the default keeps the server's order).
 */
const auth = require('../services/auth');
const { messageOf } = require('../utils/api');

const PAGE_SIZE = 20;

module.exports = Behavior({
  data: {
    loading: true,
    loadingMore: false,
    error: '',
    items: [],
    total: 0,
    unread: 0,
    hasMore: false,
  },
  methods: {
    onShow() {
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

    onRetry() {
      this.setData({ loading: true });
      return this.load();
    },

    async load() {
      const seq = (this.loadSeq || 0) + 1;
      this.loadSeq = seq;
      this.setData({ error: '' });
      try {
        await auth.ensureLogin();
        const page = await this.fetchPage(0, PAGE_SIZE);
        if (seq !== this.loadSeq) return;
        this.showPage(page, this.rowsOf(page.items), page.items.length);
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
        const page = await this.fetchPage(this.data.items.length, PAGE_SIZE);
        if (seq !== this.loadSeq) return;
        const known = new Set(this.data.items.map((r) => r.id));
        const rows = this.data.items.concat(this.rowsOf(page.items).filter((r) => !known.has(r.id)));
        this.showPage(page, rows, page.items.length);
      } catch (err) {
        this.setData({ loadingMore: false });
      }
    },

    showPage(page, rows, fetched) {
      this.setData({
        loading: false,
        loadingMore: false,
        items: typeof this.arrange === 'function' ? this.arrange(rows) : rows,
        total: page.total,
        unread: page.unread,
        hasMore: fetched > 0 && rows.length < page.total,
      });
    },
  },
});
