'use strict';
/**
 * End to end, messaging (issue 17): the template's pages against a live HeatCloud server. A sandbox resident
 * binds a house, sees on 首页 and in 通知公告 the announcement published to their community (and not the one
 * published to another), reads it (the dot goes), opens 常见问题 and an article, binds a phone and turns on SMS
 * notices in 通知设置, then pays the house's bill: the pay tap asks for the subscription grants —
 * wx.requestSubscribeMessage is the sandbox WeChat's phone side (POST /sandbox/wxapi/_client/subscribe) — and
 * reports the answers with recordSubscriptionResults before WeChat Pay opens; the payment receipt then arrives
 * in the sandbox WeChat (/sandbox/messages.json) and in 消息中心, whose tap opens the order.
 *
 * Runs only with HEATCLOUD_E2E_MESSAGING=1 (tests/miniprogram_template/test_messaging_e2e.py prepares a company
 * and sets it), with the settings of tests/e2e/env.js plus:
 *   HEATCLOUD_E2E_ANNOUNCEMENT        the title of the announcement published to the house's community
 *   HEATCLOUD_E2E_OTHER_ANNOUNCEMENT  the title of one published to another community
 *   HEATCLOUD_E2E_PHONE               the phone to bind (sandbox-phone:<n>)
 */
const settings = require('./env').load();
const { createWxShim, httpRequest, sandboxOpenid } = require('./wx-shim');
const { openPage, text, texts, tap, flush, waitFor } = require('../support/pages');

const ENABLED = process.env.HEATCLOUD_E2E_MESSAGING === '1';
const MINE = process.env.HEATCLOUD_E2E_ANNOUNCEMENT || '';
const OTHER = process.env.HEATCLOUD_E2E_OTHER_ANNOUNCEMENT || '';
const RECEIPT_TITLE = '缴费成功通知'; // the sandbox library's title of the payment receipt template

let wx;

function lastNavigation() {
  return wx.calls.navigate[wx.calls.navigate.length - 1];
}

function pageOf(url) {
  const [path, queryText] = url.split('?');
  const query = {};
  (queryText || '').split('&').filter(Boolean).forEach((pair) => {
    const [k, v] = pair.split('=');
    query[k] = decodeURIComponent(v);
  });
  return { name: path.split('/').pop(), query };
}

async function sandboxMessages() {
  const url = `${settings.sandboxMessagesUrl}?appid=${settings.appid}&openid=${wx.sandboxOpenid}`;
  const res = await httpRequest(settings, { url, method: 'GET' });
  expect(res.statusCode).toBe(200);
  return res.data;
}

const suite = ENABLED ? describe : describe.skip;

