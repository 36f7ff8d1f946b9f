'use strict';
/**
 * 消息中心: my in-app inbox — every message the company sent me (bill notices, receipts, invoices, ticket
 * progress), newest first, 20 at a time, unread ones dotted. Tapping one marks it read and opens its page
 * (the bill, the order, the invoice, the ticket); 全部已读 clears every dot.
 */
const pageBehavior = require('../../behaviors/page');
const pagedList = require('../../behaviors/paged-list');
const messaging = require('../../services/messaging');
const nav = require('../../utils/nav');
const wxp = require('../../utils/wxp');
const { messageOf } = require('../../utils/api');
const { messageView, target } = require('../../utils/messages');

Component({
  // onShow (back from a message's page), pull-down, the next page and 重试 come from pagedList
  behaviors: [pageBehavior, pagedList],
  data: {
    marking: false,
  },
  methods: {
    onLoad() {
      this.pages = {};
      return this.load();
    },

    fetchPage(offset, first) {
      return messaging.myMessages(offset, first);
    },

    /** Views for the list; each message's own page is kept aside for onOpen. */
    rowsOf(rows) {
      rows.forEach((m) => { this.pages[String(m.id)] = m.page || ''; });
      return rows.map(messageView);
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
  },
});
