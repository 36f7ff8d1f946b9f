'use strict';
/**
 * Messaging (issue 17) on top of tests/support/fake-api.js, shaped like graphql_api/messaging: announcements
 * targeted to houses (visible when one of mine is targeted; pinned first, then newest; read state per
 * resident), the knowledge base (categories with counts, published articles by category and search), my
 * in-app inbox (unread count, mark read by ids or all), SMS opt-in (NO_PHONE without a bound phone) and the
 * WeChat subscription templates per scene and recorded answers.
 *
 *   const api = withMessaging(createFakeApi({ bound: ['11'] }));
 *   api.announce({ title, body, pinned, houses: ['11'] })   // houses: targets; omitted = every house
 *   api.message({ kind, title, body, page })                // lands in my inbox, unread
 *   api.state.messaging.templates = { PAYMENT: ['tplA', 'tplB'] }
 *   api.state.messaging.recorded                            // what recordSubscriptionResults got, in order
 */

function messagingSeed() {
  return {
    announcements: [],
    reads: new Set(),
    categories: [
      { id: '1', name: '缴费帮助', position: 1 },
      { id: '2', name: '报停规则', position: 2 },
      { id: '3', name: '室温标准', position: 3 },
    ],
    articles: [
      { id: '31', categoryId: '1', title: '采暖费怎么计算？', summary: '按建筑面积乘以单价计算', body: '<p>采暖费 = 建筑面积 × 单价。</p>', keywords: '账单 单价', published: true },
      { id: '32', categoryId: '1', title: '可以开电子发票吗？', summary: '缴费成功后可申请', body: '<p>在订单页点击「开发票」。</p>', keywords: '发票', published: true },
      { id: '33', categoryId: '2', title: '报停需要什么条件？', summary: '在截止日期前申请', body: '<p>报停需在截止日期前申请，并收取基本热费。</p>', keywords: '报停 停暖', published: true },
      { id: '34', categoryId: '3', title: '室温多少度算达标？', summary: '不低于 18℃', body: '<p>供暖期间卧室、起居室温度不低于 18℃。<img src="/files/messaging/images/abc.png" width="800"></p>', keywords: '室温 温度', published: true },
      { id: '35', categoryId: '3', title: '草稿文章', summary: '', body: '<p>未发布</p>', keywords: '', published: false },
    ],
    messages: [],
    templates: { PAYMENT: [], TICKET: [], BILL: [] },
    recorded: [],
    smsOptIn: false,
  };
}

