'use strict';
/**
 * Resident services (issue 16) on top of tests/support/fake-api.js, shaped like graphql_api/services:
 * ticket categories, my tickets (with timeline, inspections, shortfall and compensation), submit /
 * confirm / reopen / cancel with the server's state rules and field errors; 报停 options and
 * applications; and the photo upload endpoint (POST /files/services/photos/, multipart file + purpose,
 * Bearer token → 201 {photoId, url, width, height}, 413 FILE_TOO_LARGE, 400 PHOTO_BAD_TYPE, 401).
 *
 *   const api = withServices(createFakeApi({ bound: ['11'] }));
 *   const wx = installFakeWx({ transport: api.transport, uploadFile: api.uploadFile,
 *     chooseMedia: () => [{ tempFilePath: 'wxfile://a.jpg', size: 1000 }] });
 *   addServiceWx(wx)  // chooseMedia / uploadFile / previewImage on the fake wx
 *
 * A chosen file's path decides the upload's answer: containing "big" → 413, "notimage" → 400,
 * "slow" → waits until `api.releaseUploads()`; anything else → 201.
 * `api.resolveTicket(id, resolution)`, `api.inspect(id, {...})` and `api.closeShortfall(id, compensation)`
 * move tickets as staff and the quality engine would.
 */

const OPEN = ['SUBMITTED', 'ACCEPTED', 'ASSIGNED', 'ON_SITE'];
const STATUS_TEXT = {
  SUBMITTED: '已提交', ACCEPTED: '已受理', ASSIGNED: '已派单', ON_SITE: '处理中', RESOLVED: '已解决', CLOSED: '已关闭',
  CANCELLED: '已撤销', REJECTED: '不予受理',
};
const OPT_STATUS_TEXT = {
  SUBMITTED: '待审核', APPROVED: '已批准，待施封', SEALED: '已施封', EFFECTIVE: '已生效', REJECTED: '已驳回', CANCELLED: '已撤销',
};

function serviceSeed() {
  return {
    categories: [
      { id: '1', kind: 'REPAIR', name: '暖气不热' },
      { id: '2', kind: 'REPAIR', name: '管道漏水' },
      { id: '5', kind: 'COMPLAINT', name: '服务态度' },
    ],
    tickets: [],
    photos: {},
    optOut: {
      // per house: heatingStatus (normal | opted_out), options, resumeSeasons
      11: {
        heatingStatus: 'normal',
        options: [
          { season: { id: '3', name: '2027-2028', heatingStart: '2027-11-15', heatingEnd: '2028-03-15' },
            deadline: '2027-10-15', canApply: true, reason: '', reasonCode: null, basicFeePct: '30' },
        ],
        resumeSeasons: [],
      },
      12: {
        heatingStatus: 'opted_out',
        options: [
          { season: { id: '3', name: '2027-2028', heatingStart: '2027-11-15', heatingEnd: '2028-03-15' },
            deadline: '2027-10-15', canApply: false, reason: '房屋已报停。', reasonCode: 'ALREADY_APPLIED', basicFeePct: '30' },
        ],
        resumeSeasons: [{ id: '2', name: '2026-2027', heatingStart: '2026-11-15', heatingEnd: '2027-03-15' }],
      },
    },
    applications: [],
  };
}

function payloadError(key, field, message, code) {
  return { [key]: { ticket: null, application: null, errors: [{ field, message, code }] } };
}

