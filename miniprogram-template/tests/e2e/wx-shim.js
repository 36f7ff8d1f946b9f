'use strict';
/**
 * `wx` for running the template in Node against a live HeatCloud server:
 *
 * - wx.request over node:http. A URL on the company host or the platform host is
 *   sent to the address the server listens on, with the URL's host as Host header
 *   (Node cannot resolve *.localhost). Any other host fails like a blocked domain.
 * - wx.login answers `sandbox:<resident>` (the sandbox WeChat login provider).
 * - wx.requestPayment confirms in the sandbox WeChat Pay gateway:
 *   POST <platform>/sandbox/wechatpay/confirm {"prepay_id", "result": "pay"}.
 * - wx.requestSubscribeMessage answers as the sandbox WeChat's phone side does:
 *   POST <platform>/sandbox/wxapi/_client/subscribe {appid, openid, tmplIds, result} (the resident's
 *   answer, `subscribeResult`, default accept); its answer is the success or fail result.
 *   Calls are recorded in wx.sandboxSubscribes.
 * - storage in memory, getExtConfigSync from the E2E settings; navigation,
 *   toasts and modals recorded (modals are confirmed).
 */
const crypto = require('crypto');
const http = require('http');
const https = require('https');
const { createFakeWx } = require('../support/fake-wx');

function httpRequest(settings, opts) {
  const url = new URL(opts.url);
  let target;
  if (url.hostname === settings.host) target = settings.apiBase;
  else if (url.hostname === settings.sandboxHost) target = settings.sandboxBase;
  else return Promise.reject({ errMsg: `request:fail url not in domain list (${url.hostname})` });

  const body = opts.data === undefined ? '' : (typeof opts.data === 'string' ? opts.data : JSON.stringify(opts.data));
  const headers = Object.assign({}, opts.header || {}, { Host: url.host, 'Content-Length': Buffer.byteLength(body) });
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request({
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port || (target.protocol === 'https:' ? 443 : 80),
      method: opts.method || 'GET',
      path: url.pathname + url.search,
      headers,
      timeout: opts.timeout || 30000,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let data = text;
        if (opts.dataType !== 'text') {
          try { data = JSON.parse(text); } catch (e) { data = text; }
        }
        resolve({ statusCode: res.statusCode, data, header: res.headers });
      });
    });
    req.on('timeout', () => { req.destroy(); reject({ errMsg: 'request:fail timeout' }); });
    req.on('error', (err) => reject({ errMsg: `request:fail ${err.code || ''} ${err.message}`.trim() }));
    req.end(body);
  });
}

/** The sandbox login's openid for a name (apps/residents/providers/sandbox.py: "sbx-" + HMAC-SHA256(AppID, name)). */
function sandboxOpenid(appid, name) {
  return `sbx-${crypto.createHmac('sha256', appid).update(name).digest('hex').slice(0, 40)}`;
}

function createWxShim(settings, options) {
  const o = Object.assign({ payResult: 'pay', subscribeResult: settings.subscribeResult || 'accept' }, options);
  const confirms = [];
  const subscribes = [];
  const transport = (opts) => httpRequest(settings, opts);

  async function payment(params) {
    const missing = ['timeStamp', 'nonceStr', 'package', 'signType', 'paySign'].filter((k) => !params[k]);
    if (missing.length) return `parameter error: ${missing.join(', ')}`;
    const match = /^prepay_id=(.+)$/.exec(params.package);
    if (!match) return 'parameter error: package';
    const res = await transport({
      url: settings.sandboxConfirmUrl,
      method: 'POST',
      header: { 'content-type': 'application/json' },
      data: { prepay_id: match[1], result: o.payResult },
    });
    confirms.push({ prepayId: match[1], result: o.payResult, statusCode: res.statusCode, data: res.data });
    if (res.statusCode < 200 || res.statusCode >= 300) return `sandbox confirm answered ${res.statusCode}`;
    return o.payResult === 'pay' ? 'ok' : 'fail';
  }

  const wx = createFakeWx({
    ext: {
      apiBaseUrl: settings.companyUrl,
      companyName: 'E2E 热力',
      themeColor: '#E8590C',
      servicePhone: '',
      tenant: settings.host.split('.')[0],
    },
    transport,
    payment,
    loginCode: () => `sandbox:${settings.resident}`,
  });
  wx.sandboxConfirms = confirms;
  wx.sandboxSubscribes = subscribes;

  wx.requestSubscribeMessage = (opts) => {
    const body = { appid: settings.appid, openid: settings.openid || sandboxOpenid(settings.appid, settings.resident),
      tmplIds: opts.tmplIds, result: o.subscribeResult };
    transport({ url: settings.sandboxSubscribeUrl, method: 'POST', header: { 'content-type': 'application/json' }, data: body })
      .then((res) => {
        const answer = res.data && typeof res.data === 'object' ? res.data : { errMsg: `requestSubscribeMessage:fail ${res.statusCode}` };
        subscribes.push({ request: body, statusCode: res.statusCode, answer });
        if (/:ok$/.test(String(answer.errMsg || ''))) opts.success(answer);
        else opts.fail(answer);
      }, (err) => {
        subscribes.push({ request: body, error: err });
        opts.fail({ errMsg: `requestSubscribeMessage:fail ${err.errMsg || err}`, errCode: 10002 });
      });
  };
  return wx;
}

module.exports = { createWxShim, httpRequest, sandboxOpenid };
