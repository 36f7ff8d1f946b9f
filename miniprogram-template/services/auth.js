'use strict';
/**
 * Resident sign-in: wx.login → wechatLogin(code) → Bearer token in storage.
 * There is no refresh mutation; an expired token is replaced by logging in
 * again (the API client does that once on UNAUTHENTICATED). Concurrent
 * callers share one login.
 */
const { ApiError, KINDS, unwrap } = require('../utils/api');
const config = require('../utils/config');
const session = require('../utils/session');
const wxp = require('../utils/wxp');
const client = require('./client');

const PROFILE_FIELDS = 'id displayName phoneMasked';

const WECHAT_LOGIN = `mutation WechatLogin($code: String!) {
  wechatLogin(code: $code) { token expiresIn resident { ${PROFILE_FIELDS} } errors { field message code } }
}`;
const MY_PROFILE = `query MyProfile { myProfile { ${PROFILE_FIELDS} } }`;
const BIND_PHONE = `mutation BindPhone($code: String!) {
  bindPhone(code: $code) { resident { ${PROFILE_FIELDS} } errors { field message code } }
}`;
const REQUEST_SMS_CODE = `mutation RequestSmsCode($phone: String!) {
  requestSmsCode(phone: $phone) { phoneMasked expiresIn resendIn errors { field message code } }
}`;
const VERIFY_SMS_CODE = `mutation VerifySmsCode($phone: String!, $code: String!) {
  verifySmsCode(phone: $phone, code: $code) { resident { ${PROFILE_FIELDS} } errors { field message code } }
}`;

let inflight = null;

async function loginCode() {
  const cfg = config.get();
  if (cfg.sandboxUser) return `sandbox:${cfg.sandboxUser}`;
  let res;
  try {
    res = await wxp.call('login', { timeout: 10000 });
  } catch (e) {
    throw new ApiError(KINDS.NETWORK, '微信登录失败，请稍后重试', { code: 'WX_LOGIN_FAILED' });
  }
  if (!res || !res.code) throw new ApiError(KINDS.NETWORK, '微信登录失败，请稍后重试', { code: 'WX_LOGIN_FAILED' });
  return res.code;
}

async function doLogin() {
  const code = await loginCode();
  const data = await client.mutate(WECHAT_LOGIN, { code }, { auth: false });
  const payload = unwrap(data, 'wechatLogin');
  session.save(payload.token, payload.expiresIn);
  session.saveProfile(payload.resident);
  return payload.resident;
}

/** Log in (again); callers at the same time share one wx.login + wechatLogin. */
function login() {
  if (!inflight) {
    inflight = doLogin().then(
      (resident) => { inflight = null; return resident; },
      (err) => { inflight = null; throw err; },
    );
  }
  return inflight;
}

/** Logged in already (unexpired token), or log in now. */
async function ensureLogin() {
  if (session.hasToken()) return session.getProfile();
  return login();
}

async function fetchProfile() {
  const data = await client.query(MY_PROFILE);
  session.saveProfile(data.myProfile);
  return data.myProfile;
}

/** Code from <button open-type="getPhoneNumber">; the sandbox uses sandbox-phone:<n> instead. */
async function bindPhone(code) {
  const cfg = config.get();
  const effective = cfg.sandboxPhone ? `sandbox-phone:${cfg.sandboxPhone}` : code;
  const payload = unwrap(await client.mutate(BIND_PHONE, { code: effective }), 'bindPhone');
  session.saveProfile(payload.resident);
  return payload.resident;
}

async function requestSmsCode(phone) {
  return unwrap(await client.mutate(REQUEST_SMS_CODE, { phone }), 'requestSmsCode');
}

async function verifySmsCode(phone, code) {
  const payload = unwrap(await client.mutate(VERIFY_SMS_CODE, { phone, code }), 'verifySmsCode');
  session.saveProfile(payload.resident);
  return payload.resident;
}

function logout() {
  session.clear();
}

module.exports = { login, ensureLogin, fetchProfile, bindPhone, requestSmsCode, verifySmsCode, logout };
