'use strict';
/**
 * Pages and components rendered with miniprogram-simulate (j-component), with
 * WXML compiled by WeChat's own compiler (miniprogram-compiler's wcc). Pages are
 * built with Component(), so the very same files run here and in WeChat.
 */
const path = require('path');
const simulate = require('miniprogram-simulate');

const ROOT = path.resolve(__dirname, '../..');

function render(relativePath, properties) {
  const id = simulate.load(path.join(ROOT, relativePath), { rootPath: ROOT });
  const comp = simulate.render(id, properties);
  comp.attach(document.createElement('parent-wrapper'));
  return comp;
}

/** Render pages/<name>/<name> and run onLoad(query) then onShow() like WeChat does. */
async function openPage(name, query) {
  const page = render(`pages/${name}/${name}`);
  if (page.instance.onLoad) await page.instance.onLoad(query || {});
  if (page.instance.onShow) await page.instance.onShow();
  return page;
}

function find(comp, selector) {
  return comp.querySelector(selector);
}

function text(comp, selector) {
  const node = comp.querySelector(selector);
  return node ? node.dom.textContent.replace(/\s+/g, ' ').trim() : null;
}

function texts(comp, selector) {
  return comp.querySelectorAll(selector).map((n) => n.dom.textContent.replace(/\s+/g, ' ').trim());
}

async function tap(comp, selector) {
  const node = comp.querySelector(selector);
  if (!node) throw new Error(`nothing matches ${selector}`);
  node.dispatchEvent('tap');
  await flush();
}

/** Let pending promise callbacks and zero-delay timers run. */
async function flush(rounds) {
  for (let i = 0; i < (rounds || 5); i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

async function waitFor(predicate, timeoutMs, label) {
  const deadline = Date.now() + (timeoutMs || 2000);
  for (;;) {
    if (predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label || predicate.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

module.exports = { ROOT, render, openPage, find, text, texts, tap, flush, waitFor };
