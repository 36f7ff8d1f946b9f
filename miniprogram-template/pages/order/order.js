'use strict';
/**
 * One payment order (?outTradeNo=…): status, amount, the bills it paid, refunds;
 * for a counter (柜台) payment, its PDF receipt (查看收据); for a paid order, its
 * e-invoice (开发票, or 查看发票 once there is one).
 */
const pageBehavior = require('../../behaviors/page');
const paymentsApi = require('../../services/payments');
const invoicesApi = require('../../services/invoices');
const nav = require('../../utils/nav');
const wxp = require('../../utils/wxp');
const { yuan } = require('../../utils/money');
const { dateTime, label, ORDER_STATUS, CHANNEL } = require('../../utils/format');
const { messageOf } = require('../../utils/api');
const { INVOICE_STATUS } = require('../../utils/invoice');

function orderView(o) {
  return {
    id: String(o.id),
    outTradeNo: o.outTradeNo,
    status: o.status,
    // nothing left to invoice once all of it was refunded
    invoiceable: o.status === 'PAID' && (o.refundedFen || 0) < o.amountFen,
    statusText: label(ORDER_STATUS, o.status),
    channelText: label(CHANNEL, o.channel),
    amountText: yuan(o.amountFen),
    paidAt: dateTime(o.paidAt),
    refunded: o.refundedFen > 0,
    refundedText: yuan(o.refundedFen || 0),
    receiptUrl: o.receiptUrl || '',
    items: (o.items || []).map((item, index) => ({
      key: `${index}`,
      billId: item.bill ? item.bill.id : '',
      season: item.bill ? item.bill.season : '',
      accountNo: item.bill && item.bill.house ? item.bill.house.accountNo : '',
      amountText: yuan(item.amountFen),
    })),
  };
}

Component({
  behaviors: [pageBehavior],
  // invoice: null (none, or the server offers no invoices) | {id, statusText}; invoiceKnown: the lookup answered
  data: { loading: true, error: '', notFound: false, order: null, receiptBusy: false, invoice: null, invoiceKnown: false },
  methods: {
    onLoad(options) {
      this.outTradeNo = options && options.outTradeNo ? decodeURIComponent(options.outTradeNo) : '';
      return this.load();
    },

    async load() {
      this.setData({ error: '' });
      try {
        const order = this.outTradeNo ? await paymentsApi.order(this.outTradeNo) : null;
        this.setData({ loading: false, notFound: !order, order: order ? orderView(order) : null });
      } catch (err) {
        this.setData({ loading: false, error: messageOf(err) });
        return;
      }
      await this.loadInvoice();
    },

    /**
     * Whether the paid order has its invoice yet; no button while the company has e-invoices off, nor on any
     * failure (or a server without invoices).
     */
    async loadInvoice() {
      const order = this.data.order;
      if (!order || order.status !== 'PAID') {
        this.setData({ invoice: null, invoiceKnown: false });
        return;
      }
      try {
        if (!(await invoicesApi.options()).enabled) {
          this.setData({ invoiceKnown: false, invoice: null });
          return;
        }
        const invoice = await invoicesApi.forOrder(order.id);
        this.setData({ invoiceKnown: true, invoice: invoice ? { id: String(invoice.id), statusText: label(INVOICE_STATUS, invoice.status) } : null });
      } catch (err) {
        this.setData({ invoiceKnown: false, invoice: null });
      }
    },

    onShow() {
      // back from asking for the invoice: 开发票 becomes 查看发票
      if (!this.leftForInvoice) return undefined;
      this.leftForInvoice = false;
      return this.loadInvoice();
    },

    /** 开发票 (a paid order without an invoice) or 查看发票. */
    onInvoice() {
      const d = this.data;
      if (!d.order || !d.invoiceKnown) return;
      this.leftForInvoice = true;
      if (d.invoice) nav.go('/pages/invoice-detail/invoice-detail', { id: d.invoice.id });
      else nav.go('/pages/invoice-request/invoice-request', { outTradeNo: d.order.outTradeNo });
    },

    onRefresh() {
      return this.load();
    },

    /** 查看收据: download the PDF with the resident's token and open it; failures end in a toast. */
    async onReceipt() {
      const order = this.data.order;
      if (!order || !order.receiptUrl || this.data.receiptBusy) return;
      this.setData({ receiptBusy: true });
      try {
        await paymentsApi.openReceipt(order.receiptUrl);
      } catch (err) {
        wxp.toast(messageOf(err));
      } finally {
        this.setData({ receiptBusy: false });
      }
    },
  },
});
