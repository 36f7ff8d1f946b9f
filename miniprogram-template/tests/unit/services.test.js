'use strict';
/**
 * services/services.js and utils/tickets.js: the GraphQL calls of resident services (variables as the
 * API takes them, payload errors as PAYLOAD), the photo upload (multipart file + purpose with the Bearer
 * token to the company's /files/services/photos/ only; 413 / 400 messages from the server; one re-login
 * on 401; never retried), picking pictures, and the views and checks the pages use.
 */
const { installFakeWx } = require('../support/fake-wx');
const { createFakeApi } = require('../support/fake-api');
const { withServices, addServiceWx } = require('../support/fake-services');
const { flush } = require('../support/pages');
const servicesApi = require('../../services/services');
const session = require('../../utils/session');
const { KINDS } = require('../../utils/api');
const {
  checkTemperature, ticketView, ticketListView, applicationView, optionView, splitErrors, degrees,
} = require('../../utils/tickets');

let wx;
let api;

function setUp(seed) {
  api = withServices(createFakeApi(Object.assign({ bound: ['11', '12'] }, seed)));
  wx = addServiceWx(installFakeWx({ transport: api.transport }), { uploadFile: api.uploadFile });
}

function opsOf(op) {
  return api.calls.filter((c) => c.op === op);
}

beforeEach(() => setUp());

describe('tickets through the API', () => {
  test('categories of one kind; submit sends the input as TicketInput wants it', async () => {
    expect((await servicesApi.ticketCategories('REPAIR')).map((c) => c.name)).toEqual(['暖气不热', '管道漏水']);
    expect(opsOf('TicketCategories')[0].variables).toEqual({ kind: 'REPAIR' });

    const photo = await servicesApi.uploadPhoto('wxfile://tmp/a.jpg', 'ticket');
    const ticket = await servicesApi.submitTicket({
      houseId: 11, kind: 'REPAIR', categoryId: 2, description: '厨房管道漏水', contactName: '王建国', photoIds: [photo.id],
    });
    expect(ticket.status).toBe('SUBMITTED');
    expect(opsOf('SubmitTicket')[0].variables).toEqual({ input: {
      houseId: '11', kind: 'REPAIR', categoryId: '2', description: '厨房管道漏水', contactName: '王建国', contactPhone: '',
      photoIds: [photo.id],
    } });
  });

  test('a temperature report carries reportedTemp as a decimal string and no category', async () => {
    await servicesApi.submitTicket({ houseId: '11', kind: 'TEMPERATURE', reportedTemp: '15.0', description: '住户报告室温 15.0℃', contactName: '王' });
    const { input } = opsOf('SubmitTicket')[0].variables;
    expect(input.reportedTemp).toBe('15.0');
    expect(input).not.toHaveProperty('categoryId');
  });

  test('refusals are PAYLOAD errors with the server’s fields', async () => {
    const err = await servicesApi.submitTicket({ houseId: '99', kind: 'REPAIR', description: 'x', contactName: '王' }).catch((e) => e);
    expect(err).toMatchObject({ kind: KINDS.PAYLOAD, code: 'NOT_FOUND' });
    expect(err.fieldErrors()).toEqual({ houseId: '房屋不存在。' });
  });

  test('my tickets: one status or all, paged', async () => {
    for (let i = 0; i < 3; i += 1) {
      await servicesApi.submitTicket({ houseId: '11', kind: 'COMPLAINT', categoryId: '5', description: `第${i}次`, contactName: '王' });
    }
    api.resolveTicket(api.services.tickets[0].id, '已修好');
    const all = await servicesApi.myTickets(null, 0, 2);
    expect(all.totalCount).toBe(3);
    expect(all.items).toHaveLength(2);
    expect(opsOf('MyTickets')[0].variables).toEqual({ offset: 0, limit: 2 });
    const resolved = await servicesApi.myTickets('RESOLVED', 0, 20);
    expect(resolved.items.map((t) => t.description)).toEqual(['第2次']);
    expect(opsOf('MyTickets')[1].variables).toEqual({ status: 'RESOLVED', offset: 0, limit: 20 });
  });

  test('confirm, reopen and cancel send their arguments; a wrong state is PAYLOAD', async () => {
    const t = await servicesApi.submitTicket({ houseId: '11', kind: 'REPAIR', categoryId: '1', description: '不热', contactName: '王' });
    const early = await servicesApi.confirmTicket(t.id, 5, '').catch((e) => e);
    expect(early).toMatchObject({ kind: KINDS.PAYLOAD, code: 'NOT_ALLOWED_IN_STATE' });
    api.resolveTicket(t.id, '已排气');
    await servicesApi.reopenTicket(t.id, '还是不热');
    expect(opsOf('ReopenTicket')[0].variables).toEqual({ id: t.id, reason: '还是不热' });
    api.resolveTicket(t.id, '更换阀门');
    expect((await servicesApi.confirmTicket(t.id, 4, '师傅很专业')).status).toBe('CLOSED');
    expect(opsOf('ConfirmTicket')[1].variables).toEqual({ id: t.id, rating: 4, comment: '师傅很专业' });
    const other = await servicesApi.submitTicket({ houseId: '12', kind: 'REPAIR', categoryId: '1', description: '不热', contactName: '李' });
    expect((await servicesApi.cancelTicket(other.id, '')).status).toBe('CANCELLED');
    expect(opsOf('CancelTicket')[0].variables).toEqual({ id: other.id });
  });

  test('someone else’s ticket is null', async () => {
    const t = await servicesApi.submitTicket({ houseId: '12', kind: 'REPAIR', categoryId: '1', description: '不热', contactName: '李' });
    api.state.bound = ['11'];
    expect(await servicesApi.myTicket(t.id)).toBeNull();
  });
});

