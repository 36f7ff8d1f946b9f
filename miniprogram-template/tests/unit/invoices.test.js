'use strict';
/**
 * E-invoices in the resident's app: 开发票 / 查看发票 on a paid order, the request
 * form (个人 / 单位 with the unified social credit code checked, the API's field
 * errors under their fields), my invoices with their statuses, an invoice's
 * lines and PDF (downloaded with the Bearer token, opened in WeChat), and the
 * title book. GraphQL and the file download are faked at the HTTP layer
 * (tests/support/fake-api.js).
 */
const { installFakeWx, DEFAULT_EXT } = require('../support/fake-wx');
const { createFakeApi } = require('../support/fake-api');
const { openPage, text, texts, tap, flush, waitFor } = require('../support/pages');
const session = require('../../utils/session');
const paymentsApi = require('../../services/payments');
const invoicesApi = require('../../services/invoices');
const { taxNoError, usccChecks } = require('../../utils/invoice');

// Real-shaped unified social credit codes (GB 32100-2015 check character correct / wrong).
const GOOD_USCC = '91110108551385082Q';
const BAD_USCC = '91110108551385082A';

let wx;
let api;
let unhandled;

function onUnhandled(reason) {
  unhandled.push(reason);
}

beforeEach(() => {
  api = createFakeApi({ bound: ['11', '12'] });
  wx = installFakeWx({ transport: api.transport, download: api.download });
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});

