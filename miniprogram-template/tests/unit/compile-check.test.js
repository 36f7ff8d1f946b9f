/**
 * @jest-environment node
 */
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { compileCheck } = require('../tools/compile-check');

const ROOT = path.resolve(__dirname, '../..');
const SHIPPED = ['app.js', 'app.json', 'app.wxss', 'sitemap.json', 'project.config.json', 'ext.json',
  'behaviors', 'components', 'config', 'pages', 'services', 'utils'];

const copies = [];
afterAll(() => copies.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A package the way a branded build lays it out: the template less the development files. */
function buildCopy() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-package-'));
  copies.push(dir);
  SHIPPED.forEach((name) => fs.cpSync(path.join(ROOT, name), path.join(dir, name), { recursive: true }));
  return dir;
}

describe('compile check (tests/tools/compile-check.js)', () => {
  test('the template passes WeChat’s compilers and miniprogram-ci offline (the CLI a build runs)', () => {
    const dir = buildCopy();
    // a child process: miniprogram-ci leaves a worker running, which the CLI ends with process.exit
    const run = spawnSync(process.execPath, [path.join(__dirname, '../tools/compile-check.js'), dir],
      { encoding: 'utf8', timeout: 170000 });
    expect(run.stderr.split('\n').filter((l) => l.startsWith('error:'))).toEqual([]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('compile check: ok');
  }, 180000);

  test('a WXML error is reported with its file', async () => {
    const dir = buildCopy();
    fs.appendFileSync(path.join(dir, 'pages/about/about.wxml'), '<view><text>{{oops</view>\n');
    const problems = await compileCheck(dir, { ci: false });
    expect(problems.join('\n')).toMatch(/WXML \(wcc\).*about\.wxml/s);
  });

  test('a page listed in app.json without files, and a bad ext.json, are reported', async () => {
    const dir = buildCopy();
    const app = JSON.parse(fs.readFileSync(path.join(dir, 'app.json'), 'utf8'));
    app.pages.push('pages/missing/missing');
    fs.writeFileSync(path.join(dir, 'app.json'), JSON.stringify(app));
    fs.writeFileSync(path.join(dir, 'ext.json'), JSON.stringify({ extEnable: true, extAppid: 'nope', ext: {} }));
    const problems = await compileCheck(dir, { ci: false });
    expect(problems).toEqual(expect.arrayContaining([
      'app.json: page pages/missing/missing has no pages/missing/missing.js',
      'ext.json: extAppid is not an AppID',
      'ext.json: ext.apiBaseUrl is missing',
    ]));
  });

  test('a JavaScript syntax error is reported', async () => {
    const dir = buildCopy();
    fs.appendFileSync(path.join(dir, 'utils/nav.js'), '\nfunction (\n');
    const problems = await compileCheck(dir, { ci: false });
    expect(problems.join('\n')).toMatch(/^utils\/nav\.js: /m);
  });
});