describe('报停 through the API', () => {
  test('options of a house with its resume seasons; null for a house not mine', async () => {
    const options = await servicesApi.optOutOptions('12');
    expect(options).toMatchObject({ houseId: '12', heatingStatus: 'opted_out', canResume: true });
    expect(options.resumeSeasons.map((s) => s.name)).toEqual(['2026-2027']);
    api.state.bound = ['11'];
    expect(await servicesApi.optOutOptions('12')).toBeNull();
  });

  test('apply sends OptOutInput; effectiveDate only when given; cancel', async () => {
    const photo = await servicesApi.uploadPhoto('wxfile://tmp/deed.jpg', 'ownership');
    const app = await servicesApi.applyOptOut({ houseId: '11', seasonId: '3', kind: 'OPT_OUT', reason: '长期无人居住',
      applicantName: '王建国', photoIds: [photo.id] });
    expect(opsOf('ApplyOptOut')[0].variables.input).toEqual({ houseId: '11', seasonId: '3', kind: 'OPT_OUT', reason: '长期无人居住',
      applicantName: '王建国', contactPhone: '', photoIds: [photo.id] });
    expect(app.status).toBe('SUBMITTED');
    expect((await servicesApi.myOptOutApplications()).map((a) => a.no)).toEqual([app.no]);
    expect((await servicesApi.cancelOptOut(app.id)).status).toBe('CANCELLED');

    await servicesApi.applyOptOut({ houseId: '12', seasonId: '2', kind: 'RESUME', reason: '回家住', applicantName: '李淑芬', effectiveDate: '2026-12-20' });
    expect(opsOf('ApplyOptOut')[1].variables.input.effectiveDate).toBe('2026-12-20');
  });
});

