'use strict';
/**
 * WeChat subscription grants (utils/subscribe.js) and where they are asked: the pay tap (scene PAYMENT, before
 * wx.requestPayment) and the 报修 / 室温 submit tap (scene TICKET). Every answer the sheet gives is reported with
 * recordSubscriptionResults; a refusal, a ban, an error (20004 main switch off, 10005 …), a missing API, a
 * failing or hanging report never stops or fails the payment or the ticket.
 */
const { installFakeWx } = require('../support/fake-wx');
const { createFakeApi, httpError, networkFailure } = require('../support/fake-api');
const { withMessaging, addSubscribeWx, answerAll } = require('../support/fake-messaging');
const { withServices, addServiceWx } = require('../support/fake-services');
const { openPage, tap, flush } = require('../support/pages');
const subscribe = require('../../utils/subscribe');
const auth = require('../../services/auth');

let wx;
let api;
let events;

const PAY_IDS = ['tplReceipt', 'tplDue'];
const TICKET_IDS = ['tplTicket'];

/** answer: a requestSubscribeMessage answer function (fake-messaging); null: the wx has no such API. */
function setUp({ answer = answerAll('accept'), templates = { PAYMENT: PAY_IDS, TICKET: TICKET_IDS }, payment = 'ok' } = {}) {
  subscribe.reset();
  events = [];
  api = withMessaging(withServices(createFakeApi({ bound: ['11', '12'] })));
  api.state.messaging.templates = templates;
  const record = api.handlers.RecordSubscriptionResults;
  api.handlers.RecordSubscriptionResults = (v, ctx) => {
    events.push('record');
    return record(v, ctx);
  };
  api.on('Order', (v, ctx) => {
    const o = api.orders[0];
    if (o && o.status === 'CREATED' && o.walletDone) api.settle(o.outTradeNo);
    return api.handlers.Order(v, ctx);
  });
  wx = installFakeWx({
    transport: api.transport,
    payment: (opts) => {
      events.push('pay');
      const order = api.orderForPackage(opts.package);
      if (payment === 'ok') order.walletDone = true;
      return payment;
    },
  });
  addServiceWx(wx, { uploadFile: api.uploadFile });
  if (answer) {
    addSubscribeWx(wx, (ids) => {
      events.push('subscribe');
      return answer(ids);
    });
  } else {
    delete wx.requestSubscribeMessage;
    wx.calls.subscribe = [];
  }
}

const recorded = () => api.state.messaging.recorded;
const ops = (op) => api.calls.filter((c) => c.op === op);