function withServices(api, seedOverrides) {
  const s = Object.assign(serviceSeed(), seedOverrides);
  Object.assign(api.state, { services: s });
  const uploads = [];
  let held = [];
  let seq = 0;

  function bound(houseId) {
    return api.state.bound.indexOf(String(houseId)) >= 0;
  }

  function house(houseId) {
    const h = api.state.houses.find((x) => x.id === String(houseId));
    return { id: h.id, accountNo: h.accountNo, address: h.address, communityId: '1' };
  }

  function residentActions(t) {
    const actions = [];
    if (t.status === 'RESOLVED') actions.push('CONFIRM', 'REOPEN');
    if (t.status === 'SUBMITTED' || t.status === 'ACCEPTED') actions.push('CANCEL');
    return actions;
  }

  function ticketShape(t) {
    return Object.assign({}, t, {
      statusText: STATUS_TEXT[t.status],
      residentActions: residentActions(t),
      photos: t.photoIds.map((id) => ({ id, url: s.photos[id].url, width: 800, height: 600 })),
    });
  }

  function event(t, action, toStatus, actorKind, actorName, note) {
    t.timeline.push({ action, fromStatus: t.status, toStatus, actorKind, actorName, note: note || null, public: true,
      createdAt: `2026-12-0${Math.min(9, t.timeline.length + 1)}T02:00:00Z` });
    t.status = toStatus;
  }

  function mine(id) {
    const t = s.tickets.find((x) => x.id === String(id));
    return t && bound(t.house.id) ? t : null;
  }

  function appShape(a) {
    return Object.assign({}, a, {
      statusText: OPT_STATUS_TEXT[a.status], residentActions: a.status === 'SUBMITTED' ? ['CANCEL'] : [],
      photos: (a.photoIds || []).map((id) => ({ id, url: s.photos[id].url, width: 800, height: 600 })),
    });
  }

  /** Photos the caller uploaded and has not attached yet. */
  function photosUsable(ids, token) {
    return (ids || []).every((id) => s.photos[id] && s.photos[id].token === token && !s.photos[id].attached);
  }

  Object.assign(api.handlers, {
    TicketCategories({ kind }, ctx) {
      api.requireResident(ctx);
      return { ticketCategories: s.categories.filter((c) => !kind || c.kind === kind)
        .map((c) => Object.assign({ respondHours: 2, resolveHours: 24, active: true, position: 0 }, c)) };
    },
    MyTickets({ status, offset, limit }, ctx) {
      api.requireResident(ctx);
      const rows = s.tickets.filter((t) => bound(t.house.id) && (!status || t.status === status));
      const start = offset || 0;
      return { myTickets: { totalCount: rows.length, items: rows.slice(start, start + Math.min(limit || 20, 100)).map(ticketShape) } };
    },
    MyTicket({ id }, ctx) {
      api.requireResident(ctx);
      const t = mine(id);
      return { myTicket: t ? ticketShape(t) : null };
    },
    SubmitTicket({ input }, ctx) {
      api.requireResident(ctx);
      const refuse = (field, message, code) => payloadError('submitTicket', field, message, code);
      if (!bound(input.houseId)) return refuse('houseId', '房屋不存在。', 'NOT_FOUND');
      const categories = s.categories.filter((c) => c.kind === input.kind);
      if (input.kind !== 'TEMPERATURE' && categories.length && !input.categoryId) return refuse('categoryId', '请选择类别。', 'REQUIRED');
      if (input.categoryId && !categories.some((c) => c.id === input.categoryId)) return refuse('categoryId', '类别不存在。', 'NOT_FOUND');
      if (!String(input.description || '').trim()) return refuse('description', '请填写该字段。', 'REQUIRED');
      if (String(input.description).length > 1000) return refuse('description', '最多 1000 个字。', 'TOO_LONG');
      if (input.kind === 'TEMPERATURE') {
        const t = String(input.reportedTemp || '');
        if (!/^-?\d{1,2}(\.\d)?$/.test(t) || Number(t) < -10 || Number(t) > 40) {
          return refuse('reportedTemp', '室温应在 −10℃ 至 40℃ 之间，最多一位小数。', 'INVALID_TEMPERATURE');
        }
      }
      if ((input.photoIds || []).length > 9) return refuse('photoIds', '最多 9 张照片。', 'PHOTO_TOO_MANY');
      if (!photosUsable(input.photoIds, ctx.token)) return refuse('photoIds', '照片不存在。', 'NOT_FOUND');
      seq += 1;
      const category = s.categories.find((c) => c.id === input.categoryId) || null;
      const t = {
        id: String(700 + seq), no: `T20261207-${String(seq).padStart(6, '0')}`, kind: input.kind,
        category: category ? { id: category.id, name: category.name } : null, house: house(input.houseId), status: 'SUBMITTED',
        contactName: input.contactName, contactPhone: input.contactPhone || null, description: input.description,
        reportedTemp: input.kind === 'TEMPERATURE' ? String(input.reportedTemp) : null, photoIds: (input.photoIds || []).slice(),
        assignee: null, submittedAt: '2026-12-07T02:00:00Z', respondDueAt: '2026-12-07T04:00:00Z', resolveDueAt: '2026-12-08T02:00:00Z',
        respondOverdue: false, resolveOverdue: false, escalated: false, resolution: null, rating: null, ratingComment: null,
        reopenCount: 0, timeline: [], inspections: [], shortfall: null,
      };
      t.photoIds.forEach((id) => { s.photos[id].attached = true; });
      event(t, 'submit', 'SUBMITTED', 'resident', '住户');
      t.timeline[0].fromStatus = null;
      s.tickets.unshift(t);
      return { submitTicket: { ticket: ticketShape(t), errors: [] } };
    },
    ConfirmTicket({ id, rating, comment }, ctx) {
      api.requireResident(ctx);
      const t = mine(id);
      if (!t) return payloadError('confirmTicket', 'id', '工单不存在。', 'NOT_FOUND');
      if (t.status !== 'RESOLVED') return payloadError('confirmTicket', null, '工单当前状态不能确认。', 'NOT_ALLOWED_IN_STATE');
      if (!(rating >= 1 && rating <= 5)) return payloadError('confirmTicket', 'rating', '评分应为 1 至 5。', 'INVALID');
      t.rating = rating;
      t.ratingComment = comment || null;
      event(t, 'confirm', 'CLOSED', 'resident', '住户', comment);
      return { confirmTicket: { ticket: ticketShape(t), errors: [] } };
    },
    ReopenTicket({ id, reason }, ctx) {
      api.requireResident(ctx);
      const t = mine(id);
      if (!t) return payloadError('reopenTicket', 'id', '工单不存在。', 'NOT_FOUND');
      if (t.status !== 'RESOLVED') return payloadError('reopenTicket', null, '工单当前状态不能重新打开。', 'NOT_ALLOWED_IN_STATE');
      t.reopenCount += 1;
      event(t, 'reopen', 'ASSIGNED', 'resident', '住户', reason);
      return { reopenTicket: { ticket: ticketShape(t), errors: [] } };
    },
    CancelTicket({ id, reason }, ctx) {
      api.requireResident(ctx);
      const t = mine(id);
      if (!t) return payloadError('cancelTicket', 'id', '工单不存在。', 'NOT_FOUND');
      if (['SUBMITTED', 'ACCEPTED'].indexOf(t.status) < 0) {
        return payloadError('cancelTicket', null, '工单已在处理中，不能撤销。', 'NOT_ALLOWED_IN_STATE');
      }
      event(t, 'cancel', 'CANCELLED', 'resident', '住户', reason);
      return { cancelTicket: { ticket: ticketShape(t), errors: [] } };
    },
    OptOutOptions({ houseId }, ctx) {
      api.requireResident(ctx);
      const o = s.optOut[houseId];
      if (!o || !bound(houseId)) return { optOutOptions: null };
      const pending = s.applications.some((a) => a.house.id === houseId && a.kind === 'RESUME' && a.status === 'SUBMITTED');
      return { optOutOptions: { houseId: String(houseId), heatingStatus: o.heatingStatus, options: o.options,
        canResume: o.heatingStatus === 'opted_out' && !pending, resumeSeasons: o.resumeSeasons } };
    },
    MyOptOutApplications(v, ctx) {
      api.requireResident(ctx);
      return { myOptOutApplications: s.applications.filter((a) => bound(a.house.id)).map(appShape) };
    },
    ApplyOptOut({ input }, ctx) {
      api.requireResident(ctx);
      const refuse = (field, message, code) => payloadError('applyOptOut', field, message, code);
      const o = s.optOut[input.houseId];
      if (!o || !bound(input.houseId)) return refuse('houseId', '房屋不存在。', 'NOT_FOUND');
      if (!String(input.reason || '').trim()) return refuse('reason', '请填写该字段。', 'REQUIRED');
      let season;
      if (input.kind === 'OPT_OUT') {
        const option = o.options.find((x) => x.season.id === input.seasonId);
        if (!option) return refuse('seasonId', '采暖季不存在。', 'NO_SEASON');
        if (!option.canApply) return refuse('seasonId', option.reason, option.reasonCode || 'DEADLINE_PASSED');
        season = option.season;
      } else {
        if (o.heatingStatus !== 'opted_out') return refuse(null, '房屋未报停。', 'NOT_OPTED_OUT');
        season = o.resumeSeasons.find((x) => x.id === input.seasonId);
        if (!season) return refuse('seasonId', '采暖季不存在。', 'NO_SEASON');
      }
      if (s.applications.some((a) => a.house.id === input.houseId && a.season.id === season.id && a.kind === input.kind
        && ['SUBMITTED', 'APPROVED', 'SEALED', 'EFFECTIVE'].indexOf(a.status) >= 0)) {
        return refuse(null, '该采暖季已有申请。', 'ALREADY_APPLIED');
      }
      if (!photosUsable(input.photoIds, ctx.token)) return refuse('photoIds', '照片不存在。', 'NOT_FOUND');
      (input.photoIds || []).forEach((id) => { s.photos[id].attached = true; });
      seq += 1;
      const a = {
        id: String(800 + seq), no: `B2026${String(seq).padStart(6, '0')}`, kind: input.kind, house: Object.assign(house(input.houseId), { heatingStatus: o.heatingStatus }),
        season, applicantName: input.applicantName, contactPhone: input.contactPhone || '', reason: input.reason,
        effectiveDate: input.effectiveDate || season.heatingStart, status: 'SUBMITTED', reviewNote: '', reviewedAt: null, sealNo: '',
        sealedAt: null, effectiveAt: null, submittedAt: '2026-12-07T03:00:00Z', adjustmentFen: 0, photoIds: (input.photoIds || []).slice(),
      };
      s.applications.unshift(a);
      if (input.kind === 'OPT_OUT') {
        const option = o.options.find((x) => x.season.id === input.seasonId);
        Object.assign(option, { canApply: false, reason: '该采暖季已有申请。', reasonCode: 'ALREADY_APPLIED' });
      }
      return { applyOptOut: { application: appShape(a), errors: [] } };
    },
    CancelOptOut({ id }, ctx) {
      api.requireResident(ctx);
      const a = s.applications.find((x) => x.id === String(id) && bound(x.house.id));
      if (!a) return payloadError('cancelOptOut', 'id', '申请不存在。', 'NOT_FOUND');
      if (a.status !== 'SUBMITTED') return payloadError('cancelOptOut', null, '申请已审核，不能撤销。', 'NOT_ALLOWED_IN_STATE');
      a.status = 'CANCELLED';
      return { cancelOptOut: { application: appShape(a), errors: [] } };
    },
  });

  /** The fake wx's uploadFile: like the photo view (apps/services/views.py). data is a JSON string. */
  async function uploadFile(req) {
    const authHeader = (req.header && req.header.Authorization) || '';
    const token = authHeader.startsWith('Bearer ') ? authHeader.slice(7) : null;
    uploads.push({ url: req.url, token, filePath: req.filePath, name: req.name, formData: req.formData });
    if (/slow/.test(req.filePath)) await new Promise((resolve) => held.push(resolve));
    const answer = (statusCode, body) => ({ statusCode, data: JSON.stringify(body) });
    if (!/^https:\/\/[^/]+\/files\/services\/photos\/$/.test(req.url)) return answer(404, { error: { code: 'NOT_FOUND', message: 'Not found' } });
    if (!token || !api.tokens.has(token)) return answer(401, { error: { code: 'UNAUTHENTICATED', message: '请先登录。' } });
    if (/big/.test(req.filePath)) return answer(413, { error: { code: 'FILE_TOO_LARGE', message: '照片不能超过 5 MB。' } });
    if (/notimage/.test(req.filePath)) return answer(400, { error: { code: 'PHOTO_BAD_TYPE', message: '只能上传 JPEG、PNG 或 WebP 图片。' } });
    seq += 1;
    const id = `6f1c0000-0000-4000-8000-${String(seq).padStart(12, '0')}`;
    const url = `https://north-heat.example.test/files/services/photos/${id}?exp=1765080000&sig=abc${seq}`;
    s.photos[id] = { purpose: req.formData && req.formData.purpose, token, url, attached: false };
    return answer(201, { photoId: id, url, width: 800, height: 600 });
  }

  /** Staff resolved it (and wrote the timeline). */
  function resolveTicket(id, resolution) {
    const t = s.tickets.find((x) => x.id === String(id));
    t.assignee = { id: '31', name: '张师傅' };
    event(t, 'accept', 'ACCEPTED', 'staff', '客服 李娜');
    event(t, 'assign', 'ASSIGNED', 'staff', '调度 王强', '已派 张师傅');
    event(t, 'on_site', 'ON_SITE', 'staff', '维修技术员 张师傅');
    event(t, 'resolve', 'RESOLVED', 'staff', '维修技术员 张师傅', resolution);
    t.resolution = resolution;
    return t;
  }

  /** A technician measured: rooms [{name, area, temp, compliant}]; non-compliant + UTILITY opens a shortfall. */
  function inspect(id, inspection) {
    const t = s.tickets.find((x) => x.id === String(id));
    t.assignee = { id: '31', name: '张师傅' };
    const i = Object.assign({
      id: String(t.inspections.length + 1), measuredAt: '2026-12-08T06:00:00Z', standardTemp: '18.0', outdoorTemp: '-3.5',
      technician: { id: '31', name: '张师傅' }, deviceNo: 'TH-01', residentSignature: '王建国', note: '', photos: [],
    }, inspection);
    i.rooms = i.rooms.map((r) => Object.assign({ readings: [r.temp, r.temp] }, r));
    t.inspections.push(i);
    if (t.status !== 'ON_SITE') event(t, 'inspect', 'ON_SITE', 'staff', '维修技术员 张师傅');
    if (!i.compliant && i.cause === 'UTILITY' && !t.shortfall) {
      t.shortfall = { id: '41', house: t.house, startedOn: '2026-12-08', endedOn: null, status: 'OPEN', days: 0, ticketNo: t.no,
        ticketId: t.id, compensation: null };
    }
    return i;
  }

  /** A compliant re-inspection closed the period and the engine computed its compensation. */
  function closeShortfall(id, compensation, endedOn, days) {
    const t = s.tickets.find((x) => x.id === String(id));
    Object.assign(t.shortfall, { status: 'CLOSED', endedOn, days, compensation });
    return t;
  }

  function releaseUploads() {
    const waiting = held;
    held = [];
    waiting.forEach((resolve) => resolve());
  }

  return Object.assign(api, { services: s, uploads, uploadFile, resolveTicket, inspect, closeShortfall, releaseUploads, OPEN });
}