describe('photo upload', () => {
  test('multipart file + purpose with the Bearer token to <apiBaseUrl>/files/services/photos/', async () => {
    const photo = await servicesApi.uploadPhoto('wxfile://tmp/a.jpg', 'thermometer');
    expect(photo).toMatchObject({ width: 800, height: 600 });
    expect(photo.url).toMatch(/^https:\/\/north-heat\.example\.test\/files\/services\/photos\/.+sig=/);
    const sent = wx.calls.upload[0];
    expect(sent).toMatchObject({ url: 'https://north-heat.example.test/files/services/photos/', filePath: 'wxfile://tmp/a.jpg',
      name: 'file', formData: { purpose: 'thermometer' } });
    expect(sent.header.Authorization).toBe(`Bearer ${session.getToken()}`);
  });

  test('413 and 400 carry the server’s message; nothing is retried', async () => {
    await servicesApi.uploadPhoto('wxfile://tmp/a.jpg', 'ticket'); // logged in
    const big = await servicesApi.uploadPhoto('wxfile://tmp/big.jpg', 'ticket').catch((e) => e);
    expect(big).toMatchObject({ kind: KINDS.HTTP, code: 'FILE_TOO_LARGE', status: 413, message: '照片不能超过 5 MB。' });
    const bad = await servicesApi.uploadPhoto('wxfile://tmp/notimage.jpg', 'ticket').catch((e) => e);
    expect(bad).toMatchObject({ kind: KINDS.HTTP, code: 'PHOTO_BAD_TYPE', status: 400, message: '只能上传 JPEG、PNG 或 WebP 图片。' });
    expect(wx.calls.upload).toHaveLength(3);
  });

  test('a 413 from a proxy (no JSON) still reads as too large', async () => {
    wx = addServiceWx(wx, { uploadFile: () => ({ statusCode: 413, data: '<html>413 Request Entity Too Large</html>' }) });
    const err = await servicesApi.uploadPhoto('wxfile://tmp/a.jpg', 'ticket').catch((e) => e);
    expect(err).toMatchObject({ kind: KINDS.HTTP, code: 'FILE_TOO_LARGE', message: '图片不能超过 5 MB' });
  });

  test('an expired token: one re-login and one more upload', async () => {
    await servicesApi.uploadPhoto('wxfile://tmp/a.jpg', 'ticket');
    api.tokens.clear();
    const photo = await servicesApi.uploadPhoto('wxfile://tmp/b.jpg', 'ticket');
    expect(photo.id).toBeTruthy();
    expect(wx.calls.upload).toHaveLength(3);
    expect(wx.calls.login).toBe(2);
  });

  test('a network failure is NETWORK and not retried; another host never gets the token', async () => {
    wx = addServiceWx(wx, { uploadFile: () => Promise.reject({ errMsg: 'uploadFile:fail timeout' }) });
    const err = await servicesApi.uploadPhoto('wxfile://tmp/a.jpg', 'ticket').catch((e) => e);
    expect(err).toMatchObject({ kind: KINDS.NETWORK, code: 'TIMEOUT' });
    expect(wx.calls.upload).toHaveLength(1);
    expect(wx.calls.upload.every((u) => u.url.startsWith('https://north-heat.example.test/'))).toBe(true);
    await expect(servicesApi.uploadPhoto('wxfile://tmp/a.jpg', 'seal')).rejects.toThrow(TypeError);
  });

  test('choosing: compressed images from album or camera; cancel is no pictures', async () => {
    wx.options.chooseMedia = () => [{ tempFilePath: 'wxfile://1.jpg', size: 10 }, { tempFilePath: 'wxfile://2.jpg', size: 20 }];
    expect(await servicesApi.choosePhotos(9)).toEqual([{ path: 'wxfile://1.jpg', size: 10 }, { path: 'wxfile://2.jpg', size: 20 }]);
    expect(wx.calls.choose[0]).toMatchObject({ count: 9, mediaType: ['image'], sizeType: ['compressed'] });
    wx.options.chooseMedia = () => 'cancel';
    expect(await servicesApi.choosePhotos(1)).toEqual([]);
    wx.options.chooseMedia = () => 'fail';
    await expect(servicesApi.choosePhotos(1)).rejects.toMatchObject({ message: '无法选择图片，请稍后再试' });
    await flush();
  });
});

