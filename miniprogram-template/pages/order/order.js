'use strict';
/** One payment order (?outTradeNo=…): status, amount, the bills it paid, refunds. */
const pageBehavior = require('../../behaviors/page');
const paymentsApi = require('../../services/payments');
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
  data: { loading: true, error: '', notFound: false, order: null },
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
  },
});
