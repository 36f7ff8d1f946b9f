'use strict';
/**
 * Resident services (issue 16): tickets — 报修 (REPAIR), 投诉 (COMPLAINT) and room-temperature reports
 * (TEMPERATURE) — with their timeline, inspections, shortfall period and compensation; 报停 / 恢复供暖
 * applications; photos.
 *
 * Photos are uploaded first (`uploadPhoto`: wx.uploadFile, multipart `file` + `purpose`, the resident's
 * Bearer token, only to the company's own host) and then attached by id (`photoIds`) to the ticket or
 * application the resident submits. The server checks size (≤ 5 MB) and type (JPEG / PNG / WebP, by
 * content) and answers 413 / 400 with a message for people; those messages reach the page as they are.
 * A photo's `url` is a signed, expiring address an <image> can show without headers.
 *
 * Money is integer fen (GraphQL BigInt); temperatures are decimal strings with one decimal ("15.5").
 */
const { ApiError, KINDS, networkError, unwrap } = require('../utils/api');
const config = require('../utils/config');
const session = require('../utils/session');
const wxp = require('../utils/wxp');
const auth = require('./auth');
const client = require('./client');

const PHOTO_FIELDS = 'id url width height';
const TICKET_LIST_FIELDS = `id no kind status statusText category { id name } house { id accountNo address }
  description reportedTemp submittedAt respondOverdue resolveOverdue residentActions`;
const INSPECTION_FIELDS = `id measuredAt houseTemp compliant cause causeText outdoorTemp deviceNo note
  rooms { name area readings temp compliant } technician { id name } photos { ${PHOTO_FIELDS} }`;
const COMPENSATION_FIELDS = `id amountFen days explanation status statusText method creditedFen carriedFen refundedFen
  season { id name } lines { temp below pct days amountFen text }`;
const TICKET_FIELDS = `${TICKET_LIST_FIELDS} contactName contactPhone photos { ${PHOTO_FIELDS} } assignee { id name }
  acceptedAt assignedAt onSiteAt resolvedAt closedAt respondDueAt resolveDueAt escalated resolution rating
  ratingComment reopenCount
  timeline { action fromStatus toStatus actorKind actorName note createdAt }
  inspections { ${INSPECTION_FIELDS} }
  shortfall { id startedOn endedOn status days compensation { ${COMPENSATION_FIELDS} } }`;
const SEASON_FIELDS = 'id name heatingStart heatingEnd';
const APPLICATION_FIELDS = `id no kind status statusText house { id accountNo address } season { ${SEASON_FIELDS} }
  applicantName contactPhone reason effectiveDate reviewNote reviewedAt sealNo sealedAt effectiveAt submittedAt
  adjustmentFen residentActions photos { ${PHOTO_FIELDS} }`;

const TICKET_CATEGORIES = `query TicketCategories($kind: TicketKind) {
  ticketCategories(kind: $kind) { id kind name }
}`;
const MY_TICKETS = `query MyTickets($status: TicketStatus, $offset: Int, $limit: Int) {
  myTickets(status: $status, offset: $offset, limit: $limit) { totalCount items { ${TICKET_LIST_FIELDS} } }
}`;
const MY_TICKET = `query MyTicket($id: ID!) { myTicket(id: $id) { ${TICKET_FIELDS} } }`;
const SUBMIT_TICKET = `mutation SubmitTicket($input: TicketInput!) {
  submitTicket(input: $input) { ticket { ${TICKET_LIST_FIELDS} } errors { field message code } }
}`;
const CONFIRM_TICKET = `mutation ConfirmTicket($id: ID!, $rating: Int!, $comment: String) {
  confirmTicket(id: $id, rating: $rating, comment: $comment) { ticket { id status } errors { field message code } }
}`;
const REOPEN_TICKET = `mutation ReopenTicket($id: ID!, $reason: String!) {
  reopenTicket(id: $id, reason: $reason) { ticket { id status } errors { field message code } }
}`;
const CANCEL_TICKET = `mutation CancelTicket($id: ID!, $reason: String) {
  cancelTicket(id: $id, reason: $reason) { ticket { id status } errors { field message code } }
}`;
const OPT_OUT_OPTIONS = `query OptOutOptions($houseId: ID!) {
  optOutOptions(houseId: $houseId) {
    houseId heatingStatus canResume resumeSeasons { ${SEASON_FIELDS} }
    options { season { ${SEASON_FIELDS} } deadline canApply reason reasonCode basicFeePct }
  }
}`;
const MY_OPT_OUT_APPLICATIONS = `query MyOptOutApplications { myOptOutApplications { ${APPLICATION_FIELDS} } }`;
const APPLY_OPT_OUT = `mutation ApplyOptOut($input: OptOutInput!) {
  applyOptOut(input: $input) { application { ${APPLICATION_FIELDS} } errors { field message code } }
}`;
const CANCEL_OPT_OUT = `mutation CancelOptOut($id: ID!) {
  cancelOptOut(id: $id) { application { id status statusText residentActions } errors { field message code } }
}`;

