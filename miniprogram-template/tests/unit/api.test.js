'use strict';
const { createClient, unwrap, KINDS, isApiError } = require('../../utils/api');
const { installFakeWx } = require('../support/fake-wx');
const { createFakeApi, gqlError, httpError, networkFailure } = require('../support/fake-api');

const QUERY = 'query MyHouses { myHouses { id } }';
const MUTATION = 'mutation BindHouse($accountNo: String!) { bindHouse(accountNo: $accountNo) { errors { code } } }';

/** A client over a scripted transport: each step answers one attempt. */
function scripted(steps, extra) {
  const attempts = [];
  const sleeps = [];
  const client = createClient(Object.assign({
    endpoint: () => 'https://heat.example.test/graphql/',
    getToken: () => 'tok-1',
    transport: (req) => {
      attempts.push(req);
      const step = steps[Math.min(attempts.length - 1, steps.length - 1)];
      return typeof step === 'function' ? step(req) : step;
    },
    sleep: (ms) => { sleeps.push(ms); return Promise.resolve(); },
  }, extra));
  return { client, attempts, sleeps };
}

const ok = (data) => Promise.resolve({ statusCode: 200, data: { data } });
const fail = (errMsg) => Promise.reject({ errMsg });

async function caught(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('request shape', () => {
  test('POSTs JSON with the Bearer token to the GraphQL endpoint', async () => {
    const { client, attempts } = scripted([ok({ myHouses: [] })]);
    await expect(client.query(QUERY, { a: 1 })).resolves.toEqual({ myHouses: [] });
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({
      url: 'https://heat.example.test/graphql/',
      method: 'POST',
      header: { 'content-type': 'application/json', Authorization: 'Bearer tok-1' },
      data: { query: QUERY, variables: { a: 1 } },
    });
  });

  test('an unauthenticated call sends no Authorization header', async () => {
    const { client, attempts } = scripted([ok({ branding: null })]);
    await client.query('query Branding { branding { displayName } }', {}, { auth: false });
    expect(attempts[0].header.Authorization).toBeUndefined();
  });

  test('without an API address it fails as CONFIG and sends nothing', async () => {
    const { client, attempts } = scripted([ok({})], { endpoint: () => '' });
    const err = await caught(client.query(QUERY));
    expect(err.kind).toBe(KINDS.CONFIG);
    expect(attempts).toHaveLength(0);
  });
});

describe('retries: network errors only', () => {
  test('a query is retried after network errors with growing backoff', async () => {
    const { client, attempts, sleeps } = scripted([
      () => fail('request:fail timeout'),
      () => fail('request:fail errcode:-101 cronet_error_code:-101 error_msg:net::ERR_CONNECTION_RESET'),
      ok({ myHouses: [{ id: '1' }] }),
    ]);
    await expect(client.query(QUERY)).resolves.toEqual({ myHouses: [{ id: '1' }] });
    expect(attempts).toHaveLength(3);
    expect(sleeps).toEqual([500, 1500]);
  });

  test('a query gives up after two retries with a NETWORK error', async () => {
    const { client, attempts } = scripted([() => fail('request:fail timeout')]);
    const err = await caught(client.query(QUERY));
    expect(isApiError(err)).toBe(true);
    expect(err.kind).toBe(KINDS.NETWORK);
    expect(err.code).toBe('TIMEOUT');
    expect(err.message).toBe('请求超时，请稍后重试');
    expect(attempts).toHaveLength(3);
  });

  test('a mutation that may have reached the server (timeout) is never re-sent', async () => {
    const { client, attempts } = scripted([() => fail('request:fail timeout'), ok({ bindHouse: { errors: [] } })]);
    const err = await caught(client.mutate(MUTATION, { accountNo: 'H1' }));
    expect(err.kind).toBe(KINDS.NETWORK);
    expect(err.mayHaveReachedServer).toBe(true);
    expect(attempts).toHaveLength(1);
  });

  test('a mutation cut off mid-flight (connection reset) is never re-sent', async () => {
    const { client, attempts } = scripted([() => fail('request:fail net::ERR_CONNECTION_RESET')]);
    await caught(client.mutate(MUTATION, { accountNo: 'H1' }));
    expect(attempts).toHaveLength(1);
  });

  test.each([
    'request:fail errcode:-102 cronet_error_code:-102 error_msg:net::ERR_CONNECTION_REFUSED',
    'request:fail -105:net::ERR_NAME_NOT_RESOLVED',
    'request:fail 似乎已断开与互联网的连接。',
    'request:fail connect ECONNREFUSED 127.0.0.1:8000',
  ])('a mutation that never left the phone (%s) is retried', async (errMsg) => {
    const { client, attempts } = scripted([() => fail(errMsg), ok({ bindHouse: { errors: [] } })]);
    await expect(client.mutate(MUTATION, { accountNo: 'H1' })).resolves.toEqual({ bindHouse: { errors: [] } });
    expect(attempts).toHaveLength(2);
  });

  test('a domain-list refusal is not retried and says what to fix', async () => {
    const { client, attempts } = scripted([() => fail('request:fail url not in domain list')]);
    const err = await caught(client.query(QUERY));
    expect(err.code).toBe('DOMAIN_NOT_ALLOWED');
    expect(attempts).toHaveLength(1);
  });

  test.each([500, 502, 503, 404])('HTTP %i is an HTTP error, not retried', async (status) => {
    const { client, attempts } = scripted([Promise.resolve({ statusCode: status, data: '<html>Bad Gateway</html>' })]);
    const err = await caught(client.query(QUERY));
    expect(err.kind).toBe(KINDS.HTTP);
    expect(err.status).toBe(status);
    expect(err.code).toBe(`HTTP_${status}`);
    expect(attempts).toHaveLength(1);
  });

  test("the platform's JSON error (suspended company) keeps its code and message", async () => {
    const body = { error: { code: 'TENANT_SUSPENDED', message: '该供热公司的服务已暂停，请联系平台客服。' } };
    const { client } = scripted([Promise.resolve({ statusCode: 423, data: body })]);
    const err = await caught(client.query(QUERY));
    expect(err).toMatchObject({ kind: KINDS.HTTP, status: 423, code: 'TENANT_SUSPENDED', message: body.error.message });
  });

  test('a GraphQL error is GRAPHQL with its extensions code, not retried', async () => {
    const { client, attempts } = scripted([Promise.resolve({ statusCode: 200, data: {
      data: null, errors: [{ message: '服务器内部错误，请稍后再试。', extensions: { code: 'INTERNAL_ERROR' } }] } })]);
    const err = await caught(client.query(QUERY));
    expect(err).toMatchObject({ kind: KINDS.GRAPHQL, code: 'INTERNAL_ERROR', message: '服务器内部错误，请稍后再试。' });
    expect(attempts).toHaveLength(1);
  });

  test('a query the server cannot validate (HTTP 400, no code) is GRAPHQL with a generic message', async () => {
    const { client } = scripted([Promise.resolve({ statusCode: 400, data: {
      errors: [{ message: "Cannot query field 'nope' on type 'Query'." }] } })]);
    const err = await caught(client.query(QUERY));
    expect(err).toMatchObject({ kind: KINDS.GRAPHQL, code: null, status: 400, message: '服务器开小差了，请稍后再试' });
  });

  test('PERMISSION_DENIED is its own kind and does not log in again', async () => {
    const relogin = jest.fn(() => Promise.resolve());
    const { client, attempts } = scripted([Promise.resolve({ statusCode: 200, data: {
      data: { myHouses: null }, errors: [{ message: '没有权限执行此操作。', extensions: { code: 'PERMISSION_DENIED' } }] } })],
    { relogin });
    const err = await caught(client.query(QUERY));
    expect(err).toMatchObject({ kind: KINDS.PERMISSION_DENIED, code: 'PERMISSION_DENIED', message: '没有权限执行此操作。' });
    expect(relogin).not.toHaveBeenCalled();
    expect(attempts).toHaveLength(1);
  });

  test('a body that is not GraphQL is an HTTP error', async () => {
    const { client } = scripted([Promise.resolve({ statusCode: 200, data: 'not json' })]);
    const err = await caught(client.query(QUERY));
    expect(err).toMatchObject({ kind: KINDS.HTTP, code: 'BAD_RESPONSE' });
  });
});

describe('payload errors', () => {
  test('unwrap turns the payload errors into a PAYLOAD ApiError with field errors', () => {
    let err;
    try {
      unwrap({ bindHouse: { house: null, errors: [
        { field: null, message: '户号与户主信息不匹配。', code: 'BINDING_FAILED' },
        { field: 'phoneLast4', message: '请输入 4 位数字。', code: 'INVALID' },
      ] } }, 'bindHouse');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ kind: KINDS.PAYLOAD, code: 'BINDING_FAILED', message: '户号与户主信息不匹配。' });
    expect(err.fieldErrors()).toEqual({ _: '户号与户主信息不匹配。', phoneLast4: '请输入 4 位数字。' });
    expect(err.hasCode('INVALID')).toBe(true);
  });

  test('unwrap returns a payload without errors', () => {
    expect(unwrap({ unbindHouse: { ok: true, errors: [] } }, 'unbindHouse')).toEqual({ ok: true, errors: [] });
  });
});

