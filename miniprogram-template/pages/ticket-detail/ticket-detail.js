'use strict';
/**
 * One of my tickets (?id=…): status, what was reported (photos, temperature), who handles it and by when,
 * the timeline, the technician's inspections (each room's temperature, compliant or not, the cause), the
 * shortfall period and its compensation with the explanation lines that reach the bill; and what I may do
 * now (residentActions): confirm with a rating of 1–5 and a comment, reopen with a reason, cancel.
 */
const pageBehavior = require('../../behaviors/page');
const auth = require('../../services/auth');
const servicesApi = require('../../services/services');
const wxp = require('../../utils/wxp');
const { messageOf } = require('../../utils/api');
const { ticketView, RATING_TEXT } = require('../../utils/tickets');

const STARS = [1, 2, 3, 4, 5];

Component({
  behaviors: [pageBehavior],
  data: {
    loading: true,
    error: '',
    notFound: false,
    ticket: null,
    panel: '', // '' | confirm | reopen | cancel
    stars: STARS,
    rating: 0,
    ratingText: '',
    comment: '',
    reason: '',
    actionError: '',
    busy: false,
  },
  methods: {
    onLoad(options) {
      this.ticketId = options && options.id ? String(options.id) : '';
      return this.load();
    },

    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh());
    },

    async load() {
      this.setData({ error: '' });
      if (!this.ticketId) {
        this.setData({ loading: false, notFound: true });
        return;
      }
      try {
        await auth.ensureLogin();
        const ticket = await servicesApi.myTicket(this.ticketId);
        this.setData({ loading: false, notFound: !ticket, ticket: ticket ? ticketView(ticket) : null });
      } catch (err) {
        this.setData({ loading: false, error: messageOf(err) });
      }
    },

    onRetry() {
      this.setData({ loading: true });
      return this.load();
    },

    onPreview(e) {
      const group = e.currentTarget.dataset.group;
      const t = this.data.ticket;
      const photos = group === 'ticket' ? t.photos : (t.inspections.find((i) => i.id === group) || { photos: [] }).photos;
      wx.previewImage({ urls: photos.map((p) => p.url), current: e.currentTarget.dataset.url, fail: () => {} });
    },

    onPanel(e) {
      const panel = e.currentTarget.dataset.panel || '';
      this.setData({ panel: panel === this.data.panel ? '' : panel, actionError: '', reason: '', comment: '', rating: 0, ratingText: '' });
    },

    onRate(e) {
      const rating = Number(e.currentTarget.dataset.rating);
      this.setData({ rating, ratingText: RATING_TEXT[rating], actionError: '' });
    },

    onInput(e) {
      this.setData({ [e.currentTarget.dataset.field]: String(e.detail.value || ''), actionError: '' });
    },

    async act(run, doneText) {
      if (this.data.busy) return;
      this.setData({ busy: true, actionError: '' });
      try {
        await run();
      } catch (err) {
        this.setData({ busy: false, actionError: messageOf(err) });
        return;
      }
      this.setData({ busy: false, panel: '', reason: '', comment: '', rating: 0, ratingText: '' });
      wxp.toast(doneText, 'success');
      await this.load();
    },

    onConfirm() {
      const d = this.data;
      if (!d.rating) {
        this.setData({ actionError: '请为本次服务打分' });
        return undefined;
      }
      return this.act(() => servicesApi.confirmTicket(d.ticket.id, d.rating, d.comment.trim()), '感谢您的评价');
    },

    onReopen() {
      const d = this.data;
      if (!d.reason.trim()) {
        this.setData({ actionError: '请说明仍未解决的问题' });
        return undefined;
      }
      return this.act(() => servicesApi.reopenTicket(d.ticket.id, d.reason.trim()), '已重新提交');
    },

    onCancel() {
      const d = this.data;
      return this.act(() => servicesApi.cancelTicket(d.ticket.id, d.reason.trim()), '已撤销');
    },
  },
});