const PHOTO_PATH = '/files/services/photos/';
const UPLOAD_TIMEOUT_MS = 60000;
const MAX_PHOTO_BYTES = 5 * 1024 * 1024;
const PURPOSES = ['ticket', 'thermometer', 'ownership'];
const UPLOAD_TEXTS = {
  tooLarge: '图片不能超过 5 MB',
  badType: '只支持 JPG、PNG、WebP 格式的图片',
  failed: '图片上传失败，请稍后重试',
};

// --- tickets -------------------------------------------------------------------------------------------

/** Active categories of a kind (REPAIR | COMPLAINT), in the company's order; [] when it has none. */
async function ticketCategories(kind) {
  const data = await client.query(TICKET_CATEGORIES, { kind });
  return (data.ticketCategories || []).filter((c) => !c.kind || c.kind === kind);
}

/** My tickets (every bound house's, newest first) -> {totalCount, items}; status: one TicketStatus or null. */
async function myTickets(status, offset, limit) {
  const variables = { offset: offset || 0, limit: limit || 20 };
  if (status) variables.status = status;
  const data = await client.query(MY_TICKETS, variables);
  return data.myTickets || { totalCount: 0, items: [] };
}

/** One of my tickets with its timeline, photos, inspections and compensation, or null (missing = not mine). */
async function myTicket(id) {
  const data = await client.query(MY_TICKET, { id: String(id) });
  return data.myTicket || null;
}

/**
 * Submit a ticket: {houseId, kind, categoryId?, description, contactName, contactPhone?, reportedTemp?,
 * photoIds?}. Refusals throw ApiError PAYLOAD with the server's field errors.
 */
async function submitTicket(form) {
  const input = {
    houseId: String(form.houseId),
    kind: form.kind,
    description: form.description,
    contactName: form.contactName,
    contactPhone: form.contactPhone || '',
    photoIds: (form.photoIds || []).map(String),
  };
  if (form.categoryId) input.categoryId = String(form.categoryId);
  if (form.reportedTemp !== undefined && form.reportedTemp !== null && form.reportedTemp !== '') {
    input.reportedTemp = String(form.reportedTemp);
  }
  return unwrap(await client.mutate(SUBMIT_TICKET, { input }), 'submitTicket').ticket;
}

/** Confirm a resolved ticket with a rating of 1–5 and an optional comment. */
async function confirmTicket(id, rating, comment) {
  const variables = { id: String(id), rating: Number(rating) };
  if (comment) variables.comment = comment;
  return unwrap(await client.mutate(CONFIRM_TICKET, variables), 'confirmTicket').ticket;
}

/** Not fixed after all: back to the company with a reason. */
async function reopenTicket(id, reason) {
  return unwrap(await client.mutate(REOPEN_TICKET, { id: String(id), reason }), 'reopenTicket').ticket;
}

/** Withdraw a ticket nobody has started on. */
async function cancelTicket(id, reason) {
  const variables = { id: String(id) };
  if (reason) variables.reason = reason;
  return unwrap(await client.mutate(CANCEL_TICKET, variables), 'cancelTicket').ticket;
}

// --- 报停 / 恢复供暖 -------------------------------------------------------------------------------------

/**
 * The seasons a house may opt out of (deadline, basic fee %, why not), whether it may resume and for which
 * seasons (the current one first) -> {houseId, heatingStatus (normal | opted_out | disconnected), canResume,
 * resumeSeasons, options}; null when the house is not mine.
 */
async function optOutOptions(houseId) {
  const data = await client.query(OPT_OUT_OPTIONS, { houseId: String(houseId) });
  const answer = data.optOutOptions;
  if (!answer) return null;
  return {
    houseId: answer.houseId || String(houseId),
    heatingStatus: answer.heatingStatus || null,
    canResume: answer.canResume === true,
    resumeSeasons: answer.resumeSeasons || [],
    options: answer.options || [],
  };
}

/** My applications (every bound house's), newest first. */
async function myOptOutApplications() {
  const data = await client.query(MY_OPT_OUT_APPLICATIONS);
  return data.myOptOutApplications || [];
}

/**
 * Apply: {houseId, seasonId, kind (OPT_OUT | RESUME), reason, applicantName, contactPhone?, effectiveDate?
 * (resume: the day heat returns), photoIds (proof of ownership)}. Refusals throw PAYLOAD.
 */
