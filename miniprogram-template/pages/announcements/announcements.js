'use strict';
/** 通知公告: the company's announcements that reach my houses, pinned first, unread ones dotted, 20 at a time. */
const pageBehavior = require('../../behaviors/page');
const pagedList = require('../../behaviors/paged-list');
const messaging = require('../../services/messaging');
const nav = require('../../utils/nav');
const { announcementView, pinnedFirst } = require('../../utils/messages');

Component({
  // onShow (back from an announcement: it is read now), pull-down, the next page and 重试 come from pagedList
  behaviors: [pageBehavior, pagedList],
  methods: {
    onLoad() {
      return this.load();
    },

    fetchPage(offset, first) {
      return messaging.announcements(offset, first);
    },

    rowsOf(items) {
      return items.map(announcementView);
    },

    arrange(rows) {
      return pinnedFirst(rows);
    },

    onOpen(e) {
      this.leftForAnother = true;
      nav.go('/pages/announcement-detail/announcement-detail', { id: e.currentTarget.dataset.id });
    },
  },
});
