'use strict';
/**
 * 我的工单 and a ticket's page: status tags and filters, paging, the timeline, photos, the technician,
 * inspections (each room's temperature, compliant or not, the cause), the shortfall period and its
 * compensation lines; confirm with a rating, reopen with a reason, cancel; the entry points on 首页 and 我的.
 */
const { openPage, text, texts, tap } = require('../support/pages');
const { useServicesEnv } = require('../support/services-env');
const servicesApi = require('../../services/services');

const env = useServicesEnv();
const { setUp, input, lastNavigation, opsOf } = env;

function repair(description, houseId) {
  return servicesApi.submitTicket({ houseId: houseId || '11', kind: 'REPAIR', categoryId: '1', description, contactName: '王建国' });
}

function report(temp) {
  return servicesApi.submitTicket({ houseId: '11', kind: 'TEMPERATURE', reportedTemp: temp, description: `住户报告室温 ${temp}℃`, contactName: '王建国' });
}

describe('我的工单', () => {
  test('newest first with kind, category, temperature, status tag and house', async () => {
    const first = await repair('客厅暖气不热');
    await report('15.0');
    env.api.resolveTicket(first.id, '已排气');
    const page = await openPage('tickets');
    expect(texts(page, '.ticket .strong')).toEqual(['室温报告 · 15.0℃', '报修 · 暖气不热']);
    expect(texts(page, '.ticket .status')).toEqual(['已提交', '已解决']);
    expect(page.querySelectorAll('.ticket .status')[1].dom.className).toContain('tag-done');
    expect(text(page, `#ticket-${first.id}`)).toContain('待您确认');
    expect(text(page, `#ticket-${first.id}`)).toContain('户号 H10001');
  });

  test('a filter asks the API for that status', async () => {
    const a = await repair('一');
    await repair('二');
    env.api.resolveTicket(a.id, '好了');
    const page = await openPage('tickets');
    await tap(page, '#filter-RESOLVED');
    expect(opsOf('MyTickets').pop().variables).toEqual({ status: 'RESOLVED', offset: 0, limit: 20 });
    expect(texts(page, '.ticket .muted')).toEqual(['一']);
    await tap(page, '#filter-all');
    expect(page.querySelectorAll('.ticket').length).toBe(2);
  });

  test('20 at a time, more on reaching the bottom', async () => {
    for (let i = 0; i < 23; i += 1) await repair(`第${i}单`);
    const page = await openPage('tickets');
    expect(page.querySelectorAll('.ticket').length).toBe(20);
    expect(text(page, '.footer-note')).toBe('上拉加载更多');
    await page.instance.onReachBottom();
    expect(page.querySelectorAll('.ticket').length).toBe(23);
    expect(text(page, '.footer-note')).toBe('没有更多了');
  });

  test('empty; new 报修 / 投诉 / 室温报告 one tap away; a ticket opens its page and coming back refreshes', async () => {
    const page = await openPage('tickets');
    expect(text(page, '#state-empty .state-title')).toBe('暂无工单');
    await tap(page, '#new-complaint');
    expect(lastNavigation()).toEqual({ type: 'navigateTo', url: '/pages/repair/repair?kind=COMPLAINT' });
    await tap(page, '#new-temperature');
    expect(lastNavigation()).toEqual({ type: 'navigateTo', url: '/pages/temperature/temperature' });
    const t = await repair('漏水');
    await page.instance.onShow();
    await tap(page, `#ticket-${t.id}`);
    expect(lastNavigation()).toEqual({ type: 'navigateTo', url: `/pages/ticket-detail/ticket-detail?id=${t.id}` });
  });

  test('a failed load shows the error with a retry', async () => {
    env.api.on('MyTickets', () => { throw { errMsg: 'request:fail ECONNREFUSED' }; });
    const page = await openPage('tickets');
    expect(text(page, '#state-error .late')).toBe('网络不给力，请检查网络后重试');
  });
});