describe('subscribe.ask', () => {
  test('asks for the scene’s templates and reports each answer', async () => {
    setUp({ answer: (ids) => ({ [ids[0]]: 'accept', [ids[1]]: 'reject' }) });
    await auth.login();
    const outcome = await subscribe.ask('PAYMENT');
    expect(ops('SubscriptionTemplates').map((c) => c.variables)).toEqual([{ scene: 'PAYMENT' }]);
    expect(wx.calls.subscribe).toEqual([PAY_IDS]);
    expect(recorded()).toEqual([[{ templateId: 'tplReceipt', result: 'accept' }, { templateId: 'tplDue', result: 'reject' }]]);
    expect(outcome).toMatchObject({ asked: true, recorded: 'recorded' });
  });

  test('ban and filter are reported too; keys that are not answers (errMsg) are not', async () => {
    setUp({ answer: (ids) => ({ [ids[0]]: 'ban', [ids[1]]: 'filter', other: 'accept' }) });
    await auth.login();
    await subscribe.ask('PAYMENT');
    expect(recorded()).toEqual([[{ templateId: 'tplReceipt', result: 'ban' }, { templateId: 'tplDue', result: 'filter' }]]);
  });

  test('with the ids fetched ahead, WeChat is called in the same tick (inside the tap), not after a round trip', async () => {
    setUp();
    await auth.login();
    await subscribe.prepare('PAYMENT');
    const asking = subscribe.ask('PAYMENT');
    expect(wx.calls.subscribe).toEqual([PAY_IDS]);
    await asking;
    await subscribe.ask('PAYMENT'); // cached: no second fetch
    expect(ops('SubscriptionTemplates')).toHaveLength(1);
  });

  test('at most 3 ids are passed to WeChat, whatever the server sends', async () => {
    setUp();
    api.on('SubscriptionTemplates', () => ({ subscriptionTemplates: ['a', 'b', 'c', 'd'] }));
    await auth.login();
    await subscribe.ask('BILL');
    expect(wx.calls.subscribe).toEqual([['a', 'b', 'c']]);
  });

  test('no templates configured: nothing is asked and nothing reported', async () => {
    setUp({ templates: { PAYMENT: [] } });
    await auth.login();
    expect(await subscribe.ask('PAYMENT')).toMatchObject({ asked: false, reason: 'no_templates' });
    expect(wx.calls.subscribe).toEqual([]);
    expect(ops('RecordSubscriptionResults')).toHaveLength(0);
  });

  test('20004 (the resident turned subscription messages off): nothing reported, not asked again this session', async () => {
    setUp({ answer: () => ({ fail: true, errCode: 20004, errMsg: 'requestSubscribeMessage:fail main switch is off' }) });
    await auth.login();
    expect(await subscribe.ask('PAYMENT')).toMatchObject({ asked: true, errCode: 20004, results: [] });
    expect(await subscribe.ask('TICKET')).toMatchObject({ asked: false, reason: 'switched_off' });
    expect(wx.calls.subscribe).toHaveLength(1);
    expect(ops('RecordSubscriptionResults')).toHaveLength(0);
  });

  test('other failures (10005 cannot show, no tap gesture) report nothing, and the next tap asks again', async () => {
    setUp({ answer: () => ({ fail: true, errCode: 10005, errMsg: 'requestSubscribeMessage:fail can only be invoked by user TAP gesture.' }) });
    await auth.login();
    expect(await subscribe.ask('PAYMENT')).toMatchObject({ asked: true, errCode: 10005 });
    await subscribe.ask('PAYMENT');
    expect(wx.calls.subscribe).toHaveLength(2);
    expect(ops('RecordSubscriptionResults')).toHaveLength(0);
  });

  test('an older base library without the API, or one that throws: resolved, nothing reported', async () => {
    setUp({ answer: null });
    await auth.login();
    expect(await subscribe.ask('PAYMENT')).toMatchObject({ asked: true, results: [] });
    wx.requestSubscribeMessage = () => { throw new Error('boom'); };
    expect(await subscribe.ask('PAYMENT')).toMatchObject({ asked: true, results: [] });
    expect(ops('RecordSubscriptionResults')).toHaveLength(0);
  });

  test('the template ids cannot be fetched: nothing asked, resolved', async () => {
    setUp();
    api.on('SubscriptionTemplates', () => { throw httpError(503); });
    await auth.login();
    expect(await subscribe.ask('PAYMENT')).toMatchObject({ asked: false });
    expect(wx.calls.subscribe).toEqual([]);
  });

  test('a report the server refuses or never answers: resolved (after RECORD_WAIT_MS at most)', async () => {
    setUp();
    await auth.login();
    api.on('RecordSubscriptionResults', () => { throw networkFailure('request:fail timeout'); });
    expect(await subscribe.ask('PAYMENT')).toMatchObject({ asked: true, recorded: 'failed' });

    subscribe.reset();
    let release;
    api.on('RecordSubscriptionResults', () => new Promise((resolve) => { release = resolve; }));
    jest.useFakeTimers();
    try {
      let done = null;
      subscribe.ask('PAYMENT').then((o) => { done = o; });
      await jest.advanceTimersByTimeAsync(subscribe.RECORD_WAIT_MS - 100);
      expect(done).toBeNull();
      await jest.advanceTimersByTimeAsync(200);
      expect(done).toMatchObject({ asked: true, recorded: 'timeout' });
    } finally {
      jest.useRealTimers();
      release({ recordSubscriptionResults: { granted: 0, errors: [] } });
    }
  });
});