function withMessaging(api, seedOverrides) {
  const m = Object.assign(messagingSeed(), seedOverrides);
  Object.assign(api.state, { messaging: m });
  let seq = 0;

  function visible(a) {
    const bound = api.state.bound;
    if (!bound.length) return false;
    return !a.houses || a.houses.some((h) => bound.indexOf(String(h)) >= 0);
  }

  function announcementShape(a) {
    return { id: a.id, title: a.title, summary: a.summary, body: a.body, pinned: a.pinned, publishedAt: a.publishedAt,
      read: m.reads.has(a.id) };
  }

  function mineOrdered() {
    return m.announcements.filter(visible).sort((x, y) => (Number(y.pinned) - Number(x.pinned))
      || (x.publishedAt < y.publishedAt ? 1 : x.publishedAt > y.publishedAt ? -1 : 0));
  }

  function announcementPage(first, offset) {
    const mine = mineOrdered();
    const start = offset || 0;
    return { items: mine.slice(start, start + Math.min(first || 20, 100)).map(announcementShape), total: mine.length,
      unread: mine.filter((a) => !m.reads.has(a.id)).length };
  }

  function articleShape(a) {
    const c = m.categories.find((x) => x.id === a.categoryId);
    return { id: a.id, title: a.title, summary: a.summary, body: a.body, updatedAt: '2026-11-20T02:00:00Z',
      category: { id: c.id, name: c.name } };
  }

  function preferences() {
    const phone = api.state.profile.phoneMasked;
    return { smsOptIn: m.smsOptIn, phoneMasked: phone || '', hasPhone: Boolean(phone) };
  }

  function unreadCount() {
    return m.messages.filter((x) => !x.read).length;
  }

  Object.assign(api.handlers, {
    Announcements({ first, offset }, ctx) {
      api.requireResident(ctx);
      return { announcements: announcementPage(first, offset) };
    },
    Announcement({ id }, ctx) {
      api.requireResident(ctx);
      const a = m.announcements.find((x) => x.id === String(id));
      return { announcement: a && visible(a) ? announcementShape(a) : null };
    },
    MarkAnnouncementRead({ id }, ctx) {
      api.requireResident(ctx);
      const a = m.announcements.find((x) => x.id === String(id));
      if (!a || !visible(a)) {
        return { markAnnouncementRead: { announcement: null, errors: [{ field: 'id', message: '公告不存在。', code: 'NOT_FOUND' }] } };
      }
      m.reads.add(a.id);
      return { markAnnouncementRead: { announcement: announcementShape(a), errors: [] } };
    },
    HomeNotices(v, ctx) {
      api.requireResident(ctx);
      return { unreadMessageCount: unreadCount(), announcements: announcementPage(1, 0) };
    },
    KbCategories(v, ctx) {
      api.requireResident(ctx);
      return { kbCategories: m.categories.map((c) => ({ id: c.id, name: c.name, position: c.position,
        articleCount: m.articles.filter((a) => a.published && a.categoryId === c.id).length })) };
    },
    KbArticles({ categoryId, search, first, offset }, ctx) {
      api.requireResident(ctx);
      const needle = String(search || '').trim();
      const rows = m.articles.filter((a) => a.published && (!categoryId || a.categoryId === categoryId)
        && (!needle || [a.title, a.keywords, a.body].some((t) => t.indexOf(needle) >= 0)));
      const start = offset || 0;
      return { kbArticles: { items: rows.slice(start, start + (first || 20)).map(articleShape), total: rows.length } };
    },
    KbArticle({ id }, ctx) {
      api.requireResident(ctx);
      const a = m.articles.find((x) => x.id === String(id) && x.published);
      return { kbArticle: a ? articleShape(a) : null };
    },
    MyMessages({ first, offset }, ctx) {
      api.requireResident(ctx);
      const start = offset || 0;
      return { myMessages: { items: m.messages.slice(start, start + (first || 20)).map((x) => Object.assign({}, x)),
        total: m.messages.length, unread: unreadCount() } };
    },
    UnreadMessageCount(v, ctx) {
      api.requireResident(ctx);
      return { unreadMessageCount: unreadCount() };
    },
    MarkMessagesRead({ ids, all }, ctx) {
      api.requireResident(ctx);
      const chosen = all ? m.messages : m.messages.filter((x) => (ids || []).indexOf(x.id) >= 0);
      if (!all && chosen.length !== (ids || []).length) {
        return { markMessagesRead: { count: 0, errors: [{ field: 'ids', message: '消息不存在。', code: 'NOT_FOUND' }] } };
      }
      const count = chosen.filter((x) => !x.read).length;
      chosen.forEach((x) => { x.read = true; });
      return { markMessagesRead: { count, errors: [] } };
    },
    MessagingPreferences(v, ctx) {
      api.requireResident(ctx);
      return { messagingPreferences: preferences() };
    },
    SetSmsOptIn({ optIn }, ctx) {
      api.requireResident(ctx);
      if (optIn && !api.state.profile.phoneMasked) {
        return { setSmsOptIn: { preferences: null, errors: [{ field: 'optIn', message: '请先绑定手机号。', code: 'NO_PHONE' }] } };
      }
      m.smsOptIn = Boolean(optIn);
      return { setSmsOptIn: { preferences: preferences(), errors: [] } };
    },
    SubscriptionTemplates({ scene }, ctx) {
      api.requireResident(ctx);
      return { subscriptionTemplates: (m.templates[scene] || []).slice(0, 3) };
    },
    RecordSubscriptionResults({ results }, ctx) {
      api.requireResident(ctx);
      m.recorded.push(results);
      return { recordSubscriptionResults: { granted: results.filter((r) => r.result === 'accept').length, errors: [] } };
    },
  });

  Object.assign(api, {
    /** Publish an announcement: {title, summary, body, pinned, publishedAt, houses} -> its row. */
    announce(fields) {
      seq += 1;
      const row = Object.assign({ id: String(700 + seq), title: `公告${seq}`, summary: '', body: '<p>正文</p>', pinned: false,
        publishedAt: `2026-12-${String(Math.min(28, seq)).padStart(2, '0')}T01:00:00Z`, houses: null }, fields);
      m.announcements.push(row);
      return row;
    },
    /** A message lands in my inbox (newest first). */
    message(fields) {
      seq += 1;
      const row = Object.assign({ id: String(800 + seq), kind: 'PAYMENT_RECEIPT', title: '缴费成功', body: '您已成功缴费。', page: '',
        read: false, createdAt: `2026-12-${String(Math.min(28, seq)).padStart(2, '0')}T06:03:00Z` }, fields);
      m.messages.unshift(row);
      return row;
    },
  });
  return api;
}

/** requestSubscribeMessage on a fake wx: `answer(tmplIds)` -> {id: result} (success) or {errCode, errMsg} with fail: true. */
function addSubscribeWx(wx, answer) {
  wx.calls.subscribe = [];
  wx.requestSubscribeMessage = (opts) => {
    wx.calls.subscribe.push(opts.tmplIds.slice());
    const outcome = answer(opts.tmplIds);
    Promise.resolve().then(() => {
      if (outcome && outcome.fail) opts.fail({ errCode: outcome.errCode, errMsg: outcome.errMsg });
      else opts.success(Object.assign({ errMsg: 'requestSubscribeMessage:ok' }, outcome));
    });
  };
  return wx;
}

/** Everyone accepts / rejects / bans each template. */
function answerAll(result) {
  return (ids) => ids.reduce((out, id) => Object.assign(out, { [id]: result }), {});
}

module.exports = { withMessaging, addSubscribeWx, answerAll };
