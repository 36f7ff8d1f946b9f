'use strict';
/**
 * Resident services for people: ticket kinds and statuses, the timeline, inspections, the shortfall period
 * and its compensation, 报停 / 恢复供暖 applications, and the form checks (room temperature −10…40 ℃ with
 * at most one decimal, like the server's INVALID_TEMPERATURE). Simplified Chinese; the server's own
 * `statusText` / `causeText` win where it sends them.
 */
const { yuan } = require('./money');
const { dateTime } = require('./format');

const TICKET_KIND = { REPAIR: '报修', COMPLAINT: '投诉', TEMPERATURE: '室温报告' };
const TICKET_STATUS = {
  SUBMITTED: '已提交', ACCEPTED: '已受理', ASSIGNED: '已派单', ON_SITE: '处理中',
  RESOLVED: '已解决', CLOSED: '已关闭', CANCELLED: '已撤销', REJECTED: '不予受理',
};
const OPEN_STATUSES = ['SUBMITTED', 'ACCEPTED', 'ASSIGNED', 'ON_SITE'];
/** The list's filter chips: one TicketStatus each (the API filters by one status). */
const TICKET_FILTERS = [
  { key: '', text: '全部' },
  { key: 'SUBMITTED', text: '待受理' },
  { key: 'ON_SITE', text: '处理中' },
  { key: 'RESOLVED', text: '待确认' },
  { key: 'CLOSED', text: '已完成' },
];
const TIMELINE_ACTION = {
  submit: '提交', accept: '受理', assign: '派单', start: '上门处理', on_site: '上门处理', resolve: '处理完成',
  confirm: '住户确认', auto_close: '自动关闭', reopen: '重新处理', cancel: '撤销', reject: '不予受理',
  note: '处理进展', inspect: '上门测温', inspection: '上门测温', escalate: '已上报',
};
const ACTOR_KIND = { resident: '住户', staff: '工作人员', system: '系统' };
const SHORTFALL_STATUS = { OPEN: '未整改', CLOSED: '已整改' };
const COMPENSATION_STATUS = {
  PENDING_APPROVAL: '待财务审批', APPROVED: '已审批', CREDITED: '已抵扣账单', CARRIED: '待抵扣下季热费',
  REFUNDING: '退款中', REFUNDED: '已退款', REJECTED: '已驳回', NONE_DUE: '无需补偿',
};
const COMPENSATION_METHOD = { BILL_CREDIT: '抵扣本季账单', NEXT_BILL: '抵扣下季热费', REFUND: '原路退款' };
const OPT_OUT_KIND = { OPT_OUT: '报停', RESUME: '恢复供暖' };
const OPT_OUT_STATUS = {
  SUBMITTED: '待审核', APPROVED: '已批准，待施封', SEALED: '已施封', EFFECTIVE: '已生效', REJECTED: '已驳回',
  CANCELLED: '已撤销',
};
const RATING_TEXT = ['', '非常不满意', '不满意', '一般', '满意', '非常满意'];

const MIN_TEMP = -10;
const MAX_TEMP = 40;

function upper(value) {
  return String(value || '').toUpperCase();
}

function label(map, value, serverText) {
  return serverText || map[upper(value)] || map[value] || value || '';
}

/** "2026-12-01" stays; a DateTime becomes China time "2026-12-01 09:05". */
function when(value) {
  if (!value) return '';
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : dateTime(value);
}

/** A decimal string or number → "15.5℃" (one decimal as sent); "" when absent. */
function degrees(value) {
  if (value === null || value === undefined || value === '') return '';
  const n = Number(value);
  return Number.isFinite(n) ? `${n.toFixed(1)}℃` : `${value}℃`;
}

function ticketStatusClass(status) {
  const s = upper(status);
  if (s === 'RESOLVED') return 'tag-done';
  if (s === 'CLOSED' || s === 'CANCELLED') return 'tag-grey';
  if (s === 'REJECTED') return 'tag-fail';
  return '';
}

function photoViews(photos) {
  return (photos || []).filter((p) => p && p.url).map((p) => ({ id: String(p.id), url: p.url }));
}