suite(`messaging for a resident of ${settings.host}`, () => {
  let billIds = [];
  let mineId = null;

  beforeAll(async () => {
    wx = createWxShim(settings);
    wx.sandboxOpenid = settings.openid || sandboxOpenid(settings.appid, settings.resident);
    global.wx = wx;
    require('../../utils/config').reset();
    require('../../services/client').reset();
    require('../../utils/subscribe').reset();
    await require('../../services/auth').login();
    await require('../../services/houses').bindHouse(settings.accountNo, { ownerName: settings.ownerName });
  });

  test('首页: the pinned announcement of my community, unread badges, the entries', async () => {
    expect(MINE && OTHER).toBeTruthy();
    const home = await openPage('index');
    expect(home.data.error).toBe('');
    expect(text(home, '#pinned .pinned-title')).toBe(MINE);
    expect(text(home, '#announcements-badge')).toBe('1');
    expect(texts(home, '#notices .small')).toEqual(['消息中心', '通知公告', '常见问题']);
    billIds = home.data.houses[0].billIds;
    expect(billIds.length).toBeGreaterThan(0);
  });

  test('通知公告: mine, unread, and not the other community’s; reading it clears the dot', async () => {
    const list = await openPage('announcements');
    expect(list.data.error).toBe('');
    const titles = texts(list, '.announcement .title');
    expect(titles).toContain(MINE);
    expect(titles).not.toContain(OTHER);
    const item = list.data.items.find((a) => a.title === MINE);
    mineId = item.id;
    expect(item).toMatchObject({ pinned: true, read: false });
    expect(list.querySelector(`#announcement-${mineId} .unread-dot`)).toBeDefined();

    await tap(list, `#announcement-${mineId}`);
    const { name, query } = pageOf(lastNavigation().url);
    const detail = await openPage(name, query);
    expect(detail.data.error).toBe('');
    expect(text(detail, '#title')).toBe(MINE);
    expect(detail.data.html).toContain('<p>');
    expect(detail.data.html).not.toMatch(/<script|onerror=/i); // the server sanitized the staff HTML
    expect(detail.data.announcement.read).toBe(true);

    await list.instance.onShow();
    expect(list.data.items.find((a) => a.id === mineId).read).toBe(true);
    expect(list.querySelector(`#announcement-${mineId} .unread-dot`)).toBeUndefined();
    expect((await openPage('index')).data.announcementsBadge).toBe('');
  });

  test('another community’s announcement cannot be opened by its id either', async () => {
    const messaging = require('../../services/messaging');
    const ids = (await messaging.announcements(0, 100)).items.map((a) => a.id);
    expect(ids).toContain(mineId);
    // a guessed neighbour id answers as missing, never another community's text
    for (const guess of [Number(mineId) + 1, Number(mineId) - 1].filter((n) => n > 0 && ids.indexOf(String(n)) < 0)) {
      const page = await openPage('announcement-detail', { id: String(guess) });
      expect(text(page, '#state-not-found')).toBe('公告不存在或已下线');
    }
  });

  test('常见问题: categories, a search, an article', async () => {
    const kb = await openPage('kb');
    expect(kb.data.error).toBe('');
    expect(kb.data.categories.length).toBeGreaterThan(0);
    expect(kb.data.items.length).toBeGreaterThan(0);
    const first = kb.data.items[0];
    const word = first.title.slice(0, 2);
    kb.querySelector('#search').dispatchEvent('input', { detail: { value: word } });
    await flush();
    await kb.instance.onSearch(); // what 搜索 runs; awaited here (a tap cannot be)
    expect(kb.data.search).toBe(word);
    expect(kb.data.items.map((a) => a.id)).toContain(first.id);
    await tap(kb, `#article-${first.id}`);
    const { name, query } = pageOf(lastNavigation().url);
    const article = await openPage(name, query);
    expect(text(article, '#title')).toBe(first.title);
    expect(article.data.html.length).toBeGreaterThan(0);
  });

  test('通知设置: no phone yet; after binding one, SMS notices are turned on', async () => {
    const page = await openPage('notify-settings');
    expect(page.data.error).toBe('');
    expect(text(page, '#no-phone')).toBe('未绑定手机号');
    expect(page.data.switchDisabled).toBe(true);
    await tap(page, '#bind-phone');
    expect(lastNavigation().url).toBe('/pages/login/login?step=phone');
    const login = await openPage('login', { step: 'phone' });
    await login.instance.onGetPhoneNumber({ detail: { code: `sandbox-phone:${settings.phone}`, errMsg: 'getPhoneNumber:ok' } });
    expect(login.data.phoneError).toBe('');

    await page.instance.onShow();
    expect(text(page, '#phone')).toMatch(/^发送至 \d{3}\*{4}\d{4}$/);
    page.querySelector('#sms-switch').dispatchEvent('change', { detail: { value: true } });
    // j-component delivers the event in a later microtask: let onSmsChange start (saving: true) before waiting
    // for it to end, or the wait passes at once, smsOptIn below is only the optimistic value and the read after
    // it races the mutation (it answered false whenever it reached the server first).
    await flush();
    await waitFor(() => !page.data.saving, 10000, 'the opt-in saved');
    expect(page.data.saveError).toBe('');
    expect(page.data.smsOptIn).toBe(true);
    // the server's own answer, read after the mutation's
    const messaging = require('../../services/messaging');
    expect(await messaging.preferences()).toMatchObject({ smsOptIn: true, hasPhone: true });
    expect((await openPage('notify-settings')).data.smsOptIn).toBe(true);
  });

  test('paying: the pay tap asks WeChat for the grants, reports them, pays; the receipt arrives', async () => {
    const before = await sandboxMessages();
    const pay = await openPage('pay', { billIds: billIds.join(',') });
    expect(pay.data.stage).toBe('confirm');
    await flush();
    await pay.instance.onPay();
    await waitFor(() => ['paid', 'failed', 'cancelled', 'pending', 'error'].includes(pay.data.stage), 60000, 'a final pay state');
    expect({ stage: pay.data.stage, error: pay.data.error }).toEqual({ stage: 'paid', error: '' });

    // the phone side was asked once, with the PAYMENT scene's templates, and accepted them all
    expect(wx.sandboxSubscribes).toHaveLength(1);
    const asked = wx.sandboxSubscribes[0];
    expect(asked.statusCode).toBe(200);
    expect(asked.request.tmplIds.length).toBeGreaterThan(0);
    expect(asked.request.tmplIds.length).toBeLessThanOrEqual(3);
    asked.request.tmplIds.forEach((id) => expect(asked.answer[id]).toBe('accept'));
    expect(wx.sandboxConfirms).toHaveLength(1);

    // the receipt through WeChat (it is not held back by quiet hours: the resident just paid)
    let receipt = null;
    const deadline = Date.now() + 30000;
    while (!receipt && Date.now() < deadline) {
      const now = await sandboxMessages();
      receipt = now.wechat.find((m) => m.title === RECEIPT_TITLE && !before.wechat.some((b) => b.id === m.id)) || null;
      if (!receipt) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(receipt).not.toBeNull();
    expect(receipt.errcode).toBe(0);
    expect(asked.request.tmplIds).toContain(receipt.template_id);
    expect(receipt.page).toMatch(/^pages\/order\/order\?outTradeNo=/);
  }, 120000);

  test('消息中心: the receipt, unread; tapping it marks it read and opens the order', async () => {
    const inbox = await openPage('messages');
    expect(inbox.data.error).toBe('');
    const receipt = inbox.data.items.find((m) => m.kind === 'PAYMENT_RECEIPT');
    expect(receipt).toBeDefined();
    expect(receipt.read).toBe(false);
    await tap(inbox, `#message-${receipt.id}`);
    const { name, query } = pageOf(lastNavigation().url);
    expect(name).toBe('order');
    const order = await openPage(name, query);
    expect(order.data.error).toBe('');
    expect(order.data.notFound).toBe(false);
    const again = await openPage('messages');
    expect(again.data.items.find((m) => m.id === receipt.id).read).toBe(true);
  });
});