afterEach(async () => {
  await flush();
  process.removeListener('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

/** A WeChat payment of bill 101 (¥2,105.04 after the early discount), settled. */
async function paidOrder(billId) {
  const { order } = await paymentsApi.createPayment([billId || '101'], 'WECHAT');
  return api.settle(order.outTradeNo);
}

async function input(page, selector, value) {
  page.querySelector(selector).dispatchEvent('input', { detail: { value } });
  await flush();
}

function lastNavigation() {
  return wx.calls.navigate[wx.calls.navigate.length - 1];
}

/** A personal invoice asked for through the real service (as the request page does). */
function askPersonal(order, name) {
  return invoicesApi.requestInvoice(order.id, { title: { kind: 'PERSONAL', name: name || '王建国' } });
}

function opsOf(op) {
  return api.calls.filter((c) => c.op === op);
}

describe('tax number check (统一社会信用代码)', () => {
  test('18 characters with the right check character; 15/20-character legacy numbers; nothing else', () => {
    expect(usccChecks(GOOD_USCC)).toBe(true);
    expect(usccChecks('91350100M000100Y43')).toBe(true);
    expect(usccChecks(BAD_USCC)).toBe(false);
    expect(usccChecks('91110108551385082I')).toBe(false); // I, O, S, V, Z are not in the alphabet
    expect(taxNoError(GOOD_USCC)).toBe('');
    expect(taxNoError(' 9111 0108 5513 8508 2q ')).toBe(''); // copied with spaces, lower case
    expect(taxNoError('110101123456789')).toBe('');
    expect(taxNoError('11010112345678901234')).toBe('');
    expect(taxNoError(BAD_USCC)).toBe('税号校验不通过，请核对统一社会信用代码');
    expect(taxNoError('1234567')).toBe('税号应为 18 位统一社会信用代码（或 15、20 位税号）');
    expect(taxNoError('')).toBe('请输入单位税号（统一社会信用代码）');
  });
});

describe('开发票 / 查看发票 on the order page', () => {
  test('a paid order without an invoice offers 开发票, which opens the request form', async () => {
    const order = await paidOrder();
    const page = await openPage('order', { outTradeNo: order.outTradeNo });
    expect(text(page, '#invoice')).toBe('开发票');
    await tap(page, '#invoice');
    expect(lastNavigation()).toEqual({ type: 'navigateTo', url: `/pages/invoice-request/invoice-request?outTradeNo=${order.outTradeNo}` });
  });

  test('with its invoice: 查看发票 with the status opens the invoice; coming back refreshes it', async () => {
    const order = await paidOrder();
    const page = await openPage('order', { outTradeNo: order.outTradeNo });
    await page.instance.onInvoice(); // leaves for the form …
    await askPersonal(order);
    await page.instance.onShow(); // … and comes back
    expect(text(page, '#invoice')).toBe('查看发票（开票中）');
    const invoiceId = api.state.invoices[0].id;
    await tap(page, '#invoice');
    expect(lastNavigation()).toEqual({ type: 'navigateTo', url: `/pages/invoice-detail/invoice-detail?id=${invoiceId}` });
  });

  test('another order’s invoice does not count', async () => {
    const invoiced = await paidOrder('101');
    await askPersonal(invoiced);
    const other = await paidOrder('102');
    const page = await openPage('order', { outTradeNo: other.outTradeNo });
    expect(text(page, '#invoice')).toBe('开发票');
  });

  test('a fully refunded order offers no 开发票', async () => {
    const order = await paidOrder();
    api.on('Order', (v, ctx, self) => {
      const answer = self.handlers.Order(v, ctx);
      answer.order.refundedFen = answer.order.amountFen;
      return answer;
    });
    const page = await openPage('order', { outTradeNo: order.outTradeNo });
    expect(text(page, '#status')).toBe('支付成功');
    expect(page.querySelector('#invoice')).toBeUndefined();
  });

  test('no button for an unpaid order, nor when the server has no invoices (older server)', async () => {
    const { order } = await paymentsApi.createPayment(['101'], 'WECHAT');
    const unpaid = await openPage('order', { outTradeNo: order.outTradeNo });
    expect(unpaid.querySelector('#invoice')).toBeUndefined();
    expect(opsOf('MyInvoices')).toHaveLength(0);

    api.settle(order.outTradeNo);
    api.on('MyInvoices', () => { throw Object.assign(new Error('400'), { response: { statusCode: 400, data: { errors: [{ message: 'Cannot query field "myInvoices" on type "Query".' }] } } }); });
    const older = await openPage('order', { outTradeNo: order.outTradeNo });
    expect(text(older, '#status')).toBe('支付成功');
    expect(older.querySelector('#invoice')).toBeUndefined();
  });
});

describe('only while the company has e-invoices on (invoiceOptions)', () => {
  test('on: 开发票 on a paid order and 我的发票 under 我的', async () => {
    const order = await paidOrder();
    expect(await invoicesApi.options()).toEqual({ enabled: true, policy: 'ON_REQUEST' });
    const page = await openPage('order', { outTradeNo: order.outTradeNo });
    expect(text(page, '#invoice')).toBe('开发票');
    const mine = await openPage('mine');
    expect(text(mine, '#menu-invoices')).toContain('我的发票');
  });

  test('off: neither entry shows, and the order page does not read my invoices', async () => {
    api.state.invoicingEnabled = false;
    const order = await paidOrder();
    expect(await invoicesApi.options()).toEqual({ enabled: false, policy: null });
    const page = await openPage('order', { outTradeNo: order.outTradeNo });
    expect(text(page, '#status')).toBe('支付成功');
    expect(page.querySelector('#invoice')).toBeUndefined();
    expect(opsOf('MyInvoices')).toHaveLength(0);
    const mine = await openPage('mine');
    expect(text(mine, '#menu-payments')).toContain('缴费记录');
    expect(mine.querySelector('#menu-invoices')).toBeUndefined();

    api.state.invoicingEnabled = true; // switched on later: 我的 shows it the next time it is shown
    await mine.instance.onShow();
    expect(text(mine, '#menu-invoices')).toContain('我的发票');
  });

  test('no answer (an older server without invoiceOptions): hidden too', async () => {
    api.on('InvoiceOptions', () => { throw Object.assign(new Error('400'), { response: { statusCode: 400, data: { errors: [{ message: 'Cannot query field "invoiceOptions" on type "Query".' }] } } }); });
    const order = await paidOrder();
    const page = await openPage('order', { outTradeNo: order.outTradeNo });
    expect(page.querySelector('#invoice')).toBeUndefined();
    const mine = await openPage('mine');
    expect(mine.querySelector('#menu-invoices')).toBeUndefined();
  });
});

describe('申请开票', () => {
  async function openForm(order) {
    return openPage('invoice-request', { outTradeNo: order.outTradeNo });
  }

  test('a personal request sends exactly the typed title, then shows the invoice', async () => {
    const order = await paidOrder();
    const page = await openForm(order);
    expect(text(page, '#amount')).toBe('¥2,105.04');
    expect(page.querySelector('#saved-titles')).toBeUndefined(); // no saved titles yet
    expect(page.querySelector('#tax-no')).toBeUndefined(); // a person has no tax number
    await input(page, '#name', ' 王建国 ');
    await input(page, '#phone', '13912345678');
    await tap(page, '#submit');

    const sent = opsOf('RequestInvoice');
    expect(sent).toHaveLength(1);
    expect(sent[0].variables).toEqual({ orderId: order.id, title: { kind: 'PERSONAL', name: '王建国', phone: '13912345678' } });
    expect(api.state.invoices[0]).toMatchObject({ buyerKind: 'PERSONAL', buyerName: '王建国', orderId: order.id, status: 'REQUESTED' });
    expect(opsOf('SaveInvoiceTitle')).toHaveLength(0); // not asked to save it
    expect(wx.calls.toast).toEqual(['已提交开票申请']);
    expect(lastNavigation()).toEqual({ type: 'redirectTo', url: `/pages/invoice-detail/invoice-detail?id=${api.state.invoices[0].id}` });
  });

  test('a company: the tax number is checked before sending; a valid one goes out normalised, with the optional fields', async () => {
    const order = await paidOrder();
    const page = await openForm(order);
    await tap(page, '#kind-company');
    await tap(page, '#submit');
    expect(text(page, '#error-name')).toBe('请输入单位名称');
    expect(text(page, '#error-tax-no')).toBe('请输入单位税号（统一社会信用代码）');

    await input(page, '#name', '北方机械有限公司');
    await input(page, '#tax-no', BAD_USCC);
    await tap(page, '#submit');
    expect(text(page, '#error-tax-no')).toBe('税号校验不通过，请核对统一社会信用代码');
    expect(page.querySelector('#error-name')).toBeUndefined();
    expect(opsOf('RequestInvoice')).toHaveLength(0);

    await input(page, '#tax-no', '9111 0108 5513 8508 2q');
    expect(page.querySelector('#error-tax-no')).toBeUndefined(); // typing clears the field's error
    await input(page, '#address-phone', '石家庄市长安区 0311-88886666');
    await input(page, '#bank-account', '工商银行 0402 0000 1234');
    await tap(page, '#submit');
    expect(opsOf('RequestInvoice')[0].variables).toEqual({ orderId: order.id, title: {
      kind: 'COMPANY', name: '北方机械有限公司', taxNo: GOOD_USCC, addressPhone: '石家庄市长安区 0311-88886666', bankAccount: '工商银行 0402 0000 1234',
    } });
    expect(api.state.invoices[0]).toMatchObject({ buyerKind: 'COMPANY', buyerTaxNo: GOOD_USCC });
  });

  test('the API’s field error is shown under its field, and nothing moves on', async () => {
    const order = await paidOrder();
    api.on('RequestInvoice', () => ({ requestInvoice: { invoice: null, errors: [
      { field: 'taxNo', message: '税号与单位名称不一致，请核对。', code: 'INVALID_TAX_NO' },
    ] } }));
    const page = await openForm(order);
    await tap(page, '#kind-company');
    await input(page, '#name', '北方机械有限公司');
    await input(page, '#tax-no', GOOD_USCC);
    await tap(page, '#submit');
    expect(text(page, '#error-tax-no')).toBe('税号与单位名称不一致，请核对。');
    expect(page.querySelector('#form-error')).toBeUndefined();
    expect(page.data.submitting).toBe(false);
    expect(wx.calls.navigate).toEqual([]);
  });

  test('refusals about the order (not enabled, already asked) show on the form', async () => {
    const order = await paidOrder();
    api.state.invoicingEnabled = false;
    const page = await openForm(order);
    await input(page, '#name', '王建国');
    await tap(page, '#submit');
    expect(text(page, '#form-error')).toBe('本公司尚未启用电子发票。');

    api.state.invoicingEnabled = true;
    await tap(page, '#submit');
    expect(wx.calls.navigate).toHaveLength(1);
    await tap(page, '#submit'); // the same order again
    expect(text(page, '#form-error')).toBe('该订单已申请过发票。');
    expect(api.state.invoices).toHaveLength(1);
  });

  test('保存为常用抬头 saves the typed title (the first one becomes the default)', async () => {
    const order = await paidOrder();
    const page = await openForm(order);
    await input(page, '#name', '王建国');
    await input(page, '#email', 'wang@example.test');
    page.querySelector('#save-title').dispatchEvent('change', { detail: { value: true } });
    await flush();
    await tap(page, '#submit');
    expect(opsOf('SaveInvoiceTitle')[0].variables).toEqual({
      input: { kind: 'PERSONAL', name: '王建国', phone: '', email: 'wang@example.test' }, isDefault: true,
    });
    expect(api.state.titles).toEqual([expect.objectContaining({ name: '王建国', email: 'wang@example.test', isDefault: true })]);
    expect(wx.calls.toast).toEqual(['已提交开票申请']);
  });

  test('saved titles: the default is picked and sent by id; 填写新抬头 switches to the form', async () => {
    api.state.titles.push(
      { id: '301', kind: 'PERSONAL', name: '王建国', taxNo: '', isDefault: false },
      { id: '302', kind: 'COMPANY', name: '北方机械有限公司', taxNo: GOOD_USCC, isDefault: true },
    );
    const order = await paidOrder();
    const page = await openForm(order);
    expect(texts(page, '.title-option .title-name')[0]).toContain('北方机械有限公司');
    expect(page.data.selectedTitleId).toBe('302');
    expect(page.querySelector('#title-form')).toBeUndefined();

    await tap(page, '#title-new');
    expect(page.querySelector('#title-form')).toBeDefined();
    await tap(page, '#title-301');
    await tap(page, '#submit');
    expect(opsOf('RequestInvoice')[0].variables).toEqual({ orderId: order.id, titleId: '301' });
    expect(api.state.invoices[0]).toMatchObject({ buyerName: '王建国', buyerKind: 'PERSONAL' });
  });

  test('an order that is not paid cannot be invoiced from here', async () => {
    const { order } = await paymentsApi.createPayment(['101'], 'WECHAT');
    const page = await openForm(order);
    expect(text(page, '#state-not-paid .state-title')).toBe('该订单未支付成功');
    expect(page.querySelector('#submit')).toBeUndefined();
  });
});

describe('我的发票', () => {
  test('我的 leads to the list', async () => {
    const page = await openPage('mine');
    await tap(page, '#menu-invoices');
    expect(wx.calls.navigate).toEqual([{ type: 'navigateTo', url: '/pages/invoices/invoices' }]);
  });

  test('each invoice with its status: 开票中 / 已开票 / 开票失败 (reason) / 已红冲, amount, number and date', async () => {
    api.state.bills.push({ id: '103', houseId: '12', season: '2026-2027', seasonId: '2', status: 'ISSUED', principalFen: 30000,
      paidFen: 0, lateFeeFen: 0, discountFen: 0, lines: [{ kind: 'BASIC_FEE', amountFen: 30000, explanation: '基本热费' }] });
    const orders = [await paidOrder('101'), await paidOrder('102'), api.counterPayment(['103'])];
    await askPersonal(orders[0], '王建国');
    await askPersonal(orders[1], '李淑芬');
    await askPersonal(orders[2], '李淑芬');
    const [reversed, failed, issued] = api.state.invoices.slice(); // newest first
    api.issueInvoice(issued.id);
    api.failInvoice(failed.id, '收费项目「采暖费·居民」未设置开票信息');
    api.issueInvoice(reversed.id);
    api.redInvoice(reversed.id, reversed.totalFen);

    const page = await openPage('invoices');
    const cards = page.querySelectorAll('.invoice');
    expect(cards).toHaveLength(3); // blue invoices only: the red one is under its blue one
    expect(texts(page, '.invoice .status')).toEqual(['已红冲', '开票失败', '已开票']);
    expect(text(page, `#invoice-${issued.id}`)).toContain('¥2,105.04');
    expect(text(page, `#invoice-${issued.id}`)).toContain(`发票号码 ${api.state.invoices.find((i) => i.id === issued.id).invoiceNumber} · 2026-12-01`);
    expect(text(page, `#invoice-${failed.id}`)).toContain('收费项目「采暖费·居民」未设置开票信息');
    expect(text(page, `#invoice-${failed.id}`)).toContain('申请于 2026-12-01 10:10');

    api.issueInvoice(failed.id);
    await tap(page, `#invoice-${failed.id}`);
    expect(lastNavigation()).toEqual({ type: 'navigateTo', url: `/pages/invoice-detail/invoice-detail?id=${failed.id}` });
    await page.instance.onShow(); // back from the detail: statuses are read again
    expect(texts(page, '.invoice .status')).toEqual(['已红冲', '已开票', '已开票']);
  });

  test('开票中 while requested; a partial refund shows what was reversed', async () => {
    await askPersonal(await paidOrder());
    const page = await openPage('invoices');
    expect(texts(page, '.invoice .status')).toEqual(['开票中']);
    expect(page.querySelector('.partly-reversed')).toBeUndefined();

    const blue = api.issueInvoice(api.state.invoices[0].id);
    api.redInvoice(blue.id, 50000);
    await page.instance.load();
    expect(texts(page, '.invoice .status')).toEqual(['已开票']);
    expect(text(page, '.partly-reversed')).toBe('退款部分已红冲 -¥500.00');
  });

  test('nothing yet: an explanation of where invoices come from', async () => {
    const page = await openPage('invoices');
    expect(text(page, '#state-empty .state-title')).toBe('暂无发票');
    await tap(page, '#menu-titles');
    expect(wx.calls.navigate).toEqual([{ type: 'navigateTo', url: '/pages/invoice-titles/invoice-titles' }]);
  });
});

describe('发票详情', () => {
  async function issuedInvoice() {
    const order = await paidOrder();
    await askPersonal(order);
    return { order, invoice: api.issueInvoice(api.state.invoices[0].id) };
  }

  function pdfAddress(invoice) {
    return `${DEFAULT_EXT.apiBaseUrl}/files/invoices/${invoice.id}.pdf`;
  }

  test('lines with the tax explanation and the totals', async () => {
    const { order, invoice } = await issuedInvoice();
    const page = await openPage('invoice-detail', { id: invoice.id });
    expect(text(page, '#status')).toBe('已开票');
    expect(text(page, '#total')).toBe('¥2,105.04');
    expect(text(page, '#number')).toBe(invoice.invoiceNumber);
    expect(text(page, '#issued-date')).toBe('2026-12-01');
    expect(text(page, '#buyer')).toBe('王建国（个人）');
    expect(text(page, '#lines')).toContain('*供热*采暖费 · 税率 0%');
    expect(text(page, '#lines')).toContain('价税合计 2105.04 元，免税（03）');
    expect(text(page, '#excl')).toBe('¥2,105.04');
    expect(text(page, '#tax')).toBe('¥0.00');
    await tap(page, '#order');
    expect(lastNavigation()).toEqual({ type: 'navigateTo', url: `/pages/order/order?outTradeNo=${order.outTradeNo}` });
  });

  test('查看发票 downloads the PDF from the company host with the Bearer token, then opens it', async () => {
    const { invoice } = await issuedInvoice();
    const page = await openPage('invoice-detail', { id: invoice.id });
    await tap(page, '#pdf');
    await waitFor(() => !page.data.pdfBusy, 2000, 'the PDF to be handled');

    expect(wx.calls.download).toHaveLength(1);
    expect(wx.calls.download[0].url).toBe(pdfAddress(invoice));
    expect(wx.calls.download[0].header).toEqual({ Authorization: `Bearer ${session.getToken()}` });
    expect(api.downloads).toEqual([{ url: pdfAddress(invoice), token: session.getToken() }]);
    expect(wx.calls.document).toHaveLength(1);
    expect(wx.calls.document[0]).toMatchObject({ filePath: 'http://tmp/download-1-200', fileType: 'pdf', showMenu: true });
    expect(wx.calls.toast).toEqual([]);
  });

  test('a PDF that is not the resident’s any more (404), or cannot be opened, ends in a toast', async () => {
    const { invoice } = await issuedInvoice();
    const page = await openPage('invoice-detail', { id: invoice.id });
    api.state.bound = ['12']; // the house was unbound meanwhile
    await tap(page, '#pdf');
    await waitFor(() => !page.data.pdfBusy, 2000, 'the PDF to be handled');
    expect(wx.calls.toast).toEqual(['发票文件暂不可用']);
    expect(wx.calls.document).toEqual([]);

    api.state.bound = ['11', '12'];
    wx.options.openDocument = () => 'file not supported';
    await tap(page, '#pdf');
    await waitFor(() => !page.data.pdfBusy, 2000, 'the PDF to be handled');
    expect(wx.calls.toast).toEqual(['发票文件暂不可用', '无法打开发票，请稍后再试']);
  });

  test('a PDF address off the company host is never sent the token', async () => {
    const { invoice } = await issuedInvoice();
    api.on('MyInvoice', (v, ctx, self) => {
      const answer = self.handlers.MyInvoice(v, ctx);
      answer.myInvoice.pdfUrl = 'https://evil.example.test/files/invoices/1.pdf';
      return answer;
    });
    const page = await openPage('invoice-detail', { id: invoice.id });
    await page.instance.onPdf();
    expect(wx.calls.download).toEqual([]);
    expect(wx.calls.toast).toEqual(['发票文件暂不可用']);
  });

  test('not issued yet: no PDF, a refresh; failed: the reason', async () => {
    await askPersonal(await paidOrder());
    const id = api.state.invoices[0].id;
    const page = await openPage('invoice-detail', { id });
    expect(text(page, '#status')).toBe('开票中');
    expect(page.querySelector('#pdf')).toBeUndefined();
    api.failInvoice(id, '购方税号有误');
    await tap(page, '#refresh');
    expect(text(page, '#status')).toBe('开票失败');
    expect(text(page, '#fail-reason')).toBe('购方税号有误');
  });

  test('its red invoices after a refund, each opening its own page', async () => {
    const { invoice } = await issuedInvoice();
    const red = api.redInvoice(invoice.id, 50000);
    const page = await openPage('invoice-detail', { id: invoice.id });
    expect(text(page, '#status')).toBe('已开票'); // partly reversed: the blue one stays issued
    expect(text(page, `#red-${red.id}`)).toContain(`发票号码 ${red.invoiceNumber}`);
    expect(text(page, `#red-${red.id}`)).toContain('-¥500.00');
    await tap(page, `#red-${red.id}`);
    expect(lastNavigation()).toEqual({ type: 'navigateTo', url: `/pages/invoice-detail/invoice-detail?id=${red.id}` });

    const redPage = await openPage('invoice-detail', { id: red.id });
    expect(text(redPage, '#total')).toBe('-¥500.00');
    await tap(redPage, '#blue');
    expect(lastNavigation()).toEqual({ type: 'navigateTo', url: `/pages/invoice-detail/invoice-detail?id=${invoice.id}` });
  });

  test('someone else’s invoice is simply not found', async () => {
    const { invoice } = await issuedInvoice();
    api.state.bound = ['12'];
    const page = await openPage('invoice-detail', { id: invoice.id });
    expect(text(page, '#state-not-found .state-title')).toBe('发票不存在');
  });
});

describe('发票抬头 (title book)', () => {
  test('add a company title (tax number checked), then a personal one; the first is the default', async () => {
    const page = await openPage('invoice-titles');
    expect(text(page, '#state-empty .state-title')).toBe('还没有常用抬头');
    await tap(page, '#add');
    expect(page.data.isDefault).toBe(true); // the first title
    await tap(page, '#kind-company');
    await input(page, '#name', '北方机械有限公司');
    await input(page, '#tax-no', BAD_USCC);
    await tap(page, '#save');
    expect(text(page, '#error-tax-no')).toBe('税号校验不通过，请核对统一社会信用代码');
    expect(opsOf('SaveInvoiceTitle')).toHaveLength(0);

    await input(page, '#tax-no', GOOD_USCC);
    await tap(page, '#save');
    expect(opsOf('SaveInvoiceTitle')[0].variables).toEqual({
      input: { kind: 'COMPANY', name: '北方机械有限公司', taxNo: GOOD_USCC }, isDefault: true,
    });
    expect(page.querySelector('#editor')).toBeUndefined();
    expect(page.querySelectorAll('.title')).toHaveLength(1);

    await tap(page, '#add');
    await input(page, '#name', '王建国');
    await tap(page, '#save');
    expect(api.state.titles.map((t) => [t.name, t.isDefault])).toEqual([['北方机械有限公司', true], ['王建国', false]]);
    expect(texts(page, '.title .strong')).toEqual(['北方机械有限公司', '王建国']);
    expect(page.querySelectorAll('.default-tag')).toHaveLength(1);
  });

  test('the API’s field error lands under the field', async () => {
    api.on('SaveInvoiceTitle', () => ({ saveInvoiceTitle: { title: null, errors: [
      { field: 'email', message: '请输入有效的电子邮箱。', code: 'INVALID' },
      { field: null, message: '最多保存 20 个抬头。', code: 'INVALID' },
    ] } }));
    const page = await openPage('invoice-titles');
    await tap(page, '#add');
    await input(page, '#name', '王建国');
    await input(page, '#email', 'wang@example.test');
    await tap(page, '#save');
    expect(text(page, '#error-email')).toBe('请输入有效的电子邮箱。');
    expect(text(page, '#form-error')).toBe('最多保存 20 个抬头。');
    expect(page.querySelector('#editor')).toBeDefined();
    expect(page.data.saving).toBe(false);
  });

  test('edit, make default and delete (after confirming)', async () => {
    api.state.titles.push(
      { id: '301', kind: 'PERSONAL', name: '王建国', taxNo: '', phone: '13912345678', isDefault: true },
      { id: '302', kind: 'COMPANY', name: '北方机械有限公司', taxNo: GOOD_USCC, isDefault: false },
    );
    const page = await openPage('invoice-titles');
    expect(texts(page, '.title .strong')).toEqual(['王建国', '北方机械有限公司']);

    await page.instance.onEdit({ currentTarget: { dataset: { id: '301' } } });
    expect(page.data.form).toMatchObject({ kind: 'PERSONAL', name: '王建国', phone: '13912345678' });
    await input(page, '#phone', '');
    await tap(page, '#save');
    expect(opsOf('SaveInvoiceTitle')[0].variables).toEqual({
      id: '301', input: { kind: 'PERSONAL', name: '王建国', phone: '', email: '' }, isDefault: true,
    });
    expect(api.state.titles.find((t) => t.id === '301').phone).toBe('');

    await tap(page, '#title-302 .make-default');
    expect(api.state.titles.map((t) => [t.id, t.isDefault])).toEqual([['301', false], ['302', true]]);
    expect(texts(page, '.title .strong')).toEqual(['北方机械有限公司', '王建国']);

    wx.options.modalAnswer = () => false;
    await tap(page, '#title-301 .delete');
    expect(wx.calls.modal[0].content).toContain('王建国');
    expect(opsOf('DeleteInvoiceTitle')).toHaveLength(0);

    wx.options.modalAnswer = () => true;
    await tap(page, '#title-301 .delete');
    expect(opsOf('DeleteInvoiceTitle')[0].variables).toEqual({ id: '301' });
    expect(api.state.titles.map((t) => t.id)).toEqual(['302']);
    expect(page.querySelectorAll('.title')).toHaveLength(1);
  });

  test('the request form picks up a title added in the book meanwhile', async () => {
    const order = await paidOrder();
    const form = await openPage('invoice-request', { outTradeNo: order.outTradeNo });
    form.instance.onManageTitles();
    expect(lastNavigation()).toEqual({ type: 'navigateTo', url: '/pages/invoice-titles/invoice-titles' });
    api.state.titles.push({ id: '305', kind: 'PERSONAL', name: '王建国', isDefault: true });
    await form.instance.onShow();
    expect(form.data.selectedTitleId).toBe('305');
  });
});
