'use strict';
/**
 * The resident-services page tests' setting (报修 / 室温, 我的工单, 报停): before each test a fake API with the
 * services (houses 11 and 12 bound) and a fake wx with the photo upload; after each, no promise rejected
 * unhandled. Call at the top of a test file:
 *
 *   const env = useServicesEnv();
 *   env.api, env.wx          // this test's fakes
 *   env.setUp({ bound: [] }) // start again from another seed
 *   env.input(page, '#description', '…'), env.lastNavigation(), env.opsOf('SubmitTicket'),
 *   env.pickPhotos(page, files)
 */
const { installFakeWx } = require('./fake-wx');
const { createFakeApi } = require('./fake-api');
const { withServices, addServiceWx } = require('./fake-services');
const { tap, flush, waitFor } = require('./pages');

function useServicesEnv() {
  let unhandled;
  const env = {
    api: null,
    wx: null,

    setUp(seed) {
      env.api = withServices(createFakeApi(Object.assign({ bound: ['11', '12'] }, seed)));
      env.wx = addServiceWx(installFakeWx({ transport: env.api.transport }), { uploadFile: env.api.uploadFile });
    },

    async input(page, selector, value) {
      page.querySelector(selector).dispatchEvent('input', { detail: { value } });
      await flush();
    },

    lastNavigation() {
      return env.wx.calls.navigate[env.wx.calls.navigate.length - 1];
    },

    opsOf(op) {
      return env.api.calls.filter((c) => c.op === op);
    },

    /** Pick files in the page's photo picker and wait until every upload answered. */
    async pickPhotos(page, files) {
      env.wx.options.chooseMedia = () => files;
      await tap(page, '#photos >>> #photo-add');
      await waitFor(() => !page.querySelector('#photos').instance.data.photos.some((p) => p.uploading), 2000, 'uploads');
      await flush();
    },
  };

  function onUnhandled(reason) {
    unhandled.push(reason);
  }

  beforeEach(() => {
    env.setUp();
    unhandled = [];
    process.on('unhandledRejection', onUnhandled);
  });

  afterEach(async () => {
    await flush();
    process.removeListener('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });

  return env;
}

module.exports = { useServicesEnv };
