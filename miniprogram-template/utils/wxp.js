'use strict';
/**
 * Promise wrappers around callback-style wx APIs.
 *
 * `wx` is looked up at call time (not captured at load), so tests and the E2E
 * harness can install their own `wx` before every test.
 */

function call(name, options) {
  return new Promise((resolve, reject) => {
    const api = wx[name];
    if (typeof api !== 'function') {
      reject({ errMsg: `${name}:fail not supported` });
      return;
    }
    api(Object.assign({}, options, { success: resolve, fail: reject }));
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A toast that never throws (toasts are decoration). */
function toast(title, icon) {
  try {
    wx.showToast({ title, icon: icon || 'none', duration: 2000 });
  } catch (e) {
    // ignore
  }
}

/** Resolves true when the user confirms. */
function confirm(title, content, confirmText) {
  return call('showModal', {
    title,
    content,
    confirmText: confirmText || '确定',
    cancelText: '取消',
  }).then((res) => Boolean(res && res.confirm), () => false);
}

module.exports = { call, sleep, toast, confirm };
