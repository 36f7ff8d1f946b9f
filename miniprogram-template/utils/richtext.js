'use strict';
/**
 * Announcement and article bodies for <rich-text nodes="…">. The server sanitized the HTML (apps/messaging/
 * richtext.py); here only what a phone screen needs: pictures fit the width, and a picture given as a path on
 * the company's host (`/files/messaging/images/…`) gets the host, since rich-text has no base URL.
 */
const config = require('./config');

const IMG_STYLE = 'max-width:100%;height:auto;display:block;margin:8px 0;border-radius:6px;';

function absolute(src) {
  if (/^\/(?![/\\])/.test(src)) return config.get().apiBaseUrl + src;
  return src;
}

function prepare(html) {
  if (typeof html !== 'string' || !html) return '';
  return html.replace(/<img\b([^>]*)>/gi, (tag, attrs) => {
    const rest = attrs
      .replace(/\s(style|width|height)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi, '')
      .replace(/\ssrc\s*=\s*("([^"]*)"|'([^']*)')/i, (m, q, dq, sq) => ` src="${absolute(dq !== undefined ? dq : sq)}"`)
      .replace(/\s*\/\s*$/, '');
    return `<img${rest} style="${IMG_STYLE}" />`;
  });
}

module.exports = { prepare, IMG_STYLE };