describe('UNAUTHENTICATED: log in again once, then repeat once', () => {
  let wx;
  let api;
  beforeEach(() => {
    api = createFakeApi();
    wx = installFakeWx({ transport: api.transport });
  });

  const houses = () => require('../../services/houses');
  const session = () => require('../../utils/session');

  test('with no token the client logs in (wx.login → wechatLogin) before the first request', async () => {
    await houses().myHouses();
    expect(api.ops()).toEqual(['WechatLogin', 'MyHouses']);
    expect(api.calls[0].variables).toEqual({ code: 'wx-code-1' });
    expect(api.calls[0].token).toBeNull();
    expect(api.calls[1].token).toBe('tok-1');
    expect(session().getToken()).toBe('tok-1');
  });

  test('an expired token is replaced by logging in again and the request is repeated', async () => {
    session().save('revoked-token', 7200);
    await expect(houses().myHouses()).resolves.toEqual([]);
    expect(api.ops()).toEqual(['MyHouses', 'WechatLogin', 'MyHouses']);
    expect(api.calls.map((c) => c.token)).toEqual(['revoked-token', null, 'tok-1']);
    expect(wx.calls.login).toBe(1);
  });

  test('a mutation refused as UNAUTHENTICATED is repeated once after logging in (it did not run)', async () => {
    session().save('revoked-token', 7200);
    const house = await houses().bindHouse('H10001', { ownerName: '王建国' });
    expect(house.accountNo).toBe('H10001');
    expect(api.ops()).toEqual(['BindHouse', 'WechatLogin', 'BindHouse']);
  });

  test('logs in only once: a second UNAUTHENTICATED is reported, not looped', async () => {
    session().save('revoked-token', 7200);
    api.on('MyHouses', () => { throw gqlError('UNAUTHENTICATED', '令牌无效或已过期。'); });
    const err = await caught(houses().myHouses());
    expect(err).toMatchObject({ kind: KINDS.UNAUTHENTICATED, message: '令牌无效或已过期。' });
    expect(api.ops()).toEqual(['MyHouses', 'WechatLogin', 'MyHouses']);
  });

  test('a token refused right after logging in is reported; the client does not log in twice', async () => {
    api.on('MyHouses', () => { throw gqlError('UNAUTHENTICATED', '令牌无效或已过期。'); });
    const err = await caught(houses().myHouses());
    expect(err.kind).toBe(KINDS.UNAUTHENTICATED);
    expect(api.ops()).toEqual(['WechatLogin', 'MyHouses']);
    expect(wx.calls.login).toBe(1);
  });

  test('a token about to expire is not sent: the client logs in first', async () => {
    session().save('old-token', 30); // inside the one-minute margin
    await houses().myHouses();
    expect(api.ops()).toEqual(['WechatLogin', 'MyHouses']);
  });

  test('requests at the same time share one login', async () => {
    const bills = require('../../services/bills');
    await Promise.all([houses().myHouses(), bills.myBills(), houses().myHouses()]);
    expect(wx.calls.login).toBe(1);
    expect(api.ops().filter((op) => op === 'WechatLogin')).toHaveLength(1);
  });

  test('a refused login (payload error) reaches the caller as PAYLOAD', async () => {
    api.on('WechatLogin', () => ({ wechatLogin: { token: null, expiresIn: null, resident: null,
      errors: [{ field: null, message: '该账号已停用，请联系供热公司。', code: 'RESIDENT_DISABLED' }] } }));
    const err = await caught(houses().myHouses());
    expect(err).toMatchObject({ kind: KINDS.PAYLOAD, code: 'RESIDENT_DISABLED' });
    expect(api.ops()).toEqual(['WechatLogin']);
  });

  test('the sandbox user from ext config replaces the wx.login code', async () => {
    wx = installFakeWx({ transport: api.transport, ext: Object.assign({}, wx.options.ext, { sandboxUser: 'demo-resident' }) });
    await houses().myHouses();
    expect(api.calls[0].variables).toEqual({ code: 'sandbox:demo-resident' });
    expect(wx.calls.login).toBe(0);
  });

  test('an HTTP error during the repeated request is not retried', async () => {
    session().save('revoked-token', 7200);
    let n = 0;
    api.on('MyHouses', (v, ctx) => {
      n += 1;
      if (n === 1) throw gqlError('UNAUTHENTICATED', '令牌无效或已过期。');
      throw httpError(502);
    });
    const err = await caught(houses().myHouses());
    expect(err.kind).toBe(KINDS.HTTP);
    expect(n).toBe(2);
  });

  test('network failure of wechatLogin before it was sent is retried; the code is reused', async () => {
    let n = 0;
    api.on('WechatLogin', (v) => {
      n += 1;
      if (n === 1) throw networkFailure('request:fail net::ERR_INTERNET_DISCONNECTED');
      return api.handlers.WechatLogin(v);
    });
    // no real sleeping: the retry delay is short enough for the test, but keep it deterministic
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'queueMicrotask', 'nextTick'] });
    const pending = houses().myHouses();
    await jest.advanceTimersByTimeAsync(600);
    jest.useRealTimers();
    await expect(pending).resolves.toEqual([]);
    expect(api.calls.filter((c) => c.op === 'WechatLogin').map((c) => c.variables.code)).toEqual(['wx-code-1', 'wx-code-1']);
  });
});
