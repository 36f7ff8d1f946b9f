'use strict';
/**
 * Tenant configuration. Everything that differs between heating companies
 * comes from the third-party-platform ext config (`wx.getExtConfigSync()`,
 * i.e. the `ext` object of the branded build's ext.json):
 *
 *   apiBaseUrl    https://<company domain>   (required; GraphQL at <apiBaseUrl>/graphql/)
 *   companyName   shown in titles and headers (required)
 *   themeColor    #RRGGBB, the primary colour (default: a warm orange)
 *   logoUrl       https URL or a package path such as /assets/logo.png
 *   servicePhone  customer service number for wx.makePhoneCall
 *   tenant        the company's slug (namespaces local storage)
 *   sandboxUser   sandbox only: log in as `sandbox:<sandboxUser>` instead of a wx.login code
 *   sandboxPhone  sandbox only: bind `sandbox-phone:<sandboxPhone>` instead of the phone button's code
 *   sandboxPayUrl sandbox only: the sandbox gateway's confirm URL; payments are confirmed
 *                 there after a modal instead of wx.requestPayment (DevTools)
 *
 * The sandbox keys exist for `make run`'s demo in WeChat DevTools; a production
 * build never sets them (and the sandbox endpoints do not exist in production).
 *
 * The `branding` query may later refresh name, logo, colour and phone
 * (applyBranding); the ext config stays the source of the API address.
 */

const DEFAULT_THEME = '#E8590C';
const DEFAULT_NAME = '供暖缴费';
const HEX = /^#[0-9a-fA-F]{6}$/;

let cached = null;

function readExtConfig() {
  try {
    if (typeof wx !== 'undefined' && typeof wx.getExtConfigSync === 'function') {
      return wx.getExtConfigSync() || {};
    }
  } catch (e) {
    // fall through
  }
  return {};
}

function isDevtools() {
  try {
    const info = typeof wx.getDeviceInfo === 'function' ? wx.getDeviceInfo() : wx.getSystemInfoSync();
    return Boolean(info && info.platform === 'devtools');
  } catch (e) {
    return false;
  }
}

function str(value) {
  return typeof value === 'string' ? value.trim() : '';
}

function normalize(ext, source) {
  const apiBaseUrl = str(ext.apiBaseUrl).replace(/\/+$/, '');
  const themeColor = HEX.test(str(ext.themeColor)) ? str(ext.themeColor).toUpperCase() : DEFAULT_THEME;
  return {
    source,
    configured: /^https?:\/\/[^/]+/.test(apiBaseUrl),
    apiBaseUrl,
    graphqlUrl: apiBaseUrl ? `${apiBaseUrl}/graphql/` : '',
    companyName: str(ext.companyName) || DEFAULT_NAME,
    themeColor,
    logoUrl: str(ext.logoUrl),
    servicePhone: str(ext.servicePhone),
    tenant: str(ext.tenant) || 'default',
    sandboxUser: str(ext.sandboxUser),
    sandboxPhone: str(ext.sandboxPhone),
    sandboxPayUrl: str(ext.sandboxPayUrl),
  };
}

function load() {
  let ext = readExtConfig();
  let source = 'ext';
  if (!str(ext.apiBaseUrl) && isDevtools()) {
    // WeChat DevTools applies ext.json only to a third-party platform's template
    // AppID; with a test AppID we use the demo company (see README). Never on a phone.
    ext = Object.assign({}, require('../config/devtools-ext.js'), ext);
    source = 'devtools';
  }
  return normalize(ext, source);
}

function get() {
  if (!cached) cached = load();
  return cached;
}

/**
 * Overlay the `branding` query's answer (only non-empty, valid values).
 * Returns true when something visible changed.
 */
function applyBranding(branding) {
  if (!branding) return false;
  const cfg = get();
  const next = Object.assign({}, cfg);
  if (str(branding.displayName)) next.companyName = str(branding.displayName);
  if (str(branding.logoUrl)) next.logoUrl = str(branding.logoUrl);
  if (HEX.test(str(branding.themeColor))) next.themeColor = str(branding.themeColor).toUpperCase();
  if (str(branding.servicePhone)) next.servicePhone = str(branding.servicePhone);
  const changed = ['companyName', 'logoUrl', 'themeColor', 'servicePhone'].some((k) => next[k] !== cfg[k]);
  cached = next;
  return changed;
}

/** Forget the cached config (tests; a new ext config). */
function reset() {
  cached = null;
}

module.exports = { get, applyBranding, reset, normalize, DEFAULT_THEME };
