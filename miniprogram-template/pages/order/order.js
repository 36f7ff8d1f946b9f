'use strict';
/**
 * One payment order (?outTradeNo=…): status, amount, the bills it paid, refunds;
 * for a counter (柜台) payment, its PDF receipt (查看收据).
 */
const pageBehavior = require('../../behaviors/page');
const paymentsApi = require('../../services/payments');
const wxp = require('../../utils/wxp');
const { yuan } = require('../../utils/money');
const { dateTime, label, ORDER_STATUS, CHANNEL } = require('../../utils/format');
const { messageOf } = require('../../utils/api');

function orderView(o) {
  return {
    outTradeNo: o.outTradeNo,
    status: o.status,
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
  data: { loading: true, error: '', notFound: false, order: null, receiptBusy: false },
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
      }
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
