'use strict';
/**
 * A small stateful stand-in for the company's GraphQL API, answering the
 * template's named operations the way the real server shapes them (payload
 * `errors`, top-level errors with extensions.code, HTTP errors). Used as the
 * fake wx's transport. Tests override single operations with `api.on(op, fn)`.
 *
 * `api.download` is the fake wx's download: GET /payments/receipts/<outTradeNo>.pdf
 * answers like apps/payments/receipt_views.py — 401 without a valid token, 404
 * unless the order is a counter payment whose houses are all bound to the
 * resident, else 200 with a temp file. `api.counterPayment(billIds)` records a
 * payment taken at the counter (paid at once, with a receipt).
 *
 * E-invoices as graphql_api/invoices answers them: myInvoices lists the blue
 * invoices of the resident's orders (their red ones under `reds`), requestInvoice
 * and the title book validate like the server (field errors camel-cased, the
 * company tax number checked as a unified social credit code), and GET
 * /files/invoices/<id>.pdf answers like apps/invoices/views.py (401 / 404 unless
 * the resident's and issued / 200). `api.issueInvoice(id)`, `api.failInvoice(id,
 * reason)` and `api.redInvoice(blueId, fen)` move invoices as the lifecycle would.
 */

function gqlError(code, message) {
  const err = new Error(message);
  err.response = { statusCode: 200, data: { errors: [{ message, path: ['x'], extensions: { code } }], data: null } };
  return err;
}

function httpError(statusCode, body) {
  const err = new Error(`HTTP ${statusCode}`);
  err.response = { statusCode, data: body === undefined ? '<html>error</html>' : body };
  return err;
}

function networkFailure(errMsg) {
  return { errMsg };
}

function dueOf(principalFen, paidFen, lateFeeFen, discountFen) {
  const outstandingFen = principalFen - paidFen;
  if (outstandingFen <= 0) return { asOf: '2026-12-01', outstandingFen: 0, discountFen: 0, lateFeeFen: 0, totalFen: 0 };
  return { asOf: '2026-12-01', outstandingFen, discountFen, lateFeeFen, totalFen: outstandingFen - discountFen + lateFeeFen };
}

function defaultSeed() {
  return {
    houses: [
      { id: '11', accountNo: 'H10001', address: '幸福小区 1号楼 1单元 101', ownerName: '王建国', phoneLast4: '5678',
        buildingArea: '89.50', usableArea: null, heatingStatus: 'NORMAL' },
      { id: '12', accountNo: 'H10002', address: '幸福小区 1号楼 1单元 102', ownerName: '李淑芬', phoneLast4: '1234',
        buildingArea: '75.00', usableArea: null, heatingStatus: 'NORMAL' },
    ],
    bound: [],
    phoneLast4Allowed: false, // houseBindingSettings: the company's choice, off by default
    bills: [
      { id: '101', houseId: '11', season: '2026-2027', seasonId: '2', status: 'ISSUED', principalFen: 214800, paidFen: 0,
        lateFeeFen: 0, discountFen: 4296,
        lines: [{ kind: 'HEATING_FEE', amountFen: 214800, explanation: '采暖费：89.50㎡ × 24.00元/㎡' }] },
      { id: '102', houseId: '12', season: '2026-2027', seasonId: '2', status: 'ISSUED', principalFen: 180000, paidFen: 0,
        lateFeeFen: 1234, discountFen: 0,
        lines: [
          { kind: 'HEATING_FEE', amountFen: 180000, explanation: '采暖费：75.00㎡ × 24.00元/㎡' },
        ] },
      { id: '90', houseId: '12', season: '2025-2026', seasonId: '1', status: 'PAID', principalFen: 172500, paidFen: 172500,
        lateFeeFen: 0, discountFen: 0,
        lines: [{ kind: 'HEATING_FEE', amountFen: 172500, explanation: '采暖费：75.00㎡ × 23.00元/㎡' }] },
    ],
    profile: { id: '7', displayName: '微信用户', phoneMasked: null },
    invoicingEnabled: true,
    invoices: [],
    titles: [],
  };
}

// GB 32100-2015 check character, written out here independently of utils/invoice.js.
const USCC = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