async function applyOptOut(form) {
  const input = {
    houseId: String(form.houseId),
    seasonId: String(form.seasonId),
    kind: form.kind,
    reason: form.reason,
    applicantName: form.applicantName,
    contactPhone: form.contactPhone || '',
    photoIds: (form.photoIds || []).map(String),
  };
  if (form.effectiveDate) input.effectiveDate = form.effectiveDate;
  return unwrap(await client.mutate(APPLY_OPT_OUT, { input }), 'applyOptOut').application;
}

async function cancelOptOut(id) {
  return unwrap(await client.mutate(CANCEL_OPT_OUT, { id: String(id) }), 'cancelOptOut').application;
}

// --- photos --------------------------------------------------------------------------------------------

function parseJson(data) {
  if (data && typeof data === 'object') return data;
  try {
    return JSON.parse(data);
  } catch (e) {
    return null;
  }
}

async function sendPhoto(url, filePath, purpose, token) {
  const header = token ? { Authorization: `Bearer ${token}` } : {};
  try {
    return await wxp.call('uploadFile', {
      url, filePath, name: 'file', formData: { purpose }, header, timeout: UPLOAD_TIMEOUT_MS,
    });
  } catch (failure) {
    throw networkError(failure);
  }
}

/**
 * Upload one picture (a chooseMedia temp file) for `purpose` (ticket | thermometer | ownership) ->
 * {id, url, width, height}. Never retried (a POST that may have arrived). Throws ApiError: HTTP with the
 * server's message on 413 (FILE_TOO_LARGE) / 400 (PHOTO_BAD_TYPE, …) / other answers, NETWORK,
 * UNAUTHENTICATED (401 after logging in again), CONFIG.
 */
async function uploadPhoto(filePath, purpose) {
  if (PURPOSES.indexOf(purpose) < 0) throw new TypeError(`unknown photo purpose ${purpose}`);
  const cfg = config.get();
  if (!cfg.configured) throw new ApiError(KINDS.CONFIG, '', { code: 'NOT_CONFIGURED' });
  const url = cfg.apiBaseUrl + PHOTO_PATH;
  let token = session.getToken();
  let reloggedIn = false;
  if (!token) {
    await auth.login();
    reloggedIn = true;
    token = session.getToken();
  }
  let res = await sendPhoto(url, filePath, purpose, token);
  if (res.statusCode === 401 && !reloggedIn) {
    await auth.login();
    res = await sendPhoto(url, filePath, purpose, session.getToken());
  }
  const body = parseJson(res.data) || {};
  if ((res.statusCode === 201 || res.statusCode === 200) && body.photoId) {
    return { id: String(body.photoId), url: body.url || '', width: body.width || 0, height: body.height || 0 };
  }
  const error = body.error && typeof body.error === 'object' ? body.error : {};
  if (res.statusCode === 401) throw new ApiError(KINDS.UNAUTHENTICATED, '', { code: 'UNAUTHENTICATED', status: 401 });
  if (res.statusCode === 413) {
    throw new ApiError(KINDS.HTTP, error.message || UPLOAD_TEXTS.tooLarge, { code: 'FILE_TOO_LARGE', status: 413 });
  }
  const fallback = res.statusCode === 400 && error.code === 'PHOTO_BAD_TYPE' ? UPLOAD_TEXTS.badType : UPLOAD_TEXTS.failed;
  throw new ApiError(KINDS.HTTP, error.message || fallback,
    { code: error.code || `HTTP_${res.statusCode}`, status: res.statusCode });
}

/**
 * Let the resident pick up to `count` pictures (album or camera, compressed) -> [{path, size}];
 * [] when they cancel.
 */
async function choosePhotos(count) {
  let res;
  try {
    res = await wxp.call('chooseMedia', {
      count, mediaType: ['image'], sourceType: ['album', 'camera'], sizeType: ['compressed'],
    });
  } catch (failure) {
    if (/cancel/i.test(String((failure && failure.errMsg) || ''))) return [];
    throw new ApiError(KINDS.DOCUMENT, '无法选择图片，请稍后再试', { code: 'CHOOSE_FAILED' });
  }
  return ((res && res.tempFiles) || []).slice(0, count).map((f) => ({ path: f.tempFilePath, size: f.size || 0 }));
}

module.exports = {
  ticketCategories, myTickets, myTicket, submitTicket, confirmTicket, reopenTicket, cancelTicket,
  optOutOptions, myOptOutApplications, applyOptOut, cancelOptOut,
  uploadPhoto, choosePhotos, MAX_PHOTO_BYTES, UPLOAD_TEXTS, PHOTO_PATH,
};
