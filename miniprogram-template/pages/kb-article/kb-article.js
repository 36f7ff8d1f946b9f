'use strict';
/** One knowledge-base article (?id=): its category, title, body (sanitized HTML) as rich text; the service phone. */
const pageBehavior = require('../../behaviors/page');
const auth = require('../../services/auth');
const messaging = require('../../services/messaging');
const richtext = require('../../utils/richtext');
const { dateTime } = require('../../utils/format');
const { messageOf } = require('../../utils/api');

Component({
  behaviors: [pageBehavior],
  data: {
    loading: true,
    error: '',
    notFound: false,
    article: null,
    html: '',
  },
  methods: {
    onLoad(options) {
      this.articleId = options && options.id ? decodeURIComponent(String(options.id)) : '';
      return this.load();
    },

    async load() {
      if (!this.articleId) {
        this.setData({ loading: false, notFound: true });
        return;
      }
      this.setData({ error: '' });
      try {
        await auth.ensureLogin();
        const found = await messaging.kbArticle(this.articleId);
        if (!found) {
          this.setData({ loading: false, notFound: true });
          return;
        }
        this.setData({
          loading: false,
          notFound: false,
          article: { id: String(found.id), title: found.title, categoryName: (found.category && found.category.name) || '', updatedAt: dateTime(found.updatedAt) },
          html: richtext.prepare(found.body),
        });
      } catch (err) {
        this.setData({ loading: false, error: messageOf(err) });
      }
    },

    onRetry() {
      this.setData({ loading: true });
      return this.load();
    },
  },
});
