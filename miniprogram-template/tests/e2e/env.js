'use strict';
/**
 * E2E settings, from the environment (defaults: `make run`'s demo company).
 *
 *   HEATCLOUD_E2E_API_BASE      where the live server listens            http://127.0.0.1:8000
 *   HEATCLOUD_E2E_HOST          the company's host name (Host header)    demo.localhost
 *   HEATCLOUD_E2E_SANDBOX_BASE  where the platform host listens          = HEATCLOUD_E2E_API_BASE
 *   HEATCLOUD_E2E_SANDBOX_HOST  the platform host (sandbox gateways)     localhost
 *   HEATCLOUD_E2E_ACCOUNT_NO    户号 to bind and pay                      H10001
 *   HEATCLOUD_E2E_OWNER_NAME    its owner's name                          王建国
 *   HEATCLOUD_E2E_RESIDENT      sandbox WeChat user (wx.login → sandbox:<name>)  e2e-<time>-<random>
 *   HEATCLOUD_E2E_PHONE         bind this phone with the phone button (sandbox-phone:<n>); unset: skip
 *   HEATCLOUD_E2E_PAYMENT       "0" stops after listing bills (a server without payments)   1
 *   HEATCLOUD_E2E_APPID         the company's AppID (the sandbox WeChat's subscribe popup)  wxd3e0c0ffee000001
 *   HEATCLOUD_E2E_OPENID        the resident's openid there      the sandbox login's, from APPID and RESIDENT
 *   HEATCLOUD_E2E_SUBSCRIBE     the answer to wx.requestSubscribeMessage: accept | reject | ban   accept
 *
 * The template itself is configured like a branded build: ext apiBaseUrl is
 * http://<HOST>:<port of API_BASE>. Node cannot resolve *.localhost, so the wx
 * shim connects to API_BASE / SANDBOX_BASE and sends the URL's host as Host.
 */

function env(name, fallback) {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

function load() {
  const apiBase = new URL(env('HEATCLOUD_E2E_API_BASE', 'http://127.0.0.1:8000'));
  const sandboxBase = new URL(env('HEATCLOUD_E2E_SANDBOX_BASE', apiBase.origin));
  const host = env('HEATCLOUD_E2E_HOST', 'demo.localhost');
  const sandboxHost = env('HEATCLOUD_E2E_SANDBOX_HOST', 'localhost');
  const port = apiBase.port ? `:${apiBase.port}` : '';
  const sandboxPort = sandboxBase.port ? `:${sandboxBase.port}` : '';
  return {
    apiBase,
    sandboxBase,
    host,
    sandboxHost,
    companyUrl: `${apiBase.protocol}//${host}${port}`,
    sandboxConfirmUrl: `${sandboxBase.protocol}//${sandboxHost}${sandboxPort}/sandbox/wechatpay/confirm`,
    sandboxSubscribeUrl: `${sandboxBase.protocol}//${sandboxHost}${sandboxPort}/sandbox/wxapi/_client/subscribe`,
    sandboxMessagesUrl: `${sandboxBase.protocol}//${sandboxHost}${sandboxPort}/sandbox/messages.json`,
    accountNo: env('HEATCLOUD_E2E_ACCOUNT_NO', 'H10001'),
    ownerName: env('HEATCLOUD_E2E_OWNER_NAME', '王建国'),
    resident: env('HEATCLOUD_E2E_RESIDENT', `e2e-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`),
    phone: env('HEATCLOUD_E2E_PHONE', ''),
    payment: env('HEATCLOUD_E2E_PAYMENT', '1') !== '0',
    appid: env('HEATCLOUD_E2E_APPID', 'wxd3e0c0ffee000001'),
    openid: env('HEATCLOUD_E2E_OPENID', ''),
    subscribeResult: env('HEATCLOUD_E2E_SUBSCRIBE', 'accept'),
  };
}

module.exports = { load };
