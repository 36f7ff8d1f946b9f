'use strict';
/**
 * Shared by the resident-service forms (报修 / 投诉, 室温报告, 报停 / 恢复供暖): the house to preselect, retry,
 * binding a house, the text inputs, the photo picker's state, and both ends of a submit: the form's own
 * errors or an upload still running stop it; the server's field errors land under their fields.
 * A 报修 or 室温 form files its ticket and opens the ticket's page. The page adds its own `form` to the data,
 * sets `this.wantedHouseId` (the ?houseId= it was opened with) and `this.photoIds` in onLoad, and has a load().
 * Filing a ticket asks for the ticket-update subscription grant in the submit tap (utils/subscribe.js).
 */
const servicesApi = require('../services/services');
const session = require('../utils/session');
const subscribe = require('../utils/subscribe');
const nav = require('../utils/nav');
const wxp = require('../utils/wxp');
const { isApiError, messageOf, KINDS } = require('../utils/api');
const { splitErrors } = require('../utils/tickets');

/** Free text is kept as typed (and checked trimmed); every other input is trimmed. */
const FREE_TEXT = ['description', 'reason'];

module.exports = Behavior({
  data: {
    loading: true,
    error: '',
    houses: [],
    houseId: '',
    uploading: 0,
    errors: {},
    formError: '',
    submitting: false,
  },
  lifetimes: {
    attached() {
      // the template ids ready for the submit tap (WeChat opens its sheet only from a tap); logged in already
      // when coming from 首页 or 我的, and otherwise fetched at the tap
      if (session.hasToken()) subscribe.prepare(subscribe.SCENES.TICKET);
    },
  },
  methods: {
    /** The house to preselect: the one chosen (or asked for) if it is among mine, else my only one, else none. */
    houseToSelect(options) {
      const wanted = options.find((h) => h.id === (this.data.houseId || this.wantedHouseId));
      return wanted ? wanted.id : (options.length === 1 ? options[0].id : '');
    },

    onRetry() {
      this.setData({ loading: true });
      return this.load();
    },

    onBindHouse() {
      nav.go('/pages/house-bind/house-bind');
    },

    onInput(e) {
      const field = e.currentTarget.dataset.field;
      const value = String(e.detail.value || '');
      this.setData({ [`form.${field}`]: FREE_TEXT.indexOf(field) >= 0 ? value : value.trim(), [`errors.${field}`]: '', formError: '' });
    },

    onPhotos(e) {
      this.photoIds = e.detail.photoIds;
      this.setData({ uploading: e.detail.uploading, 'errors.photoIds': '' });
    },

    /** The form's own errors shown, or an upload still running: false. Else `submitting` is set: true. */
    startSubmit(errors) {
      if (Object.keys(errors).length) {
        this.setData({ errors, formError: '' });
        return false;
      }
      if (this.data.uploading) {
        this.setData({ formError: '图片正在上传，请稍候再提交' });
        return false;
      }
      this.setData({ submitting: true, errors: {}, formError: '' });
      return true;
    },

    /** A refused submit: the API's errors on the `fields` it names under them, anything else as the form's error. */
    submitFailed(err, fields) {
      const state = { submitting: false };
      if (isApiError(err) && err.kind === KINDS.PAYLOAD) {
        const split = splitErrors(err.errors, fields);
        state.errors = split.fields;
        state.formError = split.formError;
      } else {
        state.formError = messageOf(err);
      }
      this.setData(state);
    },

    /**
     * Files a ticket: `input` (kind, category or temperature, description) for the house chosen, with the form's
     * contact and the photos. Refused: the errors on the `fields` under them. Filed: the ticket's page opens.
     */
    async fileTicket(input, fields) {
      const d = this.data;
      // still inside the submit tap: ask for ticket-update grants now; the ticket is filed whatever the answer
      const asked = subscribe.ask(subscribe.SCENES.TICKET);
      let ticket;
      try {
        ticket = await servicesApi.submitTicket(Object.assign({ houseId: d.houseId }, input, {
          contactName: d.form.contactName,
          contactPhone: d.form.contactPhone,
          photoIds: this.photoIds,
        }));
      } catch (err) {
        this.submitFailed(err, fields);
        return;
      }
      await asked;
      this.setData({ submitting: false });
      wxp.toast('已提交', 'success');
      nav.redirect('/pages/ticket-detail/ticket-detail', { id: ticket.id });
    },
  },
});
