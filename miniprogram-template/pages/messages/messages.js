'use strict';
/**
 * 消息中心: my in-app inbox — every message the company sent me (bill notices, receipts, invoices, ticket
 * progress), newest first, 20 at a time, unread ones dotted. Tapping one marks it read and opens its page
 * (the bill, the order, the invoice, the ticket); 全部已读 clears every dot.
 */
const pageBehavior = require('../../behaviors/page');
const auth = require('../../services/auth');
const messaging = require('../../services/messaging');
const nav = require('../../utils/nav');
const wxp = require('../../utils/wxp');
const { messageOf } = require('../../utils/api');
const { messageView, target } = require('../../utils/messages');

const PAGE_SIZE = 20;

Component({
  behaviors: [pageBehavior],
  data: {
    loading: true,
    loadingMore: false,
    error: '',
    items: [],
    total: 0,
    unread: 0,
    hasMore: false,
    marking: false,
  },
  methods: {
    onLoad() {
      this.pages = {};
      return this.load();
    },

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

    remember(rows) {
      rows.forEach((m) => { this.pages[String(m.id)] = m.page || ''; });
      return rows.map(messageView);
    },

    async load() {
      const seq = (this.loadSeq || 0) + 1;
      this.loadSeq = seq;
      this.setData({ error: '' });
      try {
        await auth.ensureLogin();
        const page = await messaging.myMessages(0, PAGE_SIZE);
        if (seq !== this.loadSeq) return;
        const items = this.remember(page.items);
        this.setData({ loading: false, items, total: page.total, unread: page.unread, hasMore: items.length < page.total });
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
        const page = await messaging.myMessages(this.data.items.length, PAGE_SIZE);
        if (seq !== this.loadSeq) return;
        const known = new Set(this.data.items.map((m) => m.id));
        const items = this.data.items.concat(this.remember(page.items).filter((m) => !known.has(m.id)));
        this.setData({ loadingMore: false, items, total: page.total, unread: page.unread,
          hasMore: page.items.length > 0 && items.length < page.total });
      } catch (err) {
        this.setData({ loadingMore: false });
      }
    },

    /** Marked read here at once; the server is told on the side (a failure only leaves the dot for next time). */
    onOpen(e) {
      const id = String(e.currentTarget.dataset.id);
      const index = this.data.items.findIndex((m) => m.id === id);
      if (index < 0) return undefined;
      const marking = this.data.items[index].read ? Promise.resolve() : this.markOne(index, id);
      const where = target(this.pages[id]);
      if (!where) return marking;
      this.leftForAnother = true;
      if (where.tab) wx.switchTab({ url: where.url });
      else wx.navigateTo({ url: where.url });
      return marking;
    },

    async markOne(index, id) {
      this.setData({ [`items[${index}].read`]: true, unread: Math.max(0, this.data.unread - 1) });
      try {
        await messaging.markMessagesRead([id]);
      } catch (err) {
        // ignore: read state is not worth an error
      }
    },

    async onMarkAll() {
      if (!this.data.unread || this.data.marking) return;
      this.setData({ marking: true });
      try {
        await messaging.markMessagesRead(null, true);
        this.setData({ marking: false, unread: 0, items: this.data.items.map((m) => Object.assign({}, m, { read: true })) });
      } catch (err) {
        this.setData({ marking: false });
        wxp.toast(messageOf(err));
      }
    },

    onRetry() {
      this.setData({ loading: true });
      return this.load();
    },
  },
});
