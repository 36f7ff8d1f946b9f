'use strict';
/**
 * End to end, resident services (issue 16): the template's pages against a live HeatCloud server. A sandbox
 * resident binds a house, files a repair with a photo (picked, then uploaded with wx.uploadFile as multipart
 * over node:http to /files/services/photos/ with the Bearer token), reads the ticket with its photo and
 * timeline, cancels it, reports a room temperature, sees both under 我的工单 and reads the house's 报停
 * options and applications.
 *
 * Runs only with HEATCLOUD_E2E_SERVICES=1 (the server needs a repair category and a heating season under
 * way; tests/miniprogram_template/test_services_e2e.py prepares both and sets it). Same settings as
 * resident-pays (tests/e2e/env.js).
 */
const fs = require('fs');
const http = require('http');
const https = require('https');
const os = require('os');
const path = require('path');
const settings = require('./env').load();
const { createWxShim, httpRequest } = require('./wx-shim');
const { openPage, text, texts, tap, flush, waitFor } = require('../support/pages');

const ENABLED = process.env.HEATCLOUD_E2E_SERVICES === '1';
// A valid 1×1 PNG (the server decodes and re-encodes every picture).
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

let wx;
let photoPath;

function lastNavigation() {
  return wx.calls.navigate[wx.calls.navigate.length - 1];
}

function queryOf(url) {
  const query = {};
  (url.split('?')[1] || '').split('&').filter(Boolean).forEach((pair) => {
    const [k, v] = pair.split('=');
    query[k] = decodeURIComponent(v);
  });
  return query;
}

async function input(page, selector, value) {
  page.querySelector(selector).dispatchEvent('input', { detail: { value } });
  await flush();
}

/** wx.uploadFile over node:http: multipart/form-data with `formData` fields and the file, like WeChat sends it. */
function uploadFile(opts) {
  const url = new URL(opts.url);
  if (url.hostname !== settings.host) {
    opts.fail({ errMsg: `uploadFile:fail url not in domain list (${url.hostname})` });
    return;
  }
  const boundary = `----wxupload${Date.now()}`;
  const parts = [];
  Object.keys(opts.formData || {}).forEach((key) => {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${key}"\r\n\r\n${opts.formData[key]}\r\n`));
  });
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${opts.name}"; filename="${path.basename(opts.filePath)}"\r\n`
    + 'Content-Type: image/png\r\n\r\n'));
  parts.push(fs.readFileSync(opts.filePath));
  parts.push(Buffer.from(`\r\n--${boundary}--\r\n`));
  const body = Buffer.concat(parts);
  const target = settings.apiBase;
  const client = target.protocol === 'https:' ? https : http;
  const req = client.request({
    protocol: target.protocol,
    hostname: target.hostname,
    port: target.port || (target.protocol === 'https:' ? 443 : 80),
    method: 'POST',
    path: url.pathname + url.search,
    headers: Object.assign({}, opts.header, { Host: url.host, 'Content-Type': `multipart/form-data; boundary=${boundary}`,
      'Content-Length': body.length }),
    timeout: opts.timeout || 30000,
  }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => opts.success({ statusCode: res.statusCode, data: Buffer.concat(chunks).toString('utf8'), errMsg: 'uploadFile:ok' }));
  });
  req.on('timeout', () => { req.destroy(); opts.fail({ errMsg: 'uploadFile:fail timeout' }); });
  req.on('error', (err) => opts.fail({ errMsg: `uploadFile:fail ${err.message}` }));
  req.end(body);
}

beforeAll(async () => {
  if (!ENABLED) return;
  await httpRequest(settings, { url: `${settings.companyUrl}/graphql/`, method: 'POST',
    header: { 'content-type': 'application/json' }, data: { query: '{ __typename }' } });
  wx = createWxShim(settings);
  wx.uploadFile = uploadFile;
  wx.chooseMedia = (opts) => Promise.resolve().then(() => opts.success({ tempFiles: [{ tempFilePath: photoPath, size: PNG.length }] }));
  wx.previewImage = () => {};
  global.wx = wx;
  require('../../utils/config').reset();
  require('../../services/client').reset();
  photoPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hc-e2e-')), 'thermometer.png');
  fs.writeFileSync(photoPath, PNG);
});