function serverTaxNoValid(text) {
  const t = String(text || '').trim().toUpperCase();
  if (t.length === 18) {
    if ([...t].some((c) => USCC.indexOf(c) < 0)) return false;
    const total = [...t.slice(0, 17)].reduce((sum, c, i) => sum + USCC.indexOf(c) * USCC_W[i], 0);
    return USCC[(31 - (total % 31)) % 31] === t[17];
  }
  return (t.length === 15 || t.length === 20) && /^[0-9A-Za-z]+$/.test(t);
}

/** invoice_title_clean: a company needs its tax number, a person's is dropped; errors like the server's. */
function cleanTitle(input) {
  const errors = [];
  const kind = input.kind;
  const name = String(input.name || '').trim();
  const taxNo = String(input.taxNo || '').trim().toUpperCase();
  if (!name) errors.push({ field: 'name', message: '请填写该字段。', code: 'REQUIRED' });
  if (kind === 'COMPANY' && !taxNo) errors.push({ field: 'taxNo', message: '请填写单位税号。', code: 'REQUIRED' });
  else if (kind === 'COMPANY' && !serverTaxNoValid(taxNo)) {
    errors.push({ field: 'taxNo', message: '税号不是有效的统一社会信用代码。', code: 'INVALID_TAX_NO' });
  }
  if (input.phone && !/^[0-9+\-() ]{5,20}$/.test(input.phone)) errors.push({ field: 'phone', message: '请输入有效的电话号码。', code: 'INVALID' });
  if (input.email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(input.email)) errors.push({ field: 'email', message: '请输入有效的电子邮箱。', code: 'INVALID' });
  return {
    errors,
    title: { kind, name, taxNo: kind === 'COMPANY' ? taxNo : '', phone: input.phone || '', email: input.email || '',
      addressPhone: input.addressPhone || '', bankAccount: input.bankAccount || '' },
  };
}

function maskName(name) {
  return name[0] + '*'.repeat(Math.max(1, name.length - 1));
}

