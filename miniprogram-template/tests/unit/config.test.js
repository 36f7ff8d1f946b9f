'use strict';
const fs = require('fs');
const path = require('path');
const { installFakeWx, DEFAULT_EXT } = require('../support/fake-wx');
const { createFakeApi } = require('../support/fake-api');
const { ROOT } = require('../support/pages');

const config = () => require('../../utils/config');

describe('tenant config from wx.getExtConfigSync()', () => {
  test('reads every tenant value from the ext config', () => {
    installFakeWx({ ext: Object.assign({}, DEFAULT_EXT, { apiBaseUrl: 'https://north-heat.example.test/' }) });
    expect(config().get()).toMatchObject({
      configured: true,
      apiBaseUrl: 'https://north-heat.example.test',
      graphqlUrl: 'https://north-heat.example.test/graphql/',
      companyName: '北方热力',
      themeColor: '#D9480F',
      logoUrl: 'https://cdn.example.test/north-heat/logo.png',
      servicePhone: '0311-8888 6666',
      tenant: 'north-heat',
      sandboxUser: '',
      sandboxPayUrl: '',
    });
  });

  test('an invalid theme colour falls back to the warm default', () => {
    installFakeWx({ ext: Object.assign({}, DEFAULT_EXT, { themeColor: 'red; background:url(x)' }) });
    expect(config().get().themeColor).toBe('#E8590C');
  });

  test('the GraphQL endpoint follows the ext config of each company', async () => {
    const api = createFakeApi();
    installFakeWx({ transport: api.transport, ext: Object.assign({}, DEFAULT_EXT, { apiBaseUrl: 'https://south.example.test' }) });
    await require('../../services/houses').myHouses();
    expect(api.calls.map((c) => c.url)).toEqual(['https://south.example.test/graphql/', 'https://south.example.test/graphql/']);
  });

  test('on a phone an empty ext config stays unconfigured (the demo fallback is DevTools only)', () => {
    installFakeWx({ ext: {}, platform: 'android' });
    expect(config().get()).toMatchObject({ configured: false, graphqlUrl: '', source: 'ext' });
  });

  test('in DevTools with a test AppID (ext.json ignored) the demo company is used', () => {
    installFakeWx({ ext: {}, platform: 'devtools' });
    expect(config().get()).toMatchObject({ configured: true, source: 'devtools', apiBaseUrl: 'http://demo.localhost:8000', tenant: 'demo' });
  });

  test('the DevTools fallback and ext.json describe the same demo company', () => {
    const extJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'ext.json'), 'utf8'));
    expect(extJson.extEnable).toBe(true);
    expect(require('../../config/devtools-ext.js')).toEqual(extJson.ext);
  });

  test('branding from the API refreshes name, logo, colour and phone but never the API address', () => {
    installFakeWx();
    const changed = config().applyBranding({ displayName: '北方热力集团', logoUrl: '', themeColor: '#C92A2A', servicePhone: null,
      apiBaseUrl: 'https://evil.example.test' });
    expect(changed).toBe(true);
    expect(config().get()).toMatchObject({ companyName: '北方热力集团', logoUrl: DEFAULT_EXT.logoUrl, themeColor: '#C92A2A',
      servicePhone: DEFAULT_EXT.servicePhone, apiBaseUrl: DEFAULT_EXT.apiBaseUrl });
    expect(config().applyBranding({ displayName: '北方热力集团' })).toBe(false);
  });

  test('a failing branding query changes nothing and does not throw', async () => {
    installFakeWx({ transport: () => Promise.resolve({ statusCode: 400, data: { errors: [{ message: 'Cannot query field "branding"' }] } }) });
    await expect(require('../../services/branding').refresh()).resolves.toBe(false);
    expect(config().get().companyName).toBe('北方热力');
  });

  test('the token is stored per company', async () => {
    const api = createFakeApi();
    const wx = installFakeWx({ transport: api.transport });
    await require('../../services/auth').login();
    expect([...wx.storage.keys()]).toEqual(expect.arrayContaining(['hc.north-heat.token', 'hc.north-heat.profile']));
  });
});

describe('nothing tenant-specific in the shipped template', () => {
  // Everything a branded build copies, less the two files that exist to describe the demo
  // company for development (ext.json is overwritten per company by the build).
  const DEV_ONLY = new Set(['ext.json', 'config/devtools-ext.js', 'project.config.json']);
  const EXCLUDED_DIRS = new Set(['node_modules', 'tests', '.git']);

  function shipped(dir, prefix) {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) return EXCLUDED_DIRS.has(entry.name) ? [] : shipped(path.join(dir, entry.name), rel);
      if (!/\.(js|json|wxml|wxss)$/.test(entry.name)) return [];
      if (/^(package(-lock)?\.json|jest\.config\.js)$/.test(rel) || DEV_ONLY.has(rel)) return [];
      return [rel];
    });
  }

  test('no company domain, name, phone, AppID or sandbox value is hard-coded', () => {
    const files = shipped(ROOT, '');
    expect(files).toEqual(expect.arrayContaining(['app.js', 'utils/api.js', 'pages/pay/pay.js', 'pages/index/index.wxml']));
    const forbidden = [/https?:\/\/(?!www\.w3\.org)[a-z0-9.-]+/i, /localhost/, /\bwx[0-9a-f]{16}\b/, /演示/, /sandbox:[a-z]/i,
      /\b1[3-9]\d{9}\b/, /\b400-\d{3}-\d{4}\b/, /\bH\d{5}\b/];
    const offenders = [];
    files.forEach((rel) => {
      const source = fs.readFileSync(path.join(ROOT, rel), 'utf8');
      forbidden.forEach((re) => { if (re.test(source)) offenders.push(`${rel}: ${re}`); });
    });
    expect(offenders).toEqual([]);
  });
});
