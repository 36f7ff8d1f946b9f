'use strict';
/**
 * Messaging pages (issue 17): 通知公告 (pinned first, unread dots, paging) and an announcement (rich text, marked
 * read), 常见问题 (categories, search, articles, the service phone) and an article, 消息中心 (unread, mark read,
 * open the message's page), 通知设置 (SMS opt-in, masked phone, no phone → how to bind one), and the entries on
 * 首页 (latest pinned announcement, unread badges) and 我的. GraphQL faked at the HTTP layer
 * (tests/support/fake-messaging.js).
 */
const { installFakeWx } = require('../support/fake-wx');
const { createFakeApi, httpError, networkFailure } = require('../support/fake-api');
const { withMessaging } = require('../support/fake-messaging');
const { openPage, text, texts, tap, flush } = require('../support/pages');
const richtext = require('../../utils/richtext');
const { target, badge } = require('../../utils/messages');

let wx;
let api;
let unhandled;

function setUp(seed, wxOptions) {
  api = withMessaging(createFakeApi(Object.assign({ bound: ['11', '12'] }, seed)));
  wx = installFakeWx(Object.assign({ transport: api.transport }, wxOptions));
}

const ops = (op) => api.calls.filter((c) => c.op === op);
const lastNavigation = () => wx.calls.navigate[wx.calls.navigate.length - 1];
const onUnhandled = (reason) => unhandled.push(reason);

beforeEach(() => {
  setUp();
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});