/**
 * Give a fake wx the picture APIs: chooseMedia (options.chooseMedia(opts) → [{tempFilePath, size}] or
 * 'cancel' / 'fail'), uploadFile (options.uploadFile(opts) → {statusCode, data}; reject {errMsg} for a
 * network failure) and previewImage (recorded).
 */
function addServiceWx(wx, options) {
  const o = Object.assign({
    chooseMedia: () => [{ tempFilePath: 'wxfile://tmp/photo-1.jpg', size: 200000 }],
    uploadFile: () => Promise.reject({ errMsg: 'uploadFile:fail no upload configured' }),
  }, options);
  wx.calls.choose = [];
  wx.calls.upload = [];
  wx.calls.preview = [];
  wx.chooseMedia = (opts) => {
    wx.calls.choose.push(opts);
    Promise.resolve().then(() => wx.options.chooseMedia(opts)).then((files) => {
      if (files === 'cancel') opts.fail({ errMsg: 'chooseMedia:fail cancel' });
      else if (files === 'fail') opts.fail({ errMsg: 'chooseMedia:fail auth deny' });
      else opts.success({ errMsg: 'chooseMedia:ok', type: 'image', tempFiles: files.map((f) => Object.assign({ fileType: 'image' }, f)) });
    });
  };
  wx.uploadFile = (opts) => {
    wx.calls.upload.push(opts);
    Promise.resolve()
      .then(() => o.uploadFile(opts))
      .then((res) => opts.success && opts.success(Object.assign({ errMsg: 'uploadFile:ok' }, res)),
        (err) => opts.fail && opts.fail(err && err.errMsg ? err : { errMsg: `uploadFile:fail ${err}` }));
    return { abort() {}, onProgressUpdate() {} };
  };
  wx.previewImage = (opts) => { wx.calls.preview.push({ urls: opts.urls, current: opts.current }); };
  wx.options.chooseMedia = o.chooseMedia;
  return wx;
}

module.exports = { withServices, addServiceWx, serviceSeed };
