'use strict';
/**
 * Ask for the e-invoice of a paid order (?outTradeNo=…): a saved title (抬头)
 * or one entered now — 个人 (name, optional phone/email) or 单位 (name + tax
 * number, optional address/phone/bank) — optionally saved to the title book.
 * The server's field errors land under their fields.
 */
const pageBehavior = require('../../behaviors/page');
const auth = require('../../services/auth');
const paymentsApi = require('../../services/payments');
const invoicesApi = require('../../services/invoices');
const nav = require('../../utils/nav');
const wxp = require('../../utils/wxp');
const { yuan } = require('../../utils/money');
const { isApiError, messageOf, KINDS } = require('../../utils/api');
const {
  titleView, emptyTitleForm, validateTitle, titleInput, splitFieldErrors, normalizeTaxNo,
} = require('../../utils/invoice');

Component({
  behaviors: [pageBehavior],
  data: {
    loading: true,
    error: '',
    notFound: false,
    order: null,
    titles: [],
    selectedTitleId: '', // '' = a title entered on this page
    form: emptyTitleForm('PERSONAL'),
    saveTitle: false,
    errors: {},
    formError: '',
    submitting: false,
  },
  methods: {
    onLoad(options) {
      this.outTradeNo = options && options.outTradeNo ? decodeURIComponent(options.outTradeNo) : '';
      return this.load();
    },

    onShow() {
      // back from the title book: its titles may have changed
      if (!this.managingTitles) return undefined;
      this.managingTitles = false;
      return this.loadTitles();
    },

    async load() {
      this.setData({ error: '' });
      try {
        await auth.ensureLogin();
        const [order, titles] = await Promise.all([
          this.outTradeNo ? paymentsApi.order(this.outTradeNo) : null,
          invoicesApi.myInvoiceTitles(),
        ]);
        const state = { loading: false, notFound: !order, order: null };
        if (order) {
          state.order = { id: String(order.id), outTradeNo: order.outTradeNo, amountText: yuan(order.amountFen), paid: order.status === 'PAID' };
        }
        Object.assign(state, this.titlesState(titles));
        this.setData(state);
      } catch (err) {
        this.setData({ loading: false, error: messageOf(err) });
      }
    },

    /** The saved titles, the default one picked (or the one picked before, while it exists). */
    titlesState(titles) {
      const views = titles.map(titleView);
      const current = this.data.selectedTitleId;
      const keep = current && views.some((t) => t.id === current);
      const def = views.find((t) => t.isDefault) || null;
      return { titles: views, selectedTitleId: keep ? current : (def ? def.id : '') };
    },

    async loadTitles() {
      try {
        this.setData(this.titlesState(await invoicesApi.myInvoiceTitles()));
      } catch (err) {
        // keep what is shown; submitting tells the truth
      }
    },

    onRetry() {
      this.setData({ loading: true });
      return this.load();
    },

    onPickTitle(e) {
      this.setData({ selectedTitleId: String(e.currentTarget.dataset.id || ''), errors: {}, formError: '' });
    },

    onKind(e) {
      this.setData({ 'form.kind': e.currentTarget.dataset.kind, errors: {}, formError: '' });
    },

    onInput(e) {
      const field = e.currentTarget.dataset.field;
      let value = String(e.detail.value || '');
      value = field === 'taxNo' ? normalizeTaxNo(value) : value.trim();
      this.setData({ [`form.${field}`]: value, [`errors.${field}`]: '', formError: '' });
    },

    onSaveTitle(e) {
      this.setData({ saveTitle: Boolean(e.detail.value) });
    },

    onManageTitles() {
      this.managingTitles = true;
      nav.go('/pages/invoice-titles/invoice-titles');
    },

    async onSubmit() {
      const d = this.data;
      if (d.submitting || !d.order || !d.order.paid) return;
      let choice;
      let input = null;
      if (d.selectedTitleId) {
        choice = { titleId: d.selectedTitleId };
      } else {
        const errors = validateTitle(d.form);
        if (Object.keys(errors).length) {
          this.setData({ errors, formError: '' });
          return;
        }
        input = titleInput(d.form, false);
        choice = { title: input };
      }
      this.setData({ submitting: true, errors: {}, formError: '' });
      let invoice;
      try {
        invoice = await invoicesApi.requestInvoice(d.order.id, choice);
      } catch (err) {
        const state = { submitting: false };
        if (isApiError(err) && err.kind === KINDS.PAYLOAD) {
          const split = splitFieldErrors(err.errors);
          state.errors = input ? split.fields : {};
          state.formError = input ? split.formError : err.errors.map((e) => e.message).filter(Boolean).join('；');
        } else {
          state.formError = messageOf(err);
        }
        this.setData(state);
        return;
      }
      let note = '已提交开票申请';
      if (input && d.saveTitle) {
        // the invoice is asked for already: a title that cannot be saved only changes the toast
        try {
          await invoicesApi.saveInvoiceTitle(null, titleInput(d.form, true), d.titles.length === 0);
        } catch (err) {
          note = '发票已申请，抬头未能保存';
        }
      }
      this.setData({ submitting: false });
      wxp.toast(note, note === '已提交开票申请' ? 'success' : 'none');
      nav.redirect('/pages/invoice-detail/invoice-detail', { id: invoice.id });
    },
  },
});
