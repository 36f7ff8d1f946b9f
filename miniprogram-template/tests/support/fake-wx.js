'use strict';
/**
 * A fake `wx` for tests: in-memory storage, recorded navigation, toasts and
 * modals, and pluggable network (`transport`) and wallet (`payment`).
 * Callbacks run asynchronously (microtasks), like the real ones.
 *
 *   transport(requestOptions) -> Promise<{statusCode, data}>; reject with {errMsg} for a network failure
 *   download(downloadFileOptions) -> Promise<{statusCode, tempFilePath}>; reject with {errMsg} for a
 *     network failure. Like WeChat, any HTTP answer (404 too) is a success with its statusCode.
 *   openDocument(openDocumentOptions) -> 'ok' | a failure reason (or a promise of one)
 *   payment(requestPaymentOptions) -> 'ok' | 'cancel' | 'fail' (or a promise of one)
 *   modalAnswer(showModalOptions) -> boolean (confirm)
 */

const DEFAULT_EXT = Object.freeze({
  apiBaseUrl: 'https://north-heat.example.test',
  companyName: '北方热力',
  themeColor: '#D9480F',
  logoUrl: 'https://cdn.example.test/north-heat/logo.png',
  servicePhone: '0311-8888 6666',
  tenant: 'north-heat',
});

function clone(value) {
  return value === undefined ? value : JSON.parse(JSON.stringify(value));
}

function later(fn) {
  Promise.resolve().then(fn);
}

function createFakeWx(options) {
  const o = Object.assign({
    ext: DEFAULT_EXT,
    platform: 'ios',
    transport: () => Promise.reject({ errMsg: 'request:fail no transport configured' }),
    payment: () => 'ok',
    download: () => Promise.reject({ errMsg: 'downloadFile:fail no download configured' }),
    openDocument: () => 'ok',
    modalAnswer: () => true,
    loginCode: (n) => `wx-code-${n}`,
  }, options);
  const storage = new Map();
  const calls = {
    request: [], navigate: [], toast: [], modal: [], phone: [], payment: [], navBar: [], tabBar: [], login: 0,
    download: [], document: [],
  };

  const wx = {
    calls,
    storage,
    options: o,

    getExtConfigSync: () => clone(o.ext),
    getDeviceInfo: () => ({ platform: o.platform }),
    getSystemInfoSync: () => ({ platform: o.platform }),
    getAccountInfoSync: () => ({ miniProgram: { appId: 'wx0000000000000000', envVersion: 'release', version: '1.2.0' } }),

    getStorageSync: (key) => (storage.has(key) ? clone(storage.get(key)) : ''),
    setStorageSync: (key, value) => { storage.set(key, clone(value)); },
    removeStorageSync: (key) => { storage.delete(key); },

    login(opts) {
      calls.login += 1;
      const code = o.loginCode(calls.login);
      later(() => (code ? opts.success({ code, errMsg: 'login:ok' }) : opts.fail({ errMsg: 'login:fail' })));
    },

    request(opts) {
      calls.request.push(opts);
      later(() => {
        Promise.resolve()
          .then(() => o.transport(opts))
          .then((res) => opts.success && opts.success(Object.assign({ errMsg: 'request:ok', header: {} }, res)),
            (err) => opts.fail && opts.fail(err && err.errMsg ? err : { errMsg: `request:fail ${err}` }));
      });
      return { abort() {} };
    },

    downloadFile(opts) {
      calls.download.push(opts);
      later(() => {
        Promise.resolve()
          .then(() => o.download(opts))
          .then((res) => opts.success && opts.success(Object.assign({ errMsg: 'downloadFile:ok' }, res)),
            (err) => opts.fail && opts.fail(err && err.errMsg ? err : { errMsg: `downloadFile:fail ${err}` }));
      });
      return { abort() {}, onProgressUpdate() {} };
    },

    openDocument(opts) {
      calls.document.push(opts);
      Promise.resolve().then(() => o.openDocument(opts)).then((outcome) => {
        if (outcome === 'ok') opts.success && opts.success({ errMsg: 'openDocument:ok' });
        else opts.fail && opts.fail({ errMsg: `openDocument:fail ${outcome}` });
      });
    },

    requestPayment(opts) {
      calls.payment.push(opts);
      Promise.resolve().then(() => o.payment(opts)).then((outcome) => {
        if (outcome === 'ok') opts.success({ errMsg: 'requestPayment:ok' });
        else if (outcome === 'cancel') opts.fail({ errMsg: 'requestPayment:fail cancel' });
        else opts.fail({ errMsg: `requestPayment:fail ${typeof outcome === 'string' ? outcome : 'error'}` });
      });
    },

    showToast(opts) { calls.toast.push(opts.title); },
    showLoading() {},
    hideLoading() {},
    showModal(opts) {
      calls.modal.push(opts);
      const confirm = Boolean(o.modalAnswer(opts));
      later(() => opts.success && opts.success({ confirm, cancel: !confirm, errMsg: 'showModal:ok' }));
    },

    navigateTo(opts) { calls.navigate.push({ type: 'navigateTo', url: opts.url }); },
    redirectTo(opts) { calls.navigate.push({ type: 'redirectTo', url: opts.url }); },
    switchTab(opts) { calls.navigate.push({ type: 'switchTab', url: opts.url }); },
    reLaunch(opts) { calls.navigate.push({ type: 'reLaunch', url: opts.url }); },
    navigateBack(opts) { calls.navigate.push({ type: 'navigateBack', delta: (opts && opts.delta) || 1 }); },

    makePhoneCall(opts) { calls.phone.push(opts.phoneNumber); },
    setNavigationBarColor(opts) { calls.navBar.push(opts); },
    setNavigationBarTitle() {},
    setTabBarStyle(opts) { calls.tabBar.push(opts); },
    stopPullDownRefresh() {},
  };
  return wx;
}

/** Install a fresh fake as the global `wx` and reset the template's module state. */
function installFakeWx(options) {
  const wx = createFakeWx(options);
  global.wx = wx;
  require('../../utils/config').reset();
  require('../../services/client').reset();
  return wx;
}

module.exports = { createFakeWx, installFakeWx, DEFAULT_EXT };