describe('the pay tap', () => {
  async function pay(options, askedInTap = 1) {
    setUp(options);
    const page = await openPage('pay', { billIds: '101' });
    await flush();
    const paying = page.instance.onPay();
    // asked within the tap itself, before createPayment's answer
    expect(wx.calls.subscribe).toHaveLength(askedInTap);
    await paying;
    return page;
  }

  test('asks for receipt and due-reminder grants, reports them, then opens WeChat Pay; paid', async () => {
    const page = await pay({ answer: answerAll('accept') });
    expect(wx.calls.subscribe).toEqual([PAY_IDS]);
    expect(events).toEqual(['subscribe', 'record', 'pay']);
    expect(recorded()).toEqual([PAY_IDS.map((templateId) => ({ templateId, result: 'accept' }))]);
    expect(page.data.stage).toBe('paid');
  });

  test('the resident refuses: reported, and the payment goes on', async () => {
    const page = await pay({ answer: answerAll('reject') });
    expect(events).toEqual(['subscribe', 'record', 'pay']);
    expect(recorded()[0].map((r) => r.result)).toEqual(['reject', 'reject']);
    expect(page.data.stage).toBe('paid');
  });

  test('banned templates: reported, and the payment goes on', async () => {
    const page = await pay({ answer: answerAll('ban') });
    expect(recorded()[0].map((r) => r.result)).toEqual(['ban', 'ban']);
    expect(page.data.stage).toBe('paid');
  });

  test('20004 main switch off: nothing reported, the payment goes on', async () => {
    const page = await pay({ answer: () => ({ fail: true, errCode: 20004, errMsg: 'requestSubscribeMessage:fail' }) });
    expect(events).toEqual(['subscribe', 'pay']);
    expect(page.data.stage).toBe('paid');
  });

  test('no API, a failing report, or no templates: the payment goes on', async () => {
    let page = await pay({ answer: null }, 0);
    expect(page.data.stage).toBe('paid');

    setUp();
    api.on('RecordSubscriptionResults', () => { throw httpError(500); });
    page = await openPage('pay', { billIds: '101' });
    await page.instance.onPay();
    expect(events).toEqual(['subscribe', 'pay']);
    expect(page.data.stage).toBe('paid');

    page = await pay({ templates: { PAYMENT: [] } }, 0);
    expect(events).toEqual(['pay']);
    expect(page.data.stage).toBe('paid');
  });

  test('a cancelled payment after accepting is 已取消 as before', async () => {
    const page = await pay({ payment: 'cancel' });
    expect(events).toEqual(['subscribe', 'record', 'pay']);
    expect(page.data.stage).toBe('cancelled');
  });
});

describe('filing a ticket', () => {
  async function fileRepair(page) {
    await tap(page, '#house-11');
    await tap(page, '#category-1');
    page.querySelector('#description').dispatchEvent('input', { detail: { value: '暖气不热' } });
    page.querySelector('#contact-name').dispatchEvent('input', { detail: { value: '王建国' } });
    await flush();
    const submitting = page.instance.onSubmit();
    const askedInTap = wx.calls.subscribe.length;
    await submitting;
    await flush();
    return askedInTap;
  }

  test('the submit tap asks for ticket-update grants; the ticket is filed and its page opens', async () => {
    setUp({ answer: answerAll('accept') });
    await auth.login();
    const page = await openPage('repair');
    expect(await fileRepair(page)).toBe(1);
    expect(wx.calls.subscribe).toEqual([TICKET_IDS]);
    expect(recorded()).toEqual([[{ templateId: 'tplTicket', result: 'accept' }]]);
    const ticket = api.services.tickets[0];
    expect(wx.calls.navigate.pop()).toEqual({ type: 'redirectTo', url: `/pages/ticket-detail/ticket-detail?id=${ticket.id}` });
  });

  test('refused or failing: the ticket is filed all the same', async () => {
    setUp({ answer: () => ({ fail: true, errCode: 20004, errMsg: 'requestSubscribeMessage:fail' }) });
    await auth.login();
    let page = await openPage('repair');
    await fileRepair(page);
    expect(api.services.tickets).toHaveLength(1);
    expect(wx.calls.navigate.pop().type).toBe('redirectTo');

    setUp({ answer: answerAll('reject') });
    page = await openPage('temperature');
    await tap(page, '#house-11');
    page.querySelector('#reported-temp').dispatchEvent('input', { detail: { value: '15' } });
    page.querySelector('#contact-name').dispatchEvent('input', { detail: { value: '王建国' } });
    await flush();
    await page.instance.onSubmit();
    await flush();
    expect(wx.calls.subscribe).toEqual([TICKET_IDS]);
    expect(recorded()).toEqual([[{ templateId: 'tplTicket', result: 'reject' }]]);
    expect(api.services.tickets).toHaveLength(1);
  });

  test('the form’s own errors stop the submit before anything is asked', async () => {
    setUp();
    const page = await openPage('repair');
    await tap(page, '#submit');
    expect(wx.calls.subscribe).toEqual([]);
  });
});
