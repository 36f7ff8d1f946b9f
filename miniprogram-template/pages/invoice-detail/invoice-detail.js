'use strict';
/**
 * One of my invoices (?id=…): status, lines with how their tax was computed,
 * the PDF (downloaded with the resident's token, opened in WeChat), and the
 * red invoices that reversed it after refunds.
 */
const pageBehavior = require('../../behaviors/page');
const auth = require('../../services/auth');
const invoicesApi = require('../../services/invoices');
const nav = require('../../utils/nav');
const wxp = require('../../utils/wxp');
const { invoiceView } = require('../../utils/invoice');
const { messageOf } = require('../../utils/api');

Component({
  behaviors: [pageBehavior],
  data: { loading: true, error: '', notFound: false, invoice: null, pdfBusy: false },
  methods: {
    onLoad(options) {
      this.invoiceId = options && options.id ? decodeURIComponent(options.id) : '';
      return this.load();
    },

    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh());
    },

    async load() {
      this.setData({ error: '' });
      try {
        await auth.ensureLogin();
        const invoice = this.invoiceId ? await invoicesApi.myInvoice(this.invoiceId) : null;
        this.setData({ loading: false, notFound: !invoice, invoice: invoice ? invoiceView(invoice) : null });
      } catch (err) {
        this.setData({ loading: false, error: messageOf(err) });
      }
    },

    onRefresh() {
      return this.load();
    },

    onRetry() {
      this.setData({ loading: true });
      return this.load();
    },

    /** 查看发票: download the PDF with the resident's token and open it; failures end in a toast. */
    async onPdf() {
      const invoice = this.data.invoice;
      if (!invoice || !invoice.pdfUrl || this.data.pdfBusy) return;
      this.setData({ pdfBusy: true });
      try {
        await invoicesApi.openPdf(invoice.pdfUrl);
      } catch (err) {
        wxp.toast(messageOf(err));
      } finally {
        this.setData({ pdfBusy: false });
      }
    },

    onRed(e) {
      nav.go('/pages/invoice-detail/invoice-detail', { id: e.currentTarget.dataset.id });
    },

    onBlue() {
      const invoice = this.data.invoice;
      if (invoice && invoice.blueId) nav.go('/pages/invoice-detail/invoice-detail', { id: invoice.blueId });
    },

    onOrder() {
      const invoice = this.data.invoice;
      if (invoice && invoice.outTradeNo) nav.go('/pages/order/order', { outTradeNo: invoice.outTradeNo });
    },
  },
});
