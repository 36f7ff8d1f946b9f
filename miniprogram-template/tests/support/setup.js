'use strict';
/**
 * miniprogram-simulate installs Component/Behavior globals and a default `wx`;
 * each test then installs its own fake wx (tests/support/fake-wx.js).
 *
 * simulate runs a component's JS with require() and then deletes it from
 * require.cache so the next load runs it again (calling Component() again).
 * Jest keeps its own module registry and ignores that deletion, so a component
 * used by two others (or loaded twice) would silently render empty. Here the
 * file runs afresh on every load, while its own require()s go through Jest's
 * registry, so pages share utils/services instances with the test.
 */
const fs = require('fs');
const path = require('path');
require('miniprogram-simulate');
const simulateUtils = require('miniprogram-simulate/src/utils');

simulateUtils.runJs = (filePath) => {
  const file = filePath.endsWith('.js') ? filePath : `${filePath}.js`;
  const dir = path.dirname(file);
  const source = fs.readFileSync(file, 'utf8');
  const localRequire = (request) => require(request.startsWith('.') ? path.resolve(dir, request) : request);
  const module = { exports: {} };
  // eslint-disable-next-line no-new-func
  const run = new Function('require', 'module', 'exports', '__filename', '__dirname', `${source}\n//# sourceURL=${file}`);
  run(localRequire, module, module.exports, file, dir);
  return module.exports;
};
