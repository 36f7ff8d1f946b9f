'use strict';
/** 通知公告: the company's announcements that reach my houses, pinned first, unread ones dotted, 20 at a time. */
const pageBehavior = require('../../behaviors/page');
const auth = require('../../services/auth');
const messaging = require('../../services/messaging');
const nav = require('../../utils/nav');
const { messageOf } = require('../../utils/api');
const { announcementView, pinnedFirst } = require('../../utils/messages');

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
  },
  methods: {
    onLoad() {
      return this.load();
    },

    onShow() {
      // back from an announcement: it is read now
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
        const page = await messaging.announcements(0, PAGE_SIZE);
        if (seq !== this.loadSeq) return;
        this.loaded = page.items.map(announcementView);
        this.show(page, this.loaded.length);
      } catch (err) {
        if (seq !== this.loadSeq) return;
        this.setData({ loading: false, error: messageOf(err) });
      }
    },

    show(page, fetched) {
      this.setData({
        loading: false,
        loadingMore: false,
        items: pinnedFirst(this.loaded),
        total: page.total,
        unread: page.unread,
        hasMore: fetched > 0 && this.loaded.length < page.total,
      });
    },

    async loadMore() {
      if (!this.data.hasMore || this.data.loadingMore) return;
      const seq = this.loadSeq;
      this.setData({ loadingMore: true });
      try {
        const page = await messaging.announcements(this.loaded.length, PAGE_SIZE);
        if (seq !== this.loadSeq) return;
        const known = new Set(this.loaded.map((a) => a.id));
        const fresh = page.items.map(announcementView).filter((a) => !known.has(a.id));
        this.loaded = this.loaded.concat(fresh);
        this.show(page, page.items.length);
      } catch (err) {
        this.setData({ loadingMore: false });
      }
    },

    onOpen(e) {
      this.leftForAnother = true;
      nav.go('/pages/announcement-detail/announcement-detail', { id: e.currentTarget.dataset.id });
    },

    onRetry() {
      this.setData({ loading: true });
      return this.load();
    },
  },
});