function createFakeApi(seedOverrides) {
  const state = Object.assign(defaultSeed(), seedOverrides);
  const tokens = new Set();
  const orders = [];
  const overrides = {};
  const calls = [];
  const downloads = [];
  let seq = 0;

  function requireResident(ctx) {
    if (!ctx.token) throw gqlError('UNAUTHENTICATED', '请先登录。');
    if (!tokens.has(ctx.token)) throw gqlError('UNAUTHENTICATED', '令牌无效或已过期。');
  }

  function houseById(id) {
    return state.houses.find((h) => h.id === String(id));
  }

  function billShape(b) {
    const house = houseById(b.houseId);
    return {
      id: b.id, season: b.season, seasonId: b.seasonId, status: b.status, principalFen: b.principalFen, paidFen: b.paidFen,
      issuedAt: '2026-11-01T08:00:00+08:00', house: { id: house.id, accountNo: house.accountNo, address: house.address },
      lines: b.lines.map((l) => Object.assign({ quantity: '1', unitPrice: '0' }, l)),
      amountDue: dueOf(b.principalFen, b.paidFen, b.lateFeeFen, b.discountFen),
    };
  }

  function myBillRows() {
    return state.bills.filter((b) => state.bound.indexOf(b.houseId) >= 0 && b.status !== 'CANCELLED')
      .sort((a, b) => (a.season < b.season ? 1 : a.season > b.season ? -1 : 0));
  }

  function orderShape(o) {
    return {
      id: o.id, outTradeNo: o.outTradeNo, channel: o.channel, status: o.status, amountFen: o.amountFen,
      paidAt: o.status === 'PAID' ? '2026-12-01T02:05:00Z' : null, createdAt: '2026-12-01T02:04:00Z',
      refundedFen: 0, expiresAt: o.channel === 'COUNTER' ? null : '2026-12-01T04:04:00Z',
      receiptUrl: o.channel === 'COUNTER' ? `/payments/receipts/${o.outTradeNo}.pdf` : null,
      items: o.billIds.map((id) => {
        const bill = state.bills.find((b) => b.id === id);
        return { amountFen: o.amounts[id], bill: { id, season: bill.season, house: { accountNo: houseById(bill.houseId).accountNo } } };
      }),
    };
  }

  /** The payment notify arrived: order PAID, its bills paid. */
  function settle(outTradeNo, status) {
    const order = orders.find((o) => o.outTradeNo === outTradeNo);
    order.status = status || 'PAID';
    if (order.status === 'PAID') {
      order.billIds.forEach((id) => {
        const bill = state.bills.find((b) => b.id === id);
        bill.paidFen = bill.principalFen;
        bill.status = 'PAID';
      });
    }
    return order;
  }

  /** A payment taken at the counter by staff: PAID at once, bills paid, a receipt. */
  function counterPayment(billIds) {
    seq += 1;
    const amounts = {};
    billIds.forEach((id) => {
      const bill = state.bills.find((b) => b.id === id);
      amounts[id] = billShape(bill).amountDue.totalFen;
    });
    const order = { id: String(seq), outTradeNo: `C2026120100${seq}`, channel: 'COUNTER', status: 'CREATED',
      billIds: billIds.slice(), amounts, amountFen: Object.keys(amounts).reduce((t, k) => t + amounts[k], 0), prepayId: null };
    orders.unshift(order);
    return settle(order.outTradeNo);
  }

  function receiptOwned(outTradeNo) {
    const o = orders.find((x) => x.outTradeNo === outTradeNo);
    if (!o || o.channel !== 'COUNTER') return false;
    return o.billIds.every((id) => state.bound.indexOf(state.bills.find((b) => b.id === id).houseId) >= 0);
  }

  function orderOwned(o) {
    return o.billIds.every((id) => state.bound.indexOf(state.bills.find((b) => b.id === id).houseId) >= 0);
  }

  function invoiceOwned(inv) {
    const o = orders.find((x) => x.id === inv.orderId);
    return Boolean(o) && orderOwned(o);
  }

  function invoiceShape(inv) {
    const reds = state.invoices.filter((r) => r.blueId === inv.id).sort((a, b) => Number(a.id) - Number(b.id));
    return Object.assign({}, inv, {
      pdfUrl: inv.status === 'ISSUED' || inv.status === 'REVERSED' || inv.status === 'RED_REQUESTED' ? `/files/invoices/${inv.id}.pdf` : null,
      reds: inv.kind === 'BLUE' ? reds.map(invoiceShape) : [],
    });
  }

  function titleShape(t) {
    return Object.assign({}, t, { taxNo: t.taxNo || null, phone: t.phone || null, email: t.email || null,
      addressPhone: t.addressPhone || null, bankAccount: t.bankAccount || null });
  }

  /** The lifecycle issued it: number, date, lines (residential heating exempt: 免税 03), the PDF. */
  function issueInvoice(id) {
    const inv = state.invoices.find((x) => x.id === String(id));
    const o = orders.find((x) => x.id === inv.orderId);
    inv.status = 'ISSUED';
    inv.invoiceNumber = `2611200000000000${inv.id.padStart(4, '0')}`;
    inv.issuedAt = '2026-12-01T03:00:00Z';
    inv.failReason = null;
    inv.lines = o.billIds.map((billId, i) => ({
      index: i + 1, goodsName: '*供热*采暖费', taxRate: '0', exclFen: o.amounts[billId], taxFen: 0, inclFen: o.amounts[billId],
      explanation: `价税合计 ${(o.amounts[billId] / 100).toFixed(2)} 元，免税（03）`,
    }));
    inv.exclFen = inv.totalFen;
    inv.taxFen = 0;
    return inv;
  }

  function failInvoice(id, reason) {
    const inv = state.invoices.find((x) => x.id === String(id));
    inv.status = 'FAILED';
    inv.failReason = reason;
    return inv;
  }

  /** A refund took fen (positive) from the order: an issued red invoice for it; all of it reverses the blue one. */
  function redInvoice(blueId, fen) {
    const blue = state.invoices.find((x) => x.id === String(blueId));
    seq += 1;
    const red = Object.assign({}, blue, {
      id: String(900 + seq), kind: 'RED', status: 'ISSUED', blueId: blue.id, totalFen: -fen, exclFen: -fen, taxFen: 0,
      invoiceNumber: `2611200000000009${String(seq).padStart(4, '0')}`, issuedAt: '2026-12-05T03:00:00Z', createdAt: '2026-12-05T02:00:00Z',
      lines: [{ index: 1, goodsName: '*供热*采暖费', taxRate: '0', exclFen: -fen, taxFen: 0, inclFen: -fen, explanation: '红字冲销，免税（03）' }],
    });
    state.invoices.unshift(red);
    if (fen >= blue.totalFen) blue.status = 'REVERSED';
    return red;
  }

  /** The fake wx's downloadFile: {statusCode, tempFilePath} like WeChat gives for any HTTP answer. */
  async function download(req) {
    const auth = (req.header && req.header.Authorization) || '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : null;
    downloads.push({ url: req.url, token });
    const file = (statusCode) => ({ statusCode, tempFilePath: `http://tmp/download-${downloads.length}-${statusCode}` });
    if (overrides.download) return overrides.download(req, { token }, api);
    const invoiceFile = /^https?:\/\/[^/]+\/files\/invoices\/(\d+)\.pdf$/.exec(req.url);
    if (invoiceFile) {
      if (!token || !tokens.has(token)) return file(401);
      const inv = state.invoices.find((x) => x.id === invoiceFile[1]);
      return file(inv && invoiceOwned(inv) && invoiceShape(inv).pdfUrl ? 200 : 404);
    }
    const match = /^https?:\/\/[^/]+\/payments\/receipts\/([^/]+)\.pdf$/.exec(req.url);
    if (!match) return file(404);
    if (!token || !tokens.has(token)) return file(401);
    return file(receiptOwned(match[1]) ? 200 : 404);
  }

  const handlers = {
    WechatLogin({ code }) {
      if (!code) return { wechatLogin: { token: null, expiresIn: null, resident: null, errors: [{ field: 'code', message: '请提供登录凭证。', code: 'REQUIRED' }] } };
      seq += 1;
      const token = `tok-${seq}`;
      tokens.add(token);
      return { wechatLogin: { token, expiresIn: 7200, resident: state.profile, errors: [] } };
    },
    MyProfile(v, ctx) {
      requireResident(ctx);
      return { myProfile: state.profile };
    },
    BindPhone({ code }, ctx) {
      requireResident(ctx);
      state.profile = Object.assign({}, state.profile, { phoneMasked: '138****8000' });
      return { bindPhone: { resident: state.profile, errors: [] } };
    },
    RequestSmsCode({ phone }, ctx) {
      requireResident(ctx);
      return { requestSmsCode: { phoneMasked: `${phone.slice(0, 3)}****${phone.slice(7)}`, expiresIn: 300, resendIn: 60, errors: [] } };
    },
    VerifySmsCode({ phone, code }, ctx) {
      requireResident(ctx);
      if (code !== '123456') {
        return { verifySmsCode: { resident: null, errors: [{ field: 'code', message: '验证码错误。', code: 'SMS_CODE_INVALID' }] } };
      }
      state.profile = Object.assign({}, state.profile, { phoneMasked: `${phone.slice(0, 3)}****${phone.slice(7)}` });
      return { verifySmsCode: { resident: state.profile, errors: [] } };
    },
    MyHouses(v, ctx) {
      requireResident(ctx);
      return {
        myHouses: state.bound.map((id) => {
          const h = houseById(id);
          return { id: h.id, accountNo: h.accountNo, address: h.address, buildingArea: h.buildingArea, usableArea: h.usableArea,
            heatingStatus: h.heatingStatus, ownerName: maskName(h.ownerName), role: 'OWNER' };
        }),
      };
    },
    HouseBindingSettings() {
      return { houseBindingSettings: { phoneLast4Allowed: Boolean(state.phoneLast4Allowed) } };
    },
    BindHouse({ accountNo, ownerName, phoneLast4, role }, ctx) {
      requireResident(ctx);
      if (phoneLast4 && !state.phoneLast4Allowed) {
        return { bindHouse: { house: null, errors: [{ field: 'phoneLast4', message: '本公司不支持用手机号后 4 位绑定，请填写户主姓名。', code: 'PROOF_NOT_ALLOWED' }] } };
      }
      const h = state.houses.find((x) => x.accountNo === accountNo);
      const ok = h && ((ownerName && h.ownerName === ownerName) || (phoneLast4 && h.phoneLast4 === phoneLast4));
      if (!ok) return { bindHouse: { house: null, errors: [{ field: null, message: '户号与户主信息不匹配。', code: 'BINDING_FAILED' }] } };
      if (state.bound.indexOf(h.id) < 0) state.bound.push(h.id);
      return { bindHouse: { house: { id: h.id, accountNo: h.accountNo, address: h.address, buildingArea: h.buildingArea,
        usableArea: null, heatingStatus: h.heatingStatus, ownerName: maskName(h.ownerName), role: role || 'OWNER' }, errors: [] } };
    },
    UnbindHouse({ houseId }, ctx) {
      requireResident(ctx);
      const index = state.bound.indexOf(String(houseId));
      if (index < 0) return { unbindHouse: { ok: false, errors: [{ field: 'houseId', message: '房屋不存在。', code: 'NOT_FOUND' }] } };
      state.bound.splice(index, 1);
      return { unbindHouse: { ok: true, errors: [] } };
    },
    MyBills({ seasonId }, ctx) {
      requireResident(ctx);
      return { myBills: myBillRows().filter((b) => !seasonId || b.seasonId === seasonId).map(billShape) };
    },
    Bill({ id }, ctx) {
      requireResident(ctx);
      const b = myBillRows().find((x) => x.id === String(id));
      return { bill: b ? billShape(b) : null };
    },
    CreatePayment({ billIds, channel }, ctx) {
      requireResident(ctx);
      const mine = myBillRows();
      const bills = billIds.map((id) => mine.find((b) => b.id === id));
      if (bills.some((b) => !b || b.principalFen - b.paidFen <= 0)) {
        return { createPayment: { order: null, payParams: null, errors: [{ field: 'billIds', message: '账单已缴清或不存在。', code: 'INVALID_STATUS' }] } };
      }
      seq += 1;
      const amounts = {};
      bills.forEach((b) => { amounts[b.id] = billShape(b).amountDue.totalFen; });
      const order = { id: String(seq), outTradeNo: `HC2026120100${seq}`, channel, status: 'CREATED', billIds: bills.map((b) => b.id),
        amounts, amountFen: Object.keys(amounts).reduce((t, k) => t + amounts[k], 0), prepayId: `wx01prepay${seq}` };
      orders.unshift(order);
      const shaped = orderShape(order);
      return { createPayment: {
        order: { id: shaped.id, outTradeNo: shaped.outTradeNo, status: shaped.status, amountFen: shaped.amountFen, expiresAt: shaped.expiresAt },
        payParams: { channel, timeStamp: '1764554640', nonceStr: `nonce${seq}`, package: `prepay_id=${order.prepayId}`, signType: 'RSA', paySign: 'c2lnbmF0dXJl', tradeNO: null },
        errors: [] } };
    },
    Order({ outTradeNo }, ctx) {
      requireResident(ctx);
      const o = orders.find((x) => x.outTradeNo === outTradeNo);
      return { order: o ? orderShape(o) : null };
    },
    MyPayments({ first, offset }, ctx) {
      requireResident(ctx);
      const start = offset || 0;
      return { myPayments: { totalCount: orders.length, items: orders.slice(start, start + (first || 20)).map(orderShape) } };
    },
    Branding() {
      return { branding: state.branding || null };
    },
    InvoiceOptions(v, ctx) {
      requireResident(ctx);
      const enabled = Boolean(state.invoicingEnabled);
      return { invoiceOptions: { enabled, policy: enabled ? (state.invoicePolicy || 'ON_REQUEST') : null } };
    },
    MyInvoices({ offset, limit }, ctx) {
      requireResident(ctx);
      const mine = state.invoices.filter((inv) => inv.kind === 'BLUE' && invoiceOwned(inv));
      const start = offset || 0;
      const size = Math.min(limit || 20, 100);
      return { myInvoices: { totalCount: mine.length, items: mine.slice(start, start + size).map(invoiceShape) } };
    },
    MyInvoice({ id }, ctx) {
      requireResident(ctx);
      const inv = state.invoices.find((x) => x.id === String(id));
      return { myInvoice: inv && invoiceOwned(inv) ? invoiceShape(inv) : null };
    },
    RequestInvoice({ orderId, titleId, title }, ctx) {
      requireResident(ctx);
      const refuse = (field, message, code) => ({ requestInvoice: { invoice: null, errors: [{ field, message, code }] } });
      const o = orders.find((x) => x.id === String(orderId));
      if (!o || !orderOwned(o)) return refuse('orderId', '找不到该订单。', 'NOT_FOUND');
      let buyer;
      if (titleId) {
        buyer = state.titles.find((t) => t.id === String(titleId));
        if (!buyer) return refuse('titleId', '找不到该抬头。', 'NOT_FOUND');
      } else if (title) {
        const cleaned = cleanTitle(title);
        if (cleaned.errors.length) return { requestInvoice: { invoice: null, errors: cleaned.errors } };
        buyer = cleaned.title;
      } else {
        return refuse('title', '请选择或填写发票抬头。', 'REQUIRED');
      }
      if (!state.invoicingEnabled) return refuse(null, '本公司尚未启用电子发票。', 'NOT_ENABLED');
      if (o.status !== 'PAID') return refuse('orderId', '订单尚未支付成功。', 'ORDER_NOT_PAID');
      if (state.invoices.some((inv) => inv.orderId === o.id && inv.kind === 'BLUE')) {
        return refuse('orderId', '该订单已申请过发票。', 'ALREADY_REQUESTED');
      }
      seq += 1;
      const inv = {
        id: String(500 + seq), kind: 'BLUE', status: 'REQUESTED', orderId: o.id, outTradeNo: o.outTradeNo, blueId: null,
        buyerKind: buyer.kind, buyerName: buyer.name, buyerTaxNo: buyer.taxNo || null, totalFen: o.amountFen, exclFen: 0, taxFen: 0,
        invoiceNumber: null, issuedAt: null, failReason: null, createdAt: '2026-12-01T02:10:00Z', lines: [],
      };
      state.invoices.unshift(inv);
      return { requestInvoice: { invoice: invoiceShape(inv), errors: [] } };
    },
    MyInvoiceTitles(v, ctx) {
      requireResident(ctx);
      const sorted = state.titles.slice().sort((a, b) => (b.isDefault - a.isDefault) || (Number(b.id) - Number(a.id)));
      return { myInvoiceTitles: sorted.map(titleShape) };
    },
    SaveInvoiceTitle({ id, input, isDefault }, ctx) {
      requireResident(ctx);
      let row = null;
      if (id) {
        row = state.titles.find((t) => t.id === String(id));
        if (!row) return { saveInvoiceTitle: { title: null, errors: [{ field: 'id', message: '找不到该抬头。', code: 'NOT_FOUND' }] } };
      }
      const cleaned = cleanTitle(input);
      if (cleaned.errors.length) return { saveInvoiceTitle: { title: null, errors: cleaned.errors } };
      if (!row) {
        seq += 1;
        row = { id: String(300 + seq), isDefault: state.titles.length === 0 };
        state.titles.push(row);
      }
      Object.assign(row, cleaned.title);
      if (isDefault === true) state.titles.forEach((t) => { t.isDefault = t === row; });
      return { saveInvoiceTitle: { title: titleShape(row), errors: [] } };
    },
    DeleteInvoiceTitle({ id }, ctx) {
      requireResident(ctx);
      const index = state.titles.findIndex((t) => t.id === String(id));
      if (index < 0) return { deleteInvoiceTitle: { deletedId: null, errors: [{ field: 'id', message: '找不到该抬头。', code: 'NOT_FOUND' }] } };
      state.titles.splice(index, 1);
      return { deleteInvoiceTitle: { deletedId: String(id), errors: [] } };
    },
  };

  async function transport(req) {
    const body = typeof req.data === 'string' ? JSON.parse(req.data) : req.data;
    const match = /^\s*(query|mutation)\s+(\w+)/.exec(body.query);
    const op = match ? match[2] : '';
    const auth = (req.header && req.header.Authorization) || '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : null;
    calls.push({ op, variables: body.variables, token, url: req.url });
    const handler = overrides[op] || handlers[op];
    if (!handler) return { statusCode: 400, data: { errors: [{ message: `Cannot query operation ${op}` }] } };
    try {
      const data = await handler(body.variables || {}, { token }, api);
      return { statusCode: 200, data: { data } };
    } catch (err) {
      if (err && err.response) return err.response;
      throw err; // {errMsg}: a network failure
    }
  }

  const api = {
    state,
    orders,
    calls,
    tokens,
    transport,
    download,
    downloads,
    handlers,
    settle,
    counterPayment,
    issueInvoice,
    failInvoice,
    redInvoice,
    requireResident,
    on(op, fn) { overrides[op] = fn; return api; },
    off(op) { delete overrides[op]; return api; },
    ops() { return calls.map((c) => c.op); },
    /** Find the order a requestPayment call is for (by its package). */
    orderForPackage(pkg) { return orders.find((o) => `prepay_id=${o.prepayId}` === pkg); },
  };
  return api;
}

module.exports = { createFakeApi, gqlError, httpError, networkFailure };
