'use strict';
/** Page navigation, plus a hand-off for tab pages (switchTab cannot carry a query). */

const TABS = ['/pages/index/index', '/pages/bills/bills', '/pages/mine/mine'];
const handoff = {};

function query(params) {
  const parts = Object.keys(params || {})
    .filter((k) => params[k] !== undefined && params[k] !== null && params[k] !== '')
    .map((k) => `${k}=${encodeURIComponent(params[k])}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

function go(path, params) {
  if (TABS.indexOf(path) >= 0) {
    handoff[path] = params || null;
    wx.switchTab({ url: path });
    return;
  }
  wx.navigateTo({ url: path + query(params) });
}

function redirect(path, params) {
  wx.redirectTo({ url: path + query(params) });
}

function home() {
  wx.switchTab({ url: TABS[0] });
}

function back() {
  wx.navigateBack({ delta: 1, fail: () => home() });
}

/** Parameters a tab page was opened with through go(); read once. */
function takeHandoff(path) {
  const params = handoff[path] || null;
  delete handoff[path];
  return params;
}

module.exports = { go, redirect, home, back, takeHandoff, query, TABS };
