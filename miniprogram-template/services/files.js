'use strict';
/**
 * Files the company's API answers to the resident's Bearer token (a counter
 * payment's receipt, an invoice's PDF): download with wx.downloadFile, open
 * with wx.openDocument. These are the only file-related wx calls of the
 * template.
 *
 * The token goes only to the company's own host: a file address must be a
 * path on it (`/files/…`) or an absolute URL under the configured apiBaseUrl.
 */
const { ApiError, KINDS, networkError } = require('../utils/api');
const config = require('../utils/config');
const session = require('../utils/session');
const wxp = require('../utils/wxp');
const auth = require('./auth');

const DOWNLOAD_TIMEOUT_MS = 30000;
const DEFAULT_TEXTS = { unavailable: '文件暂不可用', openFailed: '无法打开文件，请稍后再试' };

/** One wx.downloadFile; a failure without an HTTP answer becomes a NETWORK ApiError. */
async function download(url, token) {
  const header = token ? { Authorization: `Bearer ${token}` } : {};
  try {
    return await wxp.call('downloadFile', { url, header, timeout: DOWNLOAD_TIMEOUT_MS });
  } catch (failure) {
    throw networkError(failure);
  }
}

/** The absolute address of a file on the company's host, or null when it points anywhere else. */
function companyUrl(address, apiBaseUrl) {
  if (typeof address !== 'string') return null;
  if (/^\/(?![/\\])/.test(address)) return apiBaseUrl + address;
  const prefix = `${apiBaseUrl}/`;
  if (address.startsWith(prefix) && !/^[/\\]/.test(address.slice(prefix.length))) return address;
  return null;
}

/**
 * Download a file with the resident's token -> the local temp file path. Like
 * the API client: logs in first without a token, and again once on 401.
 * Throws ApiError: NETWORK (no answer), UNAUTHENTICATED (401 after logging in
 * again), HTTP (404 — not this resident's — or any other non-200 answer, with
 * texts.unavailable), CONFIG (no API address).
 */
async function downloadWithToken(address, texts) {
  const t = Object.assign({}, DEFAULT_TEXTS, texts);
  const cfg = config.get();
  if (!cfg.configured) throw new ApiError(KINDS.CONFIG, '', { code: 'NOT_CONFIGURED' });
  const url = companyUrl(address, cfg.apiBaseUrl);
  if (!url) throw new ApiError(KINDS.HTTP, t.unavailable, { code: 'BAD_FILE_URL' });
  let token = session.getToken();
  let reloggedIn = false;
  if (!token) {
    await auth.login();
    reloggedIn = true;
    token = session.getToken();
  }
  let res = await download(url, token);
  if (res.statusCode === 401 && !reloggedIn) {
    await auth.login();
    res = await download(url, session.getToken());
  }
  if (res.statusCode === 401) throw new ApiError(KINDS.UNAUTHENTICATED, '', { code: 'UNAUTHENTICATED', status: 401 });
  if (res.statusCode !== 200 || !res.tempFilePath) {
    throw new ApiError(KINDS.HTTP, t.unavailable, { code: `HTTP_${res.statusCode}`, status: res.statusCode });
  }
  return res.tempFilePath;
}

/** Download a PDF and open it in WeChat's document viewer (share/save from its menu). */
async function openPdf(address, texts) {
  const t = Object.assign({}, DEFAULT_TEXTS, texts);
  const filePath = await downloadWithToken(address, t);
  try {
    await wxp.call('openDocument', { filePath, fileType: 'pdf', showMenu: true });
  } catch (failure) {
    throw new ApiError(KINDS.DOCUMENT, t.openFailed, { code: 'OPEN_FAILED' });
  }
}

module.exports = { downloadWithToken, openPdf, companyUrl };
