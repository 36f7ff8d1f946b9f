'use strict';
/**
 * Pay one or more bills (?billIds=1,2): confirm → createPayment →
 * wx.requestPayment → poll the order → 支付成功 / 已取消 / 支付失败 /
 * 支付结果确认中 (with a refresh button).
 */
const pageBehavior = require('../../behaviors/page');
const auth = require('../../services/auth');
const billsApi = require('../../services/bills');
const nav = require('../../utils/nav');
const wxp = require('../../utils/wxp');
const payFlow = require('../../utils/pay-flow');
const subscribe = require('../../utils/subscribe');
const { billView, isPayable } = require('../../utils/format');
const { sumFen, yuan } = require('../../utils/money');
const { messageOf } = require('../../utils/api');

// The wallet this build opens; the API layer takes the channel as a parameter.
const CHANNEL = 'WECHAT';

const FINAL = { PAID: 'paid', CANCELLED: 'cancelled', FAILED: 'failed', PENDING: 'pending' };

Component({
  behaviors: [pageBehavior],
  data: {
    // loading | empty | confirm | creating | paying | confirming | paid | cancelled | failed | pending | error
    stage: 'loading',
    bills: [],
    totalText: '¥0.00',
    error: '',
    orderAmountText: '',
    outTradeNo: '',
    refreshing: false,
  },
  methods: {
    onLoad(options) {
      const raw = decodeURIComponent(String((options && options.billIds) || ''));
      this.billIds = raw.split(',').map((s) => s.trim()).filter(Boolean);
      return this.load();
    },

    onUnload() {
      this.unloaded = true;
    },

    async load() {
      this.setData({ stage: 'loading', error: '' });
      try {
        await auth.ensureLogin();
        subscribe.prepare(subscribe.SCENES.PAYMENT); // ids ready for the pay tap (WeChat asks only from a tap)
        const all = await billsApi.myBills();
        const chosen = all.filter((b) => this.billIds.indexOf(String(b.id)) >= 0 && isPayable(b));
        if (!chosen.length) {
          this.setData({ stage: 'empty' });
          return;
        }
        this.payIds = chosen.map((b) => String(b.id));
        this.setData({
          stage: 'confirm',
          bills: chosen.map(billView),
          totalText: yuan(sumFen(chosen.map((b) => b.amountDue.totalFen))),
        });
      } catch (err) {
        this.setData({ stage: 'error', error: messageOf(err) });
      }
    },

    async onPay() {
      if (this.data.stage !== 'confirm') return;
      // Receipt and due-reminder grants, asked in this tap before anything is awaited; never stops the payment.
      const asked = subscribe.ask(subscribe.SCENES.PAYMENT);
      let result;
      try {
        result = await payFlow.payBills(this.payIds, CHANNEL, {
          beforeWallet: () => asked,
          onStage: (stage) => { if (!this.unloaded) this.setData({ stage }); },
          poll: { isCancelled: () => Boolean(this.unloaded) },
        });
      } catch (err) {
        this.setData({ stage: 'error', error: messageOf(err) });
        return;
      }
      this.showResult(result);
    },

    showResult(result) {
      const order = result.order || {};
      this.setData({
        stage: FINAL[result.state],
        outTradeNo: order.outTradeNo || this.data.outTradeNo,
        orderAmountText: Number.isInteger(order.amountFen) ? yuan(order.amountFen) : this.data.totalText,
        error: result.state === 'FAILED' ? '支付未完成，账单未扣款，可稍后重新支付' : '',
      });
    },

    /** 支付结果确认中: ask the server once more. */
    async onRefresh() {
      if (!this.data.outTradeNo || this.data.refreshing) return;
      this.setData({ refreshing: true });
      const result = await payFlow.pollOrder(this.data.outTradeNo, { timeoutMs: 0 });
      this.setData({ refreshing: false });
      if (result.state === 'PENDING') {
        wxp.toast('仍在确认中，请稍后在缴费记录中查看');
        return;
      }
      this.showResult(result);
    },

    onRetry() {
      return this.load();
    },

    onDone() {
      nav.home();
    },

    onRecords() {
      nav.redirect('/pages/payments/payments');
    },
  },
});
