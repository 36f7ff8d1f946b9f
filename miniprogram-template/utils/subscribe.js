'use strict';
/**
 * WeChat subscription messages: asking the resident for grants at the moments they expect a notice (the pay
 * tap: receipts and due reminders; filing a ticket: its progress), then telling the server what they answered.
 *
 * WeChat's rules this follows:
 * - wx.requestSubscribeMessage opens its sheet only from a user's tap, so `ask(scene)` must be called in the
 *   tap handler before anything is awaited. The template ids are therefore fetched ahead (`prepare(scene)` when
 *   the page loads) and `ask` calls WeChat straight away when it has them. Without them it fetches first; WeChat
 *   may then refuse ("can only be invoked by user TAP gesture"), which is handled like any refusal.
 * - At most 3 template ids per call (the server sends at most 3; sliced anyway); none → nothing is asked.
 * - The answer per template is accept | reject | ban | filter; each is reported with recordSubscriptionResults
 *   (one-time grants are credits the server consumes per message sent).
 * - A failure (20004: the resident turned the main switch off; 10005 the sheet cannot open; a network error, an
 *   older base library without the API) is not the resident's problem: nothing is reported and the payment or
 *   ticket goes on. After 20004 we do not ask again in this session.
 *
 * `ask` never rejects and never takes long once the sheet closes: reporting is awaited at most
 * RECORD_WAIT_MS (the grant should be on the server before the receipt it is for is sent), then left to finish.
 */
const messaging = require('../services/messaging');

const SCENES = Object.freeze({ PAYMENT: 'PAYMENT', TICKET: 'TICKET', BILL: 'BILL' });
const RESULTS = ['accept', 'reject', 'ban', 'filter'];
const MAX_IDS = 3;
const FRESH_MS = 10 * 60 * 1000;
const FAILED_FRESH_MS = 60 * 1000;
const RECORD_WAIT_MS = 3000;
const MAIN_SWITCH_OFF = 20004;

let cache = {}; // scene -> {ids, until, pending}
let switchedOff = false;

function now() {
  return Date.now();
}

/** Fetch (or reuse) the template ids of a scene -> Promise<string[]>; never rejects ([] on failure). */
function prepare(scene) {
  const entry = cache[scene];
  if (entry && entry.pending) return entry.pending;
  if (entry && entry.until > now()) return Promise.resolve(entry.ids);
  const pending = messaging.subscriptionTemplates(scene).then(
    (ids) => {
      const clean = (ids || []).filter((id) => typeof id === 'string' && id).slice(0, MAX_IDS);
      cache[scene] = { ids: clean, until: now() + FRESH_MS };
      return clean;
    },
    () => {
      cache[scene] = { ids: [], until: now() + FAILED_FRESH_MS };
      return [];
    },
  );
  cache[scene] = Object.assign({}, entry, { pending });
  return pending;
}

/** The ids of a scene when known and fresh, else null. */
function cached(scene) {
  const entry = cache[scene];
  return entry && !entry.pending && entry.until > now() ? entry.ids : null;
}

/** wx.requestSubscribeMessage as a promise of {ok, res | err}; a missing API or a throw is a failure. */
function request(tmplIds) {
  return new Promise((resolve) => {
    if (typeof wx === 'undefined' || typeof wx.requestSubscribeMessage !== 'function') {
      resolve({ ok: false, err: { errMsg: 'requestSubscribeMessage:fail not supported' } });
      return;
    }
    try {
      wx.requestSubscribeMessage({
        tmplIds,
        success: (res) => resolve({ ok: true, res: res || {} }),
        fail: (err) => resolve({ ok: false, err: err || {} }),
      });
    } catch (err) {
      resolve({ ok: false, err: { errMsg: String((err && err.message) || err) } });
    }
  });
}

function timeout(ms) {
  return new Promise((resolve) => setTimeout(() => resolve('timeout'), ms));
}

/** Report the answers; waits at most RECORD_WAIT_MS, never rejects -> 'recorded' | 'failed' | 'timeout'. */
function record(results) {
  const sent = messaging.recordSubscriptionResults(results).then(() => 'recorded', () => 'failed');
  return Promise.race([sent, timeout(RECORD_WAIT_MS)]);
}

async function prompt(ids) {
  const outcome = await request(ids);
  if (!outcome.ok) {
    const err = outcome.err;
    if (Number(err.errCode) === MAIN_SWITCH_OFF) switchedOff = true;
    return { asked: true, results: [], errCode: err.errCode || null, errMsg: err.errMsg || '' };
  }
  const results = ids
    .filter((id) => RESULTS.indexOf(outcome.res[id]) >= 0)
    .map((id) => ({ templateId: id, result: outcome.res[id] }));
  const recorded = results.length ? await record(results) : 'nothing';
  return { asked: true, results, recorded };
}

/**
 * Ask for the grants of a scene. Call it from the tap handler, before awaiting anything.
 * Resolves {asked, results: [{templateId, result}], recorded?, errCode?, errMsg?, reason?}; never rejects.
 */
function ask(scene) {
  if (switchedOff) return Promise.resolve({ asked: false, results: [], reason: 'switched_off' });
  const known = cached(scene);
  const ids = known ? Promise.resolve(known) : prepare(scene);
  // With known ids WeChat is called in this very tick (inside the tap), not after a promise hop.
  if (known && known.length) return prompt(known).catch(() => ({ asked: true, results: [] }));
  return ids
    .then((fetched) => (fetched.length ? prompt(fetched) : { asked: false, results: [], reason: 'no_templates' }))
    .catch(() => ({ asked: false, results: [] }));
}

/** Tests: forget cached ids and the switched-off state. */
function reset() {
  cache = {};
  switchedOff = false;
}

module.exports = { SCENES, MAX_IDS, RECORD_WAIT_MS, prepare, ask, reset };
