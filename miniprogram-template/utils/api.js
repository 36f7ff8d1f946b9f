'use strict';
/**
 * The one GraphQL client of the template.
 *
 * - POST JSON `{query, variables}` with wx.request, `Authorization: Bearer <token>`.
 * - Every failure is an ApiError with a `kind`:
 *     NETWORK            no HTTP answer (offline, DNS, refused, timeout, …)
 *     HTTP               an HTTP answer that is not GraphQL (4xx/5xx, e.g. 423 TENANT_SUSPENDED)
 *     GRAPHQL            top-level GraphQL errors (code from extensions.code, e.g. INTERNAL_ERROR)
 *     UNAUTHENTICATED    top-level error with extensions.code UNAUTHENTICATED
 *     PERMISSION_DENIED  top-level error with extensions.code PERMISSION_DENIED
 *     PAYLOAD            a mutation's own `errors: [{field, message, code}]` (see unwrap)
 *     CONFIG             the app has no API address (ext config missing)
 *     DOCUMENT           a downloaded file (a receipt or invoice PDF) could not be opened
 *                        (raised by services/files.js, not by this client)
 * - Retries only NETWORK failures, with backoff: queries always; mutations only
 *   when the request certainly never reached the server (connection refused,
 *   DNS failure, offline). A timeout or reset may have reached the server, so a
 *   mutation is never re-sent after one. HTTP answers and GraphQL errors are
 *   never retried.
 * - On UNAUTHENTICATED: log in again once (`relogin`) and repeat the request
 *   once. The server checks permissions before running a resolver, so the
 *   first attempt did nothing and repeating a mutation is safe.
 */

const KINDS = Object.freeze({
  NETWORK: 'NETWORK',
  HTTP: 'HTTP',
  GRAPHQL: 'GRAPHQL',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  PAYLOAD: 'PAYLOAD',
  CONFIG: 'CONFIG',
  DOCUMENT: 'DOCUMENT',
});

const DEFAULT_MESSAGES = {
  NETWORK: '网络不给力，请检查网络后重试',
  TIMEOUT: '请求超时，请稍后重试',
  HTTP: '服务暂时不可用，请稍后再试',
  GRAPHQL: '服务器开小差了，请稍后再试',
  UNAUTHENTICATED: '登录已失效，请重新进入小程序',
  PERMISSION_DENIED: '没有权限执行此操作',
  PAYLOAD: '操作未成功，请检查后重试',
  CONFIG: '小程序尚未配置服务地址，请联系供热公司',
  DOCUMENT: '无法打开文件，请稍后再试',
};

class ApiError extends Error {
  constructor(kind, message, extra) {
    const info = extra || {};
    super(message || DEFAULT_MESSAGES[kind] || '请求失败');
    this.name = 'ApiError';
    this.kind = kind;
    this.code = info.code || null;
    this.status = info.status || null;
    /** PAYLOAD: [{field, message, code}]; GRAPHQL and auth kinds: the raw GraphQL errors */
    this.errors = info.errors || [];
    /** NETWORK: false when the request certainly never reached the server */
    this.mayHaveReachedServer = info.mayHaveReachedServer !== false;
  }

  /** {field: message} for form errors; errors without a field go under "_". */
  fieldErrors() {
    const out = {};
    this.errors.forEach((e) => {
      const field = e.field || '_';
      if (!out[field]) out[field] = e.message;
    });
    return out;
  }

  hasCode(code) {
    return this.code === code || this.errors.some((e) => e.code === code);
  }
}

function isApiError(err) {
  return Boolean(err) && err.name === 'ApiError' && typeof err.kind === 'string';
}

/** Text for the user: the server's own (Chinese) message where it has one. */
function messageOf(err) {
  if (isApiError(err)) return err.message;
  if (err && typeof err.errMsg === 'string') return DEFAULT_MESSAGES.NETWORK;
  return '出错了，请稍后再试';
}

// Failures of wx.request that happen before a byte of the request is sent.
const NOT_SENT = [
  /ERR_CONNECTION_REFUSED/i, /ECONNREFUSED/, /ERR_NAME_NOT_RESOLVED/i, /ERR_NAME_RESOLUTION_FAILED/i,
  /ENOTFOUND/, /EAI_AGAIN/, /ERR_INTERNET_DISCONNECTED/i, /ERR_ADDRESS_UNREACHABLE/i, /ENETUNREACH/,
  /EHOSTUNREACH/, /断开与互联网的连接/, /未能找到使用指定主机名的服务器/, /未能连接到服务器/,
];
const TIMEOUT = /timeout|timed out|超时/i;
const DOMAIN_NOT_ALLOWED = /url not in domain list|合法域名/i;

function networkError(failure) {
  const errMsg = String((failure && failure.errMsg) || failure || '');
  if (DOMAIN_NOT_ALLOWED.test(errMsg)) {
    return new ApiError(KINDS.NETWORK, '服务地址未加入小程序合法域名，请联系供热公司',
      { code: 'DOMAIN_NOT_ALLOWED', mayHaveReachedServer: false });
  }
  if (TIMEOUT.test(errMsg)) {
    return new ApiError(KINDS.NETWORK, DEFAULT_MESSAGES.TIMEOUT, { code: 'TIMEOUT', mayHaveReachedServer: true });
  }
  const notSent = NOT_SENT.some((re) => re.test(errMsg));
  return new ApiError(KINDS.NETWORK, DEFAULT_MESSAGES.NETWORK,
    { code: notSent ? 'CONNECT_FAILED' : 'NETWORK_ERROR', mayHaveReachedServer: !notSent });
}