afterEach(async () => {
  await flush();
  process.removeListener('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

describe('通知公告', () => {
  test('pinned first, then newest; unread ones dotted with the count; only those reaching my houses', async () => {
    api.announce({ title: '12月缴费安排', summary: '缴费窗口延长', publishedAt: '2026-12-01T01:00:00Z' });
    const pinned = api.announce({ title: '停暖检修通知', pinned: true, publishedAt: '2026-11-20T01:00:00Z', houses: ['11'] });
    api.announce({ title: '采暖季开始', publishedAt: '2026-11-15T01:00:00Z' });
    api.announce({ title: '别的小区的通知', houses: ['99'] });
    api.state.messaging.reads.add(pinned.id);
    const page = await openPage('announcements');
    expect(texts(page, '.announcement .title')).toEqual(['停暖检修通知', '12月缴费安排', '采暖季开始']);
    expect(page.querySelectorAll('.announcement .pinned')).toHaveLength(1);
    expect(text(page, `#announcement-${pinned.id}`)).toContain('置顶');
    expect(page.querySelectorAll('.announcement .unread-dot')).toHaveLength(2);
    expect(page.querySelector(`#announcement-${pinned.id} .unread-dot`)).toBeUndefined();
    expect(text(page, '#unread-line')).toBe('2 条未读');
    expect(page.dom.textContent).toContain('缴费窗口延长');
    expect(page.dom.textContent).toContain('2026-12-01 09:00');
  });

  test('20 at a time; more on reaching the bottom; one published meanwhile shifts the pages without a duplicate', async () => {
    for (let i = 0; i < 23; i += 1) api.announce({ title: `通知${i}`, publishedAt: `2026-11-${String(i + 1).padStart(2, '0')}T01:00:00Z` });
    const page = await openPage('announcements');
    expect(page.querySelectorAll('.announcement')).toHaveLength(20);
    expect(ops('Announcements')[0].variables).toEqual({ offset: 0, first: 20 });
    expect(text(page, '.footer-note')).toBe('上拉加载更多');
    await page.instance.onReachBottom();
    expect(ops('Announcements')[1].variables).toEqual({ offset: 20, first: 20 });
    expect(page.querySelectorAll('.announcement')).toHaveLength(23);
    expect(text(page, '.footer-note')).toBe('没有更多了');

    const again = await openPage('announcements');
    api.announce({ title: '新通知', publishedAt: '2026-12-20T01:00:00Z' });
    await again.instance.onReachBottom();
    const titles = texts(again, '.announcement .title');
    expect(new Set(titles).size).toBe(titles.length);
    expect(titles).toHaveLength(23);
    expect(titles.slice(-3)).toEqual(['通知2', '通知1', '通知0']);
  });

  test('tapping opens the announcement; coming back shows it read', async () => {
    const a = api.announce({ title: '停水通知' });
    const page = await openPage('announcements');
    await tap(page, `#announcement-${a.id}`);
    expect(lastNavigation()).toEqual({ type: 'navigateTo', url: `/pages/announcement-detail/announcement-detail?id=${a.id}` });
    await openPage('announcement-detail', { id: a.id });
    await page.instance.onShow();
    expect(page.querySelectorAll('.announcement .unread-dot')).toHaveLength(0);
  });

  test('none yet; a failed load with a retry', async () => {
    let page = await openPage('announcements');
    expect(text(page, '#state-empty .state-title')).toBe('暂无公告');
    api.on('Announcements', () => { throw httpError(503); });
    page = await openPage('announcements');
    expect(text(page, '#state-error .late')).toBe('服务暂时不可用，请稍后再试');
    api.off('Announcements');
    await tap(page, '#retry');
    expect(page.querySelector('#state-empty')).toBeDefined();
  });
});

describe('an announcement', () => {
  test('title, date, the body as rich text with pictures fitted and on the company host; marked read once', async () => {
    const a = api.announce({ title: '停暖检修通知', pinned: true, publishedAt: '2026-12-03T02:30:00Z',
      body: '<p>因管网检修，<strong>12月5日</strong>停暖。</p><p><img src="/files/messaging/images/ab12.png" width="1200" height="800"></p>' });
    const page = await openPage('announcement-detail', { id: a.id });
    expect(text(page, '#title')).toBe('停暖检修通知');
    expect(text(page, '#published-at')).toBe('北方热力 · 2026-12-03 10:30');
    expect(page.data.html).toContain('<strong>12月5日</strong>');
    expect(page.data.html).toContain(`<img src="https://north-heat.example.test/files/messaging/images/ab12.png" style="${richtext.IMG_STYLE}" />`);
    expect(page.data.html).not.toContain('width="1200"');
    expect(page.querySelector('#body')).toBeDefined();
    expect(ops('MarkAnnouncementRead').map((c) => c.variables)).toEqual([{ id: a.id }]);
    expect(api.state.messaging.reads.has(a.id)).toBe(true);
    await openPage('announcement-detail', { id: a.id });
    expect(ops('MarkAnnouncementRead')).toHaveLength(1); // already read: not marked again
  });

  test('another community’s, a missing one, or no id reads as not found, and nothing is marked', async () => {
    const other = api.announce({ title: '别处', houses: ['99'] });
    for (const query of [{ id: other.id }, { id: '404' }, {}]) {
      const page = await openPage('announcement-detail', query);
      expect(text(page, '#state-not-found')).toBe('公告不存在或已下线');
    }
    expect(ops('MarkAnnouncementRead')).toHaveLength(0);
  });

  test('marking read failing leaves the page as it is', async () => {
    const a = api.announce({ title: '通知' });
    api.on('MarkAnnouncementRead', () => { throw networkFailure('request:fail timeout'); });
    const page = await openPage('announcement-detail', { id: a.id });
    expect(text(page, '#title')).toBe('通知');
    expect(page.querySelector('#state-error')).toBeUndefined();
  });

  test('richtext.prepare: absolute https pictures kept, quotes either way, no picture left unstyled', () => {
    const html = richtext.prepare("<p>a</p><img src='https://cdn.example.test/x.png' style=\"width:2000px\"><img src=\"/files/y.png\"/>");
    expect(html).toBe(`<p>a</p><img src="https://cdn.example.test/x.png" style="${richtext.IMG_STYLE}" />`
      + `<img src="https://north-heat.example.test/files/y.png" style="${richtext.IMG_STYLE}" />`);
    expect(richtext.prepare(null)).toBe('');
  });
});

describe('常见问题', () => {
  test('categories with counts, every published article, the service phone to call', async () => {
    const page = await openPage('kb');
    expect(texts(page, '#categories .chip')).toEqual(['全部', '缴费帮助 2', '报停规则 1', '室温标准 1']);
    expect(texts(page, '.article .article-title')).toEqual(['采暖费怎么计算？', '可以开电子发票吗？', '报停需要什么条件？', '室温多少度算达标？']);
    expect(text(page, '#service-phone')).toBe('客服电话 0311-8888 6666');
    await tap(page, '#call');
    expect(wx.calls.phone).toEqual(['031188886666']);
  });

  test('a category, then a search within it, then cleared', async () => {
    const page = await openPage('kb');
    await tap(page, '#category-3');
    expect(ops('KbArticles').pop().variables).toEqual({ categoryId: '3', offset: 0, first: 20 });
    expect(texts(page, '.article .article-title')).toEqual(['室温多少度算达标？']);
    await tap(page, '#category-all');
    page.querySelector('#search').dispatchEvent('input', { detail: { value: ' 报停 ' } });
    await flush();
    await tap(page, '#search-go');
    expect(ops('KbArticles').pop().variables).toEqual({ search: '报停', offset: 0, first: 20 });
    expect(texts(page, '.article .article-title')).toEqual(['报停需要什么条件？']);
    page.querySelector('#search').dispatchEvent('input', { detail: { value: '地暖漏水' } });
    await flush();
    page.querySelector('#search').dispatchEvent('confirm', { detail: { value: '地暖漏水' } });
    await flush();
    expect(text(page, '#state-empty .state-title')).toBe('没有找到相关问题');
    await tap(page, '#search-clear');
    expect(page.querySelectorAll('.article')).toHaveLength(4);
  });

  test('an article opens; no phone in the branding says so and offers no call', async () => {
    setUp({}, { ext: { apiBaseUrl: 'https://north-heat.example.test', companyName: '北方热力', tenant: 'north-heat' } });
    const page = await openPage('kb');
    expect(text(page, '#service-phone')).toBe('暂未提供客服电话');
    expect(page.querySelector('#call')).toBeUndefined();
    await tap(page, '#article-33');
    expect(lastNavigation()).toEqual({ type: 'navigateTo', url: '/pages/kb-article/kb-article?id=33' });
  });

  test('a failed load with a retry', async () => {
    api.on('KbCategories', () => { throw httpError(502); });
    const page = await openPage('kb');
    expect(text(page, '#state-error .late')).toBe('服务暂时不可用，请稍后再试');
    api.off('KbCategories');
    await tap(page, '#retry');
    expect(page.querySelectorAll('.article')).toHaveLength(4);
  });
});

describe('an article', () => {
  test('category, title, body as rich text, the service phone', async () => {
    const page = await openPage('kb-article', { id: '34' });
    expect(text(page, '#category')).toBe('室温标准');
    expect(text(page, '#title')).toBe('室温多少度算达标？');
    expect(page.data.html).toContain('不低于 18℃');
    expect(page.data.html).toContain('src="https://north-heat.example.test/files/messaging/images/abc.png"');
    await tap(page, '#call');
    expect(wx.calls.phone).toEqual(['031188886666']);
  });

  test('a draft or missing article is not found', async () => {
    for (const query of [{ id: '35' }, { id: '999' }, {}]) {
      const page = await openPage('kb-article', query);
      expect(text(page, '#state-not-found')).toBe('文章不存在或已下线');
    }
  });
});

describe('消息中心', () => {
  test('newest first with kind, unread dots and count; tapping marks read and opens the message’s page', async () => {
    api.message({ kind: 'BILL_PUBLISHED', title: '账单已出', body: '您 2026-2027 采暖季账单已出，应缴 2688.00 元。', page: 'pages/bill-detail/bill-detail?id=101', read: true });
    const receipt = api.message({ kind: 'PAYMENT_RECEIPT', title: '缴费成功', body: '您已成功缴费 2688.00 元。', page: 'pages/order/order?outTradeNo=HC1' });
    const page = await openPage('messages');
    expect(texts(page, '.message-title')).toEqual(['缴费成功', '账单已出']);
    expect(texts(page, '.message-kind')).toEqual(['缴费成功 查看详情 ›', '账单通知 查看详情 ›']);
    expect(page.querySelectorAll('.unread-dot')).toHaveLength(1);
    expect(text(page, '#unread-count')).toBe('1 条未读');
    await tap(page, `#message-${receipt.id}`);
    expect(lastNavigation()).toEqual({ type: 'navigateTo', url: '/pages/order/order?outTradeNo=HC1' });
    expect(ops('MarkMessagesRead').map((c) => c.variables)).toEqual([{ ids: [receipt.id] }]);
    expect(page.querySelectorAll('.unread-dot')).toHaveLength(0);
    expect(text(page, '#unread-count')).toBe('全部已读');
  });

  test('a read message is not marked again; a page this app lacks opens nothing; a tab page is switched to', async () => {
    const read = api.message({ title: '已读', read: true, page: 'pages/index/index' });
    const odd = api.message({ title: '外链', page: 'https://evil.example/phish' });
    const page = await openPage('messages');
    await tap(page, `#message-${read.id}`);
    expect(lastNavigation()).toEqual({ type: 'switchTab', url: '/pages/index/index' });
    expect(ops('MarkMessagesRead')).toHaveLength(0);
    const before = wx.calls.navigate.length;
    await tap(page, `#message-${odd.id}`);
    expect(wx.calls.navigate).toHaveLength(before);
    expect(ops('MarkMessagesRead')).toHaveLength(1);
  });

  test('全部已读 clears every dot', async () => {
    api.message({ title: '一' });
    api.message({ title: '二' });
    const page = await openPage('messages');
    expect(page.querySelectorAll('.unread-dot')).toHaveLength(2);
    await tap(page, '#mark-all');
    expect(ops('MarkMessagesRead').map((c) => c.variables)).toEqual([{ all: true }]);
    expect(page.querySelectorAll('.unread-dot')).toHaveLength(0);
    expect(api.state.messaging.messages.every((m) => m.read)).toBe(true);
    await tap(page, '#mark-all'); // nothing unread: nothing sent
    expect(ops('MarkMessagesRead')).toHaveLength(1);
  });

  test('全部已读 refused: a toast, the dots stay', async () => {
    api.message({ title: '一' });
    api.on('MarkMessagesRead', () => ({ markMessagesRead: { count: 0, errors: [{ field: null, message: '操作太频繁，请稍后再试。', code: 'RATE_LIMITED' }] } }));
    const page = await openPage('messages');
    await tap(page, '#mark-all');
    expect(wx.calls.toast).toContain('操作太频繁，请稍后再试。');
    expect(page.querySelectorAll('.unread-dot')).toHaveLength(1);
  });

  test('20 at a time; empty; a failed load', async () => {
    for (let i = 0; i < 25; i += 1) api.message({ title: `消息${i}` });
    let page = await openPage('messages');
    expect(page.querySelectorAll('.message')).toHaveLength(20);
    await page.instance.onReachBottom();
    expect(page.querySelectorAll('.message')).toHaveLength(25);
    expect(ops('MyMessages').map((c) => c.variables)).toEqual([{ offset: 0, first: 20 }, { offset: 20, first: 20 }]);
    setUp();
    page = await openPage('messages');
    expect(text(page, '#state-empty .state-title')).toBe('暂无消息');
    api.on('MyMessages', () => { throw networkFailure('request:fail ECONNREFUSED'); });
    page = await openPage('messages');
    expect(text(page, '#state-error .late')).toBe('网络不给力，请检查网络后重试');
  });

  test('target() only opens pages of this app', () => {
    expect(target('pages/ticket-detail/ticket-detail?id=5')).toEqual({ url: '/pages/ticket-detail/ticket-detail?id=5', tab: false });
    expect(target('/pages/invoice-detail/invoice-detail?id=7')).toEqual({ url: '/pages/invoice-detail/invoice-detail?id=7', tab: false });
    expect(target('pages/payments/payments')).toEqual({ url: '/pages/payments/payments', tab: false });
    expect(target('pages/bills/bills?houseId=1')).toEqual({ url: '/pages/bills/bills', tab: true });
    expect(target('pages/mine/mine?x=1')).toEqual({ url: '/pages/mine/mine', tab: true });
    expect(target('pages/unknown/unknown')).toBeNull();
    expect(target('')).toBeNull();
    expect(target('../../pages/order/order')).toBeNull();
  });
});

describe('通知设置', () => {
  test('with a phone: masked, the switch turns SMS notices on and off', async () => {
    api.state.profile.phoneMasked = '138****8000';
    const page = await openPage('notify-settings');
    expect(text(page, '#phone')).toBe('发送至 138****8000');
    expect(page.data.smsOptIn).toBe(false);
    expect(text(page, '#sms-explain')).toContain('北方热力会以短信发送');
    expect(page.querySelector('#bind-tip')).toBeUndefined();
    expect(page.data.switchDisabled).toBe(false);
    page.querySelector('#sms-switch').dispatchEvent('change', { detail: { value: true } });
    await flush();
    expect(ops('SetSmsOptIn').map((c) => c.variables)).toEqual([{ optIn: true }]);
    expect(api.state.messaging.smsOptIn).toBe(true);
    expect(page.data.smsOptIn).toBe(true);
    expect(wx.calls.toast).toContain('已开启短信通知');
    page.querySelector('#sms-switch').dispatchEvent('change', { detail: { value: false } });
    await flush();
    expect(api.state.messaging.smsOptIn).toBe(false);
    expect(page.data.smsOptIn).toBe(false);
  });

  test('without a phone: the switch is off and disabled, the page says how to bind one', async () => {
    const page = await openPage('notify-settings');
    expect(text(page, '#no-phone')).toBe('未绑定手机号');
    expect(text(page, '#bind-tip')).toContain('接收短信需先绑定手机号');
    expect(page.data.switchDisabled).toBe(true);
    page.querySelector('#sms-switch').dispatchEvent('change', { detail: { value: true } });
    await flush();
    expect(ops('SetSmsOptIn')).toHaveLength(0);
    expect(text(page, '#save-error')).toBe('请先绑定手机号');
    await tap(page, '#bind-phone');
    expect(lastNavigation()).toEqual({ type: 'navigateTo', url: '/pages/login/login?step=phone' });
    api.state.profile.phoneMasked = '139****0001';
    await page.instance.onShow();
    expect(text(page, '#phone')).toBe('发送至 139****0001');
    expect(page.data.switchDisabled).toBe(false);
  });

  test('the server refusing (NO_PHONE) puts the switch back with its message', async () => {
    api.state.profile.phoneMasked = '138****8000';
    const page = await openPage('notify-settings');
    api.state.profile.phoneMasked = null; // unbound meanwhile on another device
    page.querySelector('#sms-switch').dispatchEvent('change', { detail: { value: true } });
    await flush();
    expect(page.data.smsOptIn).toBe(false);
    expect(text(page, '#save-error')).toBe('请先绑定手机号。');
    expect(api.state.messaging.smsOptIn).toBe(false);
  });

  test('WeChat’s own settings open with the subscriptions', async () => {
    const opened = [];
    wx.openSetting = (opts) => opened.push(opts.withSubscriptions);
    const page = await openPage('notify-settings');
    await tap(page, '#wechat-settings');
    expect(opened).toEqual([true]);
  });
});

describe('entries on 首页 and 我的', () => {
  test('首页: the latest pinned announcement and unread badges; each opens its page', async () => {
    api.announce({ title: '普通通知', publishedAt: '2026-12-05T01:00:00Z' });
    const pinned = api.announce({ title: '停暖检修通知', pinned: true, publishedAt: '2026-12-01T01:00:00Z' });
    api.message({ title: '缴费成功' });
    api.message({ title: '账单已出' });
    const page = await openPage('index');
    expect(text(page, '#pinned .pinned-title')).toBe('停暖检修通知');
    expect(text(page, '#messages-badge')).toBe('2');
    expect(text(page, '#announcements-badge')).toBe('2');
    expect(texts(page, '#notices .small')).toEqual(['消息中心', '通知公告', '常见问题']);
    await tap(page, '#pinned');
    expect(lastNavigation()).toEqual({ type: 'navigateTo', url: `/pages/announcement-detail/announcement-detail?id=${pinned.id}` });
    await tap(page, '#notice-messages');
    expect(lastNavigation()).toEqual({ type: 'navigateTo', url: '/pages/messages/messages' });
    await tap(page, '#notice-announcements');
    expect(lastNavigation()).toEqual({ type: 'navigateTo', url: '/pages/announcements/announcements' });
    await tap(page, '#notice-kb');
    expect(lastNavigation()).toEqual({ type: 'navigateTo', url: '/pages/kb/kb' });
  });

  test('首页: nothing pinned or unread shows no banner and no badge; a messaging failure leaves the houses', async () => {
    api.announce({ title: '普通通知' });
    api.state.messaging.reads.add(api.state.messaging.announcements[0].id);
    let page = await openPage('index');
    expect(page.querySelector('#pinned')).toBeUndefined();
    expect(page.querySelector('#messages-badge')).toBeUndefined();
    expect(page.querySelector('#announcements-badge')).toBeUndefined();
    api.on('HomeNotices', () => { throw httpError(500); });
    page = await openPage('index');
    expect(texts(page, '.house >>> .house-account')).toEqual(['户号 H10001', '户号 H10002']);
    expect(page.querySelector('#state-error')).toBeUndefined();
    expect(texts(page, '#notices .small')).toEqual(['消息中心', '通知公告', '常见问题']);
  });

  test('我的: 消息中心 with its unread count, 常见问题, 通知设置', async () => {
    for (let i = 0; i < 120; i += 1) api.message({ title: `消息${i}` });
    const page = await openPage('mine');
    expect(text(page, '#messages-badge')).toBe('99+');
    const targets = { '#menu-messages': '/pages/messages/messages', '#menu-kb': '/pages/kb/kb',
      '#menu-notify-settings': '/pages/notify-settings/notify-settings' };
    for (const [selector, url] of Object.entries(targets)) {
      await tap(page, selector);
      expect(lastNavigation()).toEqual({ type: 'navigateTo', url });
    }
    expect(badge(0)).toBe('');
    expect(badge(7)).toBe('7');
  });
});
