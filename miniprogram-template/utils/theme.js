'use strict';
/**
 * The theme colour (ext config / branding) as CSS variables for a page's root
 * view, plus the native chrome (navigation bar, tab bar) in the same colour.
 */
const config = require('./config');

function channels(hex) {
  const n = parseInt(hex.slice(1), 16);
  // eslint-disable-next-line no-bitwise
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Mix towards black (amount < 0) or white (amount > 0), amount in percent. */
function shade(hex, percent) {
  const target = percent < 0 ? 0 : 255;
  const p = Math.abs(percent);
  const mixed = channels(hex).map((c) => Math.round(c + ((target - c) * p) / 100));
  return `#${mixed.map((c) => c.toString(16).padStart(2, '0')).join('')}`.toUpperCase();
}

function styleFor(hex) {
  const [r, g, b] = channels(hex);
  return [
    `--theme:${hex}`,
    `--theme-dark:${shade(hex, -18)}`,
    `--theme-light:${shade(hex, 88)}`,
    `--theme-soft:rgba(${r},${g},${b},0.12)`,
  ].join(';');
}

/** Data every page binds: the root style and the brand. */
function pageData() {
  const cfg = config.get();
  return {
    themeStyle: styleFor(cfg.themeColor),
    themeColor: cfg.themeColor,
    companyName: cfg.companyName,
    logoUrl: cfg.logoUrl,
    servicePhone: cfg.servicePhone,
  };
}

function applyNavigationBar() {
  try {
    wx.setNavigationBarColor({ frontColor: '#ffffff', backgroundColor: config.get().themeColor });
  } catch (e) {
    // not fatal
  }
}

function applyTabBar() {
  try {
    wx.setTabBarStyle({ color: '#8A8178', selectedColor: config.get().themeColor, backgroundColor: '#ffffff' });
  } catch (e) {
    // not on a tab page
  }
}

module.exports = { styleFor, shade, pageData, applyNavigationBar, applyTabBar };