describe('views and checks', () => {
  test('room temperature: one decimal, −10…40 ℃', () => {
    expect(checkTemperature('15')).toEqual({ value: '15.0' });
    expect(checkTemperature(' 16.5 ')).toEqual({ value: '16.5' });
    expect(checkTemperature('-10')).toEqual({ value: '-10.0' });
    expect(checkTemperature('40.0')).toEqual({ value: '40.0' });
    expect(checkTemperature('')).toEqual({ error: '请填写室内温度' });
    expect(checkTemperature('16.55').error).toBe('请填写数字，最多一位小数，如 16.5');
    expect(checkTemperature('abc').error).toBe('请填写数字，最多一位小数，如 16.5');
    expect(checkTemperature('40.1').error).toBe('温度应在 -10℃ 至 40℃ 之间');
    expect(checkTemperature('-10.5').error).toBe('温度应在 -10℃ 至 40℃ 之间');
    expect(degrees('15.50')).toBe('15.5℃');
    expect(degrees(null)).toBe('');
  });

  test('a ticket: statuses, actions, timeline in China time, inspections, shortfall and compensation', () => {
    const view = ticketView({
      id: 7, no: 'T1', kind: 'TEMPERATURE', status: 'RESOLVED', statusText: '已解决', house: { id: '11', accountNo: 'H10001', address: '幸福小区' },
      reportedTemp: '15.0', residentActions: ['CONFIRM', 'REOPEN'], submittedAt: '2026-12-07T02:00:00Z',
      timeline: [{ action: 'submit', toStatus: 'SUBMITTED', actorKind: 'resident', actorName: '', createdAt: '2026-12-07T02:00:00Z' },
        { action: 'escalate', fromStatus: 'ASSIGNED', toStatus: 'ASSIGNED', actorKind: 'system', actorName: '系统', note: '超时', createdAt: '2026-12-07T10:00:00Z' }],
      inspections: [{ id: 1, measuredAt: '2026-12-08T06:00:00Z', houseTemp: '16.2', compliant: false, causeText: '供热方原因',
        rooms: [{ name: '主卧', area: '15.20', readings: ['16.2', '16.2'], temp: '16.2', compliant: false }], technician: { name: '张师傅' } }],
      shortfall: { id: 4, status: 'CLOSED', startedOn: '2026-12-08', endedOn: '2026-12-19', days: 12,
        compensation: { id: 9, amountFen: 2880, status: 'CARRIED', statusText: '待抵扣下季热费', method: 'NEXT_BILL', carriedFen: 2880,
          lines: [{ text: '室温16.2℃，低于标准1.8℃，12天，退费30%', amountFen: 2880 }] } },
    });
    expect(view).toMatchObject({ kindText: '室温报告', statusText: '已解决', statusClass: 'tag-done', canConfirm: true, canReopen: true,
      canCancel: false, reportedTempText: '15.0℃', submittedAt: '2026-12-07 10:00' });
    expect(view.timeline.map((e) => [e.title, e.actor, e.at])).toEqual([['提交', '住户', '2026-12-07 10:00'], ['已上报', '系统', '2026-12-07 18:00']]);
    expect(view.inspections[0]).toMatchObject({ resultText: '不达标', houseTempText: '16.2℃', causeText: '供热方原因', technician: '张师傅' });
    expect(view.inspections[0].rooms[0]).toMatchObject({ name: '主卧', areaText: '15.20㎡', tempText: '16.2℃', compliant: false });
    expect(view.shortfall.compensation).toMatchObject({ amountText: '¥28.80', methodText: '抵扣下季热费', carriedText: '¥28.80', statusClass: 'tag-done' });
    expect(ticketListView({ id: 1, kind: 'REPAIR', status: 'ON_SITE', residentActions: [], respondOverdue: true }))
      .toMatchObject({ statusText: '处理中', open: true, overdue: true, needsConfirm: false });
  });

  test('报停 views; server errors split onto the form', () => {
    expect(applicationView({ id: 1, kind: 'OPT_OUT', status: 'APPROVED', statusText: '', residentActions: [], season: { name: '2027-2028' } }))
      .toMatchObject({ kindText: '报停', statusText: '已批准，待施封', canCancel: false, seasonName: '2027-2028' });
    expect(optionView({ season: { id: 3, name: '2027-2028' }, deadline: '2027-10-15', canApply: false, reason: '已过申请截止日期', basicFeePct: '30.00' }))
      .toMatchObject({ seasonId: '3', canApply: false, reason: '已过申请截止日期', basicFeeText: '30%' });
    expect(splitErrors([{ field: 'input.contact_phone', message: '电话无效' }, { field: null, message: '房屋欠费' }], ['contactPhone']))
      .toEqual({ fields: { contactPhone: '电话无效' }, formError: '房屋欠费' });
  });
});
