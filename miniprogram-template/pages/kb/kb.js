'use strict';
/**
 * 常见问题: the company's knowledge base (how bills are computed, 报停 rules, temperature standards, payment
 * help): categories, a search, the articles 20 at a time; the service phone (branding) one tap away.
 */
const pageBehavior = require('../../behaviors/page');
const auth = require('../../services/auth');
const messaging = require('../../services/messaging');
const nav = require('../../utils/nav');
const { messageOf } = require('../../utils/api');
const { articleView } = require('../../utils/messages');

const PAGE_SIZE = 20;
const MAX_SEARCH = 40;

Component({
  behaviors: [pageBehavior],
  data: {
    loading: true,
    listLoading: false,
    loadingMore: false,
    error: '',
    categories: [],
    categoryId: '',
    searchText: '',
    search: '',
    items: [],
    total: 0,
    hasMore: false,
  },
  methods: {
    onLoad(options) {
      const o = options || {};
      if (o.categoryId) this.setData({ categoryId: String(o.categoryId) });
      return this.load();
    },

    onReachBottom() {
      return this.loadMore();
    },

    async load() {
      this.setData({ error: '' });
      try {
        await auth.ensureLogin();
        const [categories] = await Promise.all([messaging.kbCategories(), this.loadArticles()]);
        this.setData({
          loading: false,
          categories: categories.map((c) => ({ id: String(c.id), name: c.name, count: c.articleCount || 0 })),
        });
      } catch (err) {
        this.setData({ loading: false, error: messageOf(err) });
      }
    },

    /** The first page of articles for the chosen category and search; throws for load() to show. */
    async loadArticles() {
      const seq = (this.listSeq || 0) + 1;
      this.listSeq = seq;
      const page = await messaging.kbArticles({
        categoryId: this.data.categoryId, search: this.data.search, offset: 0, first: PAGE_SIZE,
      });
      if (seq !== this.listSeq) return;
      const items = page.items.map(articleView);
      this.setData({ listLoading: false, items, total: page.total, hasMore: items.length < page.total });
    },

    async reloadArticles() {
      this.setData({ listLoading: true, error: '' });
      try {
        await this.loadArticles();
      } catch (err) {
        this.setData({ listLoading: false, error: messageOf(err) });
      }
    },

    async loadMore() {
      if (!this.data.hasMore || this.data.loadingMore) return;
      const seq = this.listSeq;
      this.setData({ loadingMore: true });
      try {
        const page = await messaging.kbArticles({
          categoryId: this.data.categoryId, search: this.data.search, offset: this.data.items.length, first: PAGE_SIZE,
        });
        if (seq !== this.listSeq) return;
        const items = this.data.items.concat(page.items.map(articleView));
        this.setData({ loadingMore: false, items, total: page.total, hasMore: page.items.length > 0 && items.length < page.total });
      } catch (err) {
        this.setData({ loadingMore: false });
      }
    },

    onCategory(e) {
      const id = String(e.currentTarget.dataset.id || '');
      if (id === this.data.categoryId) return undefined;
      this.setData({ categoryId: id });
      return this.reloadArticles();
    },

    onSearchInput(e) {
      this.setData({ searchText: String(e.detail.value || '').slice(0, MAX_SEARCH) });
    },

    onSearch() {
      const search = this.data.searchText.trim();
      if (search === this.data.search) return undefined;
      this.setData({ search });
      return this.reloadArticles();
    },

    onClearSearch() {
      this.setData({ searchText: '' });
      return this.onSearch();
    },

    onOpen(e) {
      nav.go('/pages/kb-article/kb-article', { id: e.currentTarget.dataset.id });
    },

    onRetry() {
      this.setData({ loading: true });
      return this.load();
    },
  },
});
