#!/usr/bin/env node
'use strict';
/**
 * Compile-check a mini-program package offline: the template itself or a
 * branded build (a folder with project.config.json, app.json, ext.json, …).
 *
 *   node tests/tools/compile-check.js <package dir> [--no-ci]
 *
 * 1. Structure: JSON files parse; every page in app.json (and the tab bar's) has
 *    its .js/.json/.wxml; every usingComponents path resolves; project.config.json
 *    names an appid; ext.json, when present, has extEnable, extAppid and ext.apiBaseUrl.
 * 2. WXML and WXSS through WeChat's own compilers (wcc / wcsc, shipped in the
 *    miniprogram-compiler package).
 * 3. JavaScript syntax of every .js file.
 * 4. miniprogram-ci's getCompiledResult: the same build DevTools runs before an
 *    upload (app.json validation, ES6→ES5 with babel, package assembly). It
 *    normally fetches the project's attributes from WeChat, signed with the
 *    AppID's upload key; here the attributes are supplied locally (miniprogram-ci's
 *    own defaults) and the key is a throwaway one, so nothing needs WeChat.
 *    miniprogram-ci does not compile WXML (WeChat does that after upload): step 2 covers it.
 *
 * Exits 0 when clean; 1 and one line per problem otherwise.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const vm = require('vm');
const crypto = require('crypto');

const IGNORED_DIRS = new Set(['node_modules', 'tests', '.git']);

function walk(dir, rel, out) {
  fs.readdirSync(dir, { withFileTypes: true }).forEach((entry) => {
    const relPath = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!IGNORED_DIRS.has(entry.name)) walk(path.join(dir, entry.name), relPath, out);
    } else {
      out.push(relPath);
    }
  });
  return out;
}

function readJson(root, rel, problems) {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, rel), 'utf8'));
  } catch (err) {
    problems.push(`${rel}: ${err.code === 'ENOENT' ? 'missing' : `invalid JSON (${err.message})`}`);
    return null;
  }
}

function checkComponentRefs(root, owner, json, problems, seen) {
  const using = (json && json.usingComponents) || {};
  Object.keys(using).forEach((tag) => {
    const ref = using[tag];
    if (/^plugin:\/\//.test(ref)) return;
    const base = ref.startsWith('/') ? path.join(root, ref) : path.join(root, path.dirname(owner), ref);
    const rel = path.relative(root, base).split(path.sep).join('/');
    if (seen.has(rel)) return;
    seen.add(rel);
    ['js', 'json', 'wxml'].forEach((ext) => {
      if (!fs.existsSync(`${base}.${ext}`)) problems.push(`${owner}.json: component <${tag}> has no ${rel}.${ext}`);
    });
    const child = fs.existsSync(`${base}.json`) ? readJson(root, `${rel}.json`, problems) : null;
    if (child) checkComponentRefs(root, rel, child, problems, seen);
  });
}

function checkStructure(root, files, problems) {
  files.filter((f) => f.endsWith('.json')).forEach((f) => readJson(root, f, problems));
  const app = readJson(root, 'app.json', problems);
  if (!app) return;
  const pages = Array.isArray(app.pages) ? app.pages : [];
  if (!pages.length) problems.push('app.json: no pages');
  const seen = new Set();
  checkComponentRefs(root, 'app', app, problems, seen);
  pages.forEach((page) => {
    ['js', 'json', 'wxml'].forEach((ext) => {
      if (!fs.existsSync(path.join(root, `${page}.${ext}`))) problems.push(`app.json: page ${page} has no ${page}.${ext}`);
    });
    if (fs.existsSync(path.join(root, `${page}.json`))) {
      const json = readJson(root, `${page}.json`, problems);
      if (json) checkComponentRefs(root, page, json, problems, seen);
    }
  });
  ((app.tabBar && app.tabBar.list) || []).forEach((tab) => {
    if (pages.indexOf(tab.pagePath) < 0) problems.push(`app.json: tab ${tab.pagePath} is not in pages`);
  });
  const project = readJson(root, 'project.config.json', problems);
  if (project && !project.appid) problems.push('project.config.json: no appid');
  if (fs.existsSync(path.join(root, 'ext.json'))) {
    const ext = readJson(root, 'ext.json', problems);
    if (ext) {
      if (ext.extEnable !== true) problems.push('ext.json: extEnable is not true');
      if (!/^wx[0-9a-f]{16}$/.test(ext.extAppid || '')) problems.push('ext.json: extAppid is not an AppID');
      if (!ext.ext || !/^https?:\/\/[^/]+/.test(ext.ext.apiBaseUrl || '')) problems.push('ext.json: ext.apiBaseUrl is missing');
    }
  }
}

function checkWeChatCompilers(root, problems) {
  const compiler = require('miniprogram-compiler');
  try {
    compiler.wxmlToJs(root);
  } catch (err) {
    problems.push(`WXML (wcc): ${String(err.message || err).trim()}`);
  }
  try {
    compiler.wxssToJs(root);
  } catch (err) {
    problems.push(`WXSS (wcsc): ${String(err.message || err).trim()}`);
  }
}

function checkScripts(root, files, problems) {
  files.filter((f) => f.endsWith('.js')).forEach((f) => {
    const source = fs.readFileSync(path.join(root, f), 'utf8');
    try {
      // eslint-disable-next-line no-new
      new vm.Script(`(function (require, module, exports) {\n${source}\n})`, { filename: f });
    } catch (err) {
      problems.push(`${f}: ${err.message}`);
    }
  });
}

async function checkWithMiniprogramCi(root, problems) {
  let ci;
  try {
    ci = require('miniprogram-ci');
  } catch (err) {
    problems.push('miniprogram-ci is not installed (run npm ci in miniprogram-template, or pass --no-ci)');
    return;
  }
  const { DefaultProjectAttr } = require('miniprogram-ci/dist/config/config');
  const project = JSON.parse(fs.readFileSync(path.join(root, 'project.config.json'), 'utf8'));
  const { privateKey } = crypto.generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-compile-'));
  const out = path.join(work, 'compiled.zip');
  // miniprogram-ci leaves an empty cache folder in the working directory: keep it in ours
  const cwd = process.cwd();
  process.chdir(work);
  const ciProject = new ci.Project({
    appid: project.appid && project.appid !== 'touristappid' ? project.appid : 'wx0000000000000000',
    type: 'miniProgram',
    projectPath: root,
    privateKey,
    ignores: ['node_modules/**/*', 'tests/**/*'],
    attr: async () => DefaultProjectAttr, // instead of asking WeChat (signed with the real upload key)
  });
  try {
    const result = await ci.getCompiledResult({
      project: ciProject,
      desc: 'compile check',
      setting: { useProjectConfig: true, es6: true, enhance: true, minify: false },
      onProgressUpdate: () => {},
    }, out);
    const names = Object.keys(result);
    if (names.indexOf('app.json') < 0) problems.push('miniprogram-ci: the compiled package has no app.json');
  } catch (err) {
    problems.push(`miniprogram-ci: ${String((err && err.message) || err).split('\n')[0]}`);
  } finally {
    process.chdir(cwd);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function compileCheck(root, options) {
  const opts = Object.assign({ ci: true }, options);
  const problems = [];
  const files = walk(root, '', []);
  checkStructure(root, files, problems);
  checkWeChatCompilers(root, problems);
  checkScripts(root, files, problems);
  if (opts.ci && !problems.length) await checkWithMiniprogramCi(root, problems);
  return problems;
}

module.exports = { compileCheck };

if (require.main === module) {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--'));
  if (!dir) {
    console.error('usage: compile-check.js <package dir> [--no-ci]');
    process.exit(2);
  }
  const root = path.resolve(dir);
  const guard = setTimeout(() => {
    console.error('compile check: timed out after 180 s');
    process.exit(2);
  }, 180000);
  compileCheck(root, { ci: args.indexOf('--no-ci') < 0 }).then((problems) => {
    clearTimeout(guard);
    if (problems.length) {
      problems.forEach((p) => console.error(`error: ${p}`));
      console.error(`compile check: ${problems.length} problem(s) in ${root}`);
      process.exit(1);
    }
    console.log(`compile check: ok (${root})`);
    process.exit(0); // miniprogram-ci keeps a worker process alive
  }, (err) => {
    console.error(`compile check: crashed: ${err && err.stack ? err.stack : err}`);
    process.exit(2);
  });
}