(ENABLED ? describe : describe.skip)(`a resident of ${settings.host} uses resident services`, () => {
  let houseId = null;
  let repairId = null;

  test('log in and bind the house', async () => {
    await require('../../services/auth').login();
    const house = await require('../../services/houses').bindHouse(settings.accountNo, { ownerName: settings.ownerName });
    houseId = String(house.id);
    expect(house.accountNo).toBe(settings.accountNo);
  });

  test('报修 with a photo: uploaded to the company, attached to the ticket, shown on its page', async () => {
    const page = await openPage('repair', { houseId });
    expect(page.instance.data.error).toBe('');
    expect(page.instance.data.houseId).toBe(houseId);
    const categories = page.instance.data.categories;
    expect(categories.length).toBeGreaterThan(0);
    await tap(page, `#category-${categories[0].id}`);
    await input(page, '#description', '厨房暖气片漏水（E2E）');
    await input(page, '#contact-name', '王建国');
    await tap(page, '#photos >>> #photo-add');
    await waitFor(() => page.querySelector('#photos').instance.value().photoIds.length === 1
      || Boolean(page.querySelector('#photos').instance.data.error), 10000, 'the upload');
    expect(page.querySelector('#photos').instance.data.error).toBe('');
    await tap(page, '#submit');
    await waitFor(() => wx.calls.navigate.length > 0 || Boolean(page.instance.data.formError), 10000, 'submitting');
    expect(page.instance.data.formError).toBe('');
    expect(page.instance.data.errors).toEqual({});
    const nav = lastNavigation();
    expect(nav.url).toMatch(/^\/pages\/ticket-detail\/ticket-detail\?id=/);
    repairId = queryOf(nav.url).id;

    const detail = await openPage('ticket-detail', { id: repairId });
    expect(detail.instance.data.error).toBe('');
    expect(text(detail, '#status')).toBe('已提交');
    expect(text(detail, '#description')).toBe('厨房暖气片漏水（E2E）');
    expect(detail.instance.data.ticket.photos).toHaveLength(1);
    expect(detail.instance.data.ticket.photos[0].url).toMatch(/\/files\/services\/photos\/[0-9a-f-]+\?exp=\d+&sig=/);
    expect(detail.instance.data.ticket.timeline.length).toBeGreaterThan(0);
    expect(detail.instance.data.ticket.canCancel).toBe(true);

    await tap(detail, '#action-cancel');
    await input(detail, '#cancel-reason', '已自行处理');
    await tap(detail, '#cancel-submit');
    await waitFor(() => text(detail, '#status') === '已撤销' || Boolean(detail.instance.data.actionError), 10000, 'cancel');
    expect(detail.instance.data.actionError).toBe('');
    expect(text(detail, '#status')).toBe('已撤销');
  });

  test('室温报告 becomes a TEMPERATURE ticket', async () => {
    wx.calls.navigate.length = 0;
    const page = await openPage('temperature', { houseId });
    await input(page, '#reported-temp', '15');
    await input(page, '#contact-name', '王建国');
    await tap(page, '#submit');
    await waitFor(() => wx.calls.navigate.length > 0 || Boolean(page.instance.data.formError)
      || Object.keys(page.instance.data.errors).length > 0, 10000, 'submitting');
    expect(page.instance.data.formError).toBe('');
    expect(page.instance.data.errors).toEqual({});
    const detail = await openPage('ticket-detail', queryOf(lastNavigation().url));
    expect(text(detail, '#kind')).toBe('室温报告');
    expect(text(detail, '#reported-temp')).toBe('报告室温 15.0℃');
  });

  test('我的工单 lists both, newest first', async () => {
    const page = await openPage('tickets');
    expect(page.instance.data.error).toBe('');
    expect(texts(page, '.ticket .status').slice(0, 2)).toEqual(['已提交', '已撤销']);
  });

  test('报停: the house’s options and my applications load', async () => {
    const page = await openPage('opt-out', { houseId });
    expect(page.instance.data.error).toBe('');
    expect(page.instance.data.optionsError).toBe('');
    expect(page.instance.data.heatingStatusText).toBe('正常供热');
    expect(text(page, '#no-applications')).toBe('暂无申请记录');
  });
});
