'use strict';
/** One announcement (?id=): title, date, the body (sanitized HTML) as rich text; opening it marks it read. */
const pageBehavior = require('../../behaviors/page');
const auth = require('../../services/auth');
const messaging = require('../../services/messaging');
const richtext = require('../../utils/richtext');
const { messageOf } = require('../../utils/api');
const { announcementView } = require('../../utils/messages');

Component({
  behaviors: [pageBehavior],
  data: {
    loading: true,
    error: '',
    notFound: false,
    announcement: null,
    html: '',
  },
  methods: {
    onLoad(options) {
      this.announcementId = options && options.id ? decodeURIComponent(String(options.id)) : '';
      return this.load();
    },

    async load() {
      if (!this.announcementId) {
        this.setData({ loading: false, notFound: true });
        return;
      }
      this.setData({ error: '' });
      let found;
      try {
        await auth.ensureLogin();
        found = await messaging.announcement(this.announcementId);
      } catch (err) {
        this.setData({ loading: false, error: messageOf(err) });
        return;
      }
      if (!found) {
        this.setData({ loading: false, notFound: true });
        return;
      }
      this.setData({ loading: false, notFound: false, announcement: announcementView(found), html: richtext.prepare(found.body) });
      if (!found.read) await this.markRead();
    },

    /** Read state is a nicety: a failure leaves the dot for next time, the page stays. */
    async markRead() {
      try {
        await messaging.markAnnouncementRead(this.announcementId);
        this.setData({ 'announcement.read': true });
      } catch (err) {
        // ignore
      }
    },

    onRetry() {
      this.setData({ loading: true });
      return this.load();
    },
  },
});