function parseBody(data) {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data);
  } catch (e) {
    return null;
  }
}

/** Turn one HTTP answer into data, or throw the matching ApiError. */
function readResponse(res) {
  const status = res.statusCode;
  const body = parseBody(res.data);
  const errors = body && Array.isArray(body.errors) ? body.errors : [];
  if (errors.length) {
    const codes = errors.map((e) => (e && e.extensions && e.extensions.code) || null);
    const first = errors[0] || {};
    for (const kind of [KINDS.UNAUTHENTICATED, KINDS.PERMISSION_DENIED]) {
      const index = codes.indexOf(kind);
      if (index >= 0) {
        throw new ApiError(kind, errors[index].message || DEFAULT_MESSAGES[kind], { code: kind, status, errors });
      }
    }
    const code = codes.find(Boolean) || null;
    // Errors the server raised on purpose carry a code and a message meant for people;
    // errors without a code (query validation: our bug) get a generic text.
    const message = code && first.message ? first.message : DEFAULT_MESSAGES.GRAPHQL;
    throw new ApiError(KINDS.GRAPHQL, message, { code, status, errors });
  }
  if (status < 200 || status >= 300) {
    const info = body && body.error && typeof body.error === 'object' ? body.error : {};
    throw new ApiError(KINDS.HTTP, info.message || DEFAULT_MESSAGES.HTTP, { code: info.code || `HTTP_${status}`, status });
  }
  if (!body || typeof body !== 'object' || !body.data) {
    throw new ApiError(KINDS.HTTP, DEFAULT_MESSAGES.HTTP, { code: 'BAD_RESPONSE', status });
  }
  return body.data;
}

/** The default transport: wx.request as a promise of {statusCode, data}. */
function wxTransport(options) {
  return new Promise((resolve, reject) => {
    wx.request(Object.assign({}, options, {
      success: (res) => resolve(res),
      fail: (err) => reject(err),
    }));
  });
}

/**
 * A mutation payload `{…, errors: [{field, message, code}]}`: throw PAYLOAD when
 * it has errors, otherwise return it. A null payload is a GRAPHQL error.
 */
function unwrap(data, key) {
  const payload = data ? data[key] : null;
  if (!payload) throw new ApiError(KINDS.GRAPHQL, DEFAULT_MESSAGES.GRAPHQL, { code: 'EMPTY_PAYLOAD' });
  const errors = Array.isArray(payload.errors) ? payload.errors : [];
  if (errors.length) {
    throw new ApiError(KINDS.PAYLOAD, errors[0].message || DEFAULT_MESSAGES.PAYLOAD, { code: errors[0].code, errors });
  }
  return payload;
}

/**
 * createClient({endpoint, getToken, relogin, transport, sleep, retryDelays, timeoutMs})
 *   endpoint()   -> the GraphQL URL ('' when not configured)
 *   getToken()   -> the Bearer token or null
 *   relogin()    -> promise; logs in again (wx.login + wechatLogin) and stores the token
 */
function createClient(options) {
  const opts = Object.assign({
    transport: wxTransport,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    retryDelays: [500, 1500],
    timeoutMs: 15000,
    getToken: () => null,
    relogin: null,
  }, options);

  async function send(document, variables, token, isMutation) {
    const url = opts.endpoint();
    if (!url) throw new ApiError(KINDS.CONFIG, DEFAULT_MESSAGES.CONFIG, { code: 'NOT_CONFIGURED' });
    const header = { 'content-type': 'application/json' };
    if (token) header.Authorization = `Bearer ${token}`;
    for (let attempt = 0; ; attempt += 1) {
      let res;
      try {
        res = await opts.transport({
          url,
          method: 'POST',
          header,
          data: { query: document, variables: variables || {} },
          dataType: 'json',
          timeout: opts.timeoutMs,
        });
      } catch (failure) {
        const err = networkError(failure);
        const retryable = err.code !== 'DOMAIN_NOT_ALLOWED' && (!isMutation || !err.mayHaveReachedServer);
        if (retryable && attempt < opts.retryDelays.length) {
          await opts.sleep(opts.retryDelays[attempt]);
          continue;
        }
        throw err;
      }
      return readResponse(res);
    }
  }

  async function execute(document, variables, execOptions) {
    const isMutation = Boolean(execOptions && execOptions.mutation);
    const auth = !(execOptions && execOptions.auth === false);
    let token = auth ? opts.getToken() : null;
    let reloggedIn = false;
    if (auth && !token && opts.relogin) {
      await opts.relogin();
      reloggedIn = true;
      token = opts.getToken();
    }
    try {
      return await send(document, variables, token, isMutation);
    } catch (err) {
      if (err.kind !== KINDS.UNAUTHENTICATED || !auth || !opts.relogin || reloggedIn) throw err;
      await opts.relogin();
      return send(document, variables, opts.getToken(), isMutation);
    }
  }

  return {
    query: (document, variables, execOptions) =>
      execute(document, variables, Object.assign({}, execOptions, { mutation: false })),
    mutate: (document, variables, execOptions) =>
      execute(document, variables, Object.assign({}, execOptions, { mutation: true })),
  };
}

module.exports = { KINDS, ApiError, isApiError, messageOf, createClient, unwrap, readResponse, networkError };