describe('a ticket’s page', () => {
  test('what was reported, photos, who handles it, the promised time and the timeline', async () => {
    const photo = await servicesApi.uploadPhoto('wxfile://tmp/a.jpg', 'ticket');
    const t = await servicesApi.submitTicket({ houseId: '11', kind: 'REPAIR', categoryId: '2', description: '管道漏水', contactName: '王建国',
      contactPhone: '13800138000', photoIds: [photo.id] });
    const page = await openPage('ticket-detail', { id: t.id });
    expect(text(page, '#kind')).toBe('报修 · 管道漏水');
    expect(text(page, '#status')).toBe('已提交');
    expect(text(page, '#description')).toBe('管道漏水');
    expect(page.querySelectorAll('#photos .photo').length).toBe(1);
    expect(text(page, '#resolve-due')).toBe('2026-12-08 10:00');
    expect(texts(page, '#timeline .step-title')).toEqual(['提交']);
    await tap(page, '#photos .photo');
    expect(env.wx.calls.preview[0].urls).toEqual([env.api.services.photos[photo.id].url]);

    env.api.resolveTicket(t.id, '更换了接头');
    await page.instance.onPullDownRefresh();
    expect(texts(page, '#timeline .step-title')).toEqual(['提交', '受理', '派单', '上门处理', '处理完成']);
    expect(text(page, '#assignee')).toBe('张师傅');
    expect(text(page, '#resolution')).toBe('更换了接头');
    expect(page.dom.textContent).toContain('维修技术员 张师傅');
    expect(page.querySelector('#resolve-due')).toBeUndefined(); // no longer open
  });

  test('a temperature ticket: inspections room by room, the shortfall and its compensation lines', async () => {
    const t = await report('15.0');
    env.api.inspect(t.id, { houseTemp: '16.2', compliant: false, cause: 'UTILITY', causeText: '供热方原因',
      rooms: [{ name: '主卧', area: '15.20', temp: '16.2', compliant: false }, { name: '客厅', area: '30.00', temp: '18.4', compliant: true }] });
    const page = await openPage('ticket-detail', { id: t.id });
    expect(text(page, '#reported-temp')).toBe('报告室温 15.0℃');
    expect(text(page, '#inspection-1 .inspection-result')).toBe('16.2℃ 不达标');
    expect(text(page, '#inspection-1 .inspection-cause')).toBe('供热方原因');
    expect(texts(page, '#inspection-1 .room-name')).toEqual(['主卧 15.20㎡', '客厅 30.00㎡']);
    expect(texts(page, '#inspection-1 .room-temp')).toEqual(['16.2℃（不达标）', '18.4℃']);
    expect(text(page, '#shortfall-period')).toBe('不达标期间：2026-12-08 至 今');
    expect(page.dom.textContent).toContain('复测达标后将按规定自动计算补偿');

    env.api.inspect(t.id, { measuredAt: '2026-12-20T06:00:00Z', houseTemp: '18.5', compliant: true, cause: 'NONE', causeText: '达标',
      rooms: [{ name: '主卧', area: '15.20', temp: '18.5', compliant: true }] });
    env.api.closeShortfall(t.id, { id: '9', amountFen: 4320, days: 12, status: 'CARRIED', statusText: '待抵扣下季热费', method: 'NEXT_BILL',
      creditedFen: 0, carriedFen: 4320, refundedFen: 0, season: { id: '2', name: '2026-2027' },
      explanation: '室温16.2℃，低于标准1.8℃，12天，退费30%：43.20元',
      lines: [{ temp: '16.2', below: '1.8', pct: '30', days: 12, amountFen: 4320, text: '室温16.2℃，低于标准1.8℃，12天，退费30%' }] },
    '2026-12-19', 12);
    await page.instance.onPullDownRefresh();
    expect(text(page, '#inspection-2 .inspection-result')).toBe('18.5℃ 达标');
    expect(page.querySelector('#inspection-2 .inspection-cause')).toBeUndefined();
    expect(text(page, '#shortfall-period')).toBe('不达标期间：2026-12-08 至 2026-12-19，共 12 天');
    expect(text(page, '#compensation-amount')).toBe('¥43.20');
    expect(text(page, '#compensation-status')).toBe('待抵扣下季热费');
    expect(text(page, '#compensation-method')).toBe('抵扣下季热费');
    expect(texts(page, '#shortfall .comp-text')).toEqual(['室温16.2℃，低于标准1.8℃，12天，退费30%']);
    expect(texts(page, '#shortfall .comp-amount')).toEqual(['¥43.20']);
  });

  test('confirm: a rating is required, then the rating and comment are sent and the ticket closes', async () => {
    const t = await repair('不热');
    env.api.resolveTicket(t.id, '已排气');
    const page = await openPage('ticket-detail', { id: t.id });
    expect(page.querySelector('#action-cancel')).toBeUndefined();
    await tap(page, '#action-confirm');
    await tap(page, '#confirm-submit');
    expect(text(page, '#action-error')).toBe('请为本次服务打分');
    await tap(page, '#star-4');
    expect(text(page, '#rating-text')).toBe('满意');
    await input(page, '#comment', ' 师傅很耐心 ');
    await tap(page, '#confirm-submit');
    expect(opsOf('ConfirmTicket')[0].variables).toEqual({ id: t.id, rating: 4, comment: '师傅很耐心' });
    expect(text(page, '#status')).toBe('已关闭');
    expect(text(page, '#rating')).toBe('4 星 · 满意');
    expect(page.querySelector('#action-confirm')).toBeUndefined();
    expect(env.wx.calls.toast).toContain('感谢您的评价');
  });

  test('reopen needs a reason and sends it', async () => {
    const t = await repair('不热');
    env.api.resolveTicket(t.id, '已排气');
    const page = await openPage('ticket-detail', { id: t.id });
    await tap(page, '#action-reopen');
    await tap(page, '#reopen-submit');
    expect(text(page, '#action-error')).toBe('请说明仍未解决的问题');
    await input(page, '#reopen-reason', '还是不热');
    await tap(page, '#reopen-submit');
    expect(opsOf('ReopenTicket')[0].variables).toEqual({ id: t.id, reason: '还是不热' });
    expect(text(page, '#status')).toBe('已派单');
    expect(texts(page, '#timeline .step-title').pop()).toBe('重新处理');
  });

  test('cancel while not started; a refusal from the server stays on the panel', async () => {
    const t = await repair('不热');
    const page = await openPage('ticket-detail', { id: t.id });
    expect(page.querySelector('#action-confirm')).toBeUndefined();
    await tap(page, '#action-cancel');
    env.api.on('CancelTicket', () => ({ cancelTicket: { ticket: null, errors: [{ field: null, message: '工单已在处理中，不能撤销。', code: 'NOT_ALLOWED_IN_STATE' }] } }));
    await tap(page, '#cancel-submit');
    expect(text(page, '#action-error')).toBe('工单已在处理中，不能撤销。');
    env.api.off('CancelTicket');
    await input(page, '#cancel-reason', '自己修好了');
    await tap(page, '#cancel-submit');
    expect(opsOf('CancelTicket').pop().variables).toEqual({ id: t.id, reason: '自己修好了' });
    expect(text(page, '#status')).toBe('已撤销');
    expect(page.querySelector('#action-cancel')).toBeUndefined();
  });

  test('someone else’s or a missing ticket reads as not found', async () => {
    const t = await repair('不热', '12');
    env.api.state.bound = ['11'];
    const page = await openPage('ticket-detail', { id: t.id });
    expect(text(page, '#state-not-found')).toBe('工单不存在');
    const none = await openPage('ticket-detail', {});
    expect(text(none, '#state-not-found')).toBe('工单不存在');
  });
});

describe('entry points', () => {
  test('我的 lists 我的工单, 报修投诉, 室温报告 and 报停/恢复供暖', async () => {
    const page = await openPage('mine');
    const targets = { '#menu-tickets': '/pages/tickets/tickets', '#menu-repair': '/pages/repair/repair',
      '#menu-temperature': '/pages/temperature/temperature', '#menu-opt-out': '/pages/opt-out/opt-out' };
    for (const [selector, url] of Object.entries(targets)) {
      await tap(page, selector);
      expect(lastNavigation()).toEqual({ type: 'navigateTo', url });
    }
  });

  test('首页 offers the services under the houses (none before a house is bound)', async () => {
    const page = await openPage('index');
    expect(texts(page, '#services .small')).toEqual(['报修投诉', '室温报告', '我的工单', '报停/恢复']);
    await tap(page, '#service-temperature');
    expect(lastNavigation()).toEqual({ type: 'navigateTo', url: '/pages/temperature/temperature' });
    await tap(page, '#service-opt-out');
    expect(lastNavigation()).toEqual({ type: 'navigateTo', url: '/pages/opt-out/opt-out' });
    setUp({ bound: [] });
    const empty = await openPage('index');
    expect(empty.querySelector('#services')).toBeUndefined();
  });
});