/** A ticket as the list shows it. */
function ticketListView(t) {
  const status = upper(t.status);
  const kind = upper(t.kind);
  return {
    id: String(t.id),
    no: t.no || '',
    kind,
    kindText: label(TICKET_KIND, kind),
    categoryName: (t.category && t.category.name) || '',
    status,
    statusText: label(TICKET_STATUS, status, t.statusText),
    statusClass: ticketStatusClass(status),
    open: OPEN_STATUSES.indexOf(status) >= 0,
    accountNo: (t.house && t.house.accountNo) || '',
    address: (t.house && t.house.address) || '',
    description: t.description || '',
    reportedTempText: degrees(t.reportedTemp),
    submittedAt: when(t.submittedAt),
    overdue: Boolean(t.respondOverdue || t.resolveOverdue),
    needsConfirm: (t.residentActions || []).map(upper).indexOf('CONFIRM') >= 0,
  };
}

function timelineView(events) {
  return (events || []).map((e, index) => {
    const action = String(e.action || '').toLowerCase();
    const toStatus = upper(e.toStatus);
    const title = TIMELINE_ACTION[action] || (toStatus && TICKET_STATUS[toStatus]) || e.action || '';
    return {
      key: String(index),
      title,
      statusText: toStatus && toStatus !== upper(e.fromStatus) ? label(TICKET_STATUS, toStatus) : '',
      actor: e.actorName || ACTOR_KIND[String(e.actorKind || '').toLowerCase()] || '',
      note: e.note || '',
      at: when(e.createdAt),
    };
  });
}

function inspectionView(i) {
  const rooms = (i.rooms || []).map((r, index) => ({
    key: String(index),
    name: r.name || `房间${index + 1}`,
    areaText: r.area ? `${r.area}㎡` : '',
    tempText: degrees(r.temp),
    readingsText: (r.readings || []).map(degrees).join(' / '),
    compliant: r.compliant !== false,
  }));
  return {
    id: String(i.id),
    measuredAt: when(i.measuredAt),
    houseTempText: degrees(i.houseTemp),
    compliant: Boolean(i.compliant),
    resultText: i.compliant ? '达标' : '不达标',
    causeText: i.causeText || '',
    outdoorTempText: degrees(i.outdoorTemp),
    technician: (i.technician && i.technician.name) || '',
    deviceNo: i.deviceNo || '',
    note: i.note || '',
    rooms,
    photos: photoViews(i.photos),
  };
}

function compensationView(c) {
  if (!c) return null;
  const status = upper(c.status);
  const method = upper(c.method);
  return {
    id: String(c.id),
    amountText: yuan(c.amountFen || 0),
    days: c.days || 0,
    status,
    statusText: label(COMPENSATION_STATUS, status, c.statusText),
    statusClass: status === 'REJECTED' ? 'tag-fail' : (['CREDITED', 'REFUNDED', 'CARRIED'].indexOf(status) >= 0 ? 'tag-done' : ''),
    methodText: method ? label(COMPENSATION_METHOD, method) : '',
    seasonName: (c.season && c.season.name) || '',
    explanation: c.explanation || '',
    lines: (c.lines || []).map((l, index) => ({ key: String(index), text: l.text || '', amountText: yuan(l.amountFen || 0) })),
    creditedText: c.creditedFen ? yuan(c.creditedFen) : '',
    carriedText: c.carriedFen ? yuan(c.carriedFen) : '',
    refundedText: c.refundedFen ? yuan(c.refundedFen) : '',
  };
}

function shortfallView(s) {
  if (!s) return null;
  const status = upper(s.status);
  return {
    id: String(s.id),
    status,
    open: status === 'OPEN',
    statusText: label(SHORTFALL_STATUS, status),
    startedOn: s.startedOn || '',
    endedOn: s.endedOn || '',
    days: s.days || 0,
    compensation: compensationView(s.compensation),
  };
}

/** A ticket as its detail page shows it, with the actions the resident may take now. */
function ticketView(t) {
  const actions = (t.residentActions || []).map(upper);
  return Object.assign(ticketListView(t), {
    contactName: t.contactName || '',
    contactPhone: t.contactPhone || '',
    photos: photoViews(t.photos),
    assignee: (t.assignee && t.assignee.name) || '',
    respondDueAt: when(t.respondDueAt),
    resolveDueAt: when(t.resolveDueAt),
    respondOverdue: Boolean(t.respondOverdue),
    resolveOverdue: Boolean(t.resolveOverdue),
    resolvedAt: when(t.resolvedAt),
    closedAt: when(t.closedAt),
    resolution: t.resolution || '',
    rating: t.rating || 0,
    ratingText: t.rating ? RATING_TEXT[t.rating] || '' : '',
    ratingComment: t.ratingComment || '',
    reopenCount: t.reopenCount || 0,
    timeline: timelineView(t.timeline),
    inspections: (t.inspections || []).map(inspectionView),
    shortfall: shortfallView(t.shortfall),
    canConfirm: actions.indexOf('CONFIRM') >= 0,
    canReopen: actions.indexOf('REOPEN') >= 0,
    canCancel: actions.indexOf('CANCEL') >= 0,
  });
}

