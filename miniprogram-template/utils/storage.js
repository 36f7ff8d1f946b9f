'use strict';
/**
 * wx storage namespaced per company (`hc.<tenant>.<key>`), so a token issued
 * by one company is never sent to another (matters in DevTools and when one
 * AppID is re-pointed). Errors reading storage read as "nothing stored".
 */
const config = require('./config');

function key(name) {
  return `hc.${config.get().tenant}.${name}`;
}

function get(name) {
  try {
    const value = wx.getStorageSync(key(name));
    return value === '' ? null : value;
  } catch (e) {
    return null;
  }
}

function set(name, value) {
  try {
    wx.setStorageSync(key(name), value);
  } catch (e) {
    // storage full or unavailable: the app still works for this session
  }
}

function remove(name) {
  try {
    wx.removeStorageSync(key(name));
  } catch (e) {
    // ignore
  }
}

module.exports = { get, set, remove };