function applicationView(a) {
  const status = upper(a.status);
  const kind = upper(a.kind);
  const actions = (a.residentActions || []).map(upper);
  return {
    id: String(a.id),
    no: a.no || '',
    kind,
    kindText: label(OPT_OUT_KIND, kind),
    status,
    statusText: label(OPT_OUT_STATUS, status, a.statusText),
    statusClass: status === 'REJECTED' ? 'tag-fail' : (status === 'CANCELLED' ? 'tag-grey' : (status === 'EFFECTIVE' ? 'tag-done' : '')),
    accountNo: (a.house && a.house.accountNo) || '',
    address: (a.house && a.house.address) || '',
    seasonName: (a.season && a.season.name) || '',
    reason: a.reason || '',
    effectiveDate: a.effectiveDate || '',
    reviewNote: a.reviewNote || '',
    sealNo: a.sealNo || '',
    sealedAt: when(a.sealedAt),
    submittedAt: when(a.submittedAt),
    adjustmentText: a.adjustmentFen ? yuan(a.adjustmentFen) : '',
    photos: photoViews(a.photos),
    canCancel: actions.indexOf('CANCEL') >= 0,
  };
}

/** An optOutOptions season as the 报停 page shows it. */
function optionView(o) {
  const season = o.season || {};
  const pct = o.basicFeePct;
  return {
    seasonId: String(season.id),
    seasonName: season.name || '',
    heatingStart: season.heatingStart || '',
    heatingEnd: season.heatingEnd || '',
    deadline: o.deadline || '',
    canApply: o.canApply === true,
    reason: o.reason || '',
    basicFeeText: pct === null || pct === undefined || pct === '' ? '' : `${Number(pct)}%`,
  };
}

/**
 * The reported room temperature: "" → required; at most one decimal, −10…40 ℃ ->
 * {value: "15.5"} or {error}.
 */
function checkTemperature(text) {
  const t = String(text === undefined || text === null ? '' : text).trim().replace('℃', '').replace('－', '-');
  if (!t) return { error: '请填写室内温度' };
  if (!/^-?\d{1,2}(\.\d)?$/.test(t)) return { error: '请填写数字，最多一位小数，如 16.5' };
  const n = Number(t);
  if (n < MIN_TEMP || n > MAX_TEMP) return { error: `温度应在 ${MIN_TEMP}℃ 至 ${MAX_TEMP}℃ 之间` };
  return { value: n.toFixed(1) };
}

/** A loose mainland phone check for the optional contact phone (the server has the last word). */
function phoneError(text) {
  const t = String(text || '').trim();
  if (!t) return '';
  return /^[0-9+\-() ]{5,20}$/.test(t) ? '' : '请输入有效的电话号码';
}

/**
 * The server's field errors ({field, message}) → {fields: {name: message}} for the form's known
 * fields (snake_case and input.x paths accepted), the rest joined as the form's error.
 */
function splitErrors(errors, known) {
  const fields = {};
  const other = [];
  (errors || []).forEach((e) => {
    const last = String(e.field || '').split('.').pop().replace(/_([a-z])/g, (m, c) => c.toUpperCase());
    if (known.indexOf(last) >= 0 && !fields[last]) fields[last] = e.message;
    else if (e.message && other.indexOf(e.message) < 0) other.push(e.message);
  });
  return { fields, formError: other.join('；') };
}

/** Houses for a picker: {id, accountNo, address, optedOut}. */
function houseOptions(houses) {
  return (houses || []).map((h) => ({
    id: String(h.id), accountNo: h.accountNo, address: h.address, heatingStatus: h.heatingStatus || '',
  }));
}

module.exports = {
  TICKET_KIND, TICKET_STATUS, TICKET_FILTERS, OPT_OUT_KIND, OPT_OUT_STATUS, COMPENSATION_STATUS, RATING_TEXT,
  ticketListView, ticketView, timelineView, inspectionView, shortfallView, compensationView,
  applicationView, optionView, checkTemperature, phoneError, splitErrors, houseOptions, degrees, when,
};
