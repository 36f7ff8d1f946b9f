'use strict';
/**
 * E-invoices for people: status and kind labels, invoice and title views, and
 * the title form (抬头) checks shared by the request page and the title book.
 * The server checks everything again; these checks only save a round trip.
 */
const { yuan } = require('./money');
const { dateTime, label } = require('./format');

const INVOICE_STATUS = {
  REQUESTED: '开票中', ISSUING: '开票中', ISSUED: '已开票', FAILED: '开票失败', RED_REQUESTED: '红冲中', REVERSED: '已红冲',
};
const INVOICE_KIND = { BLUE: '蓝字发票', RED: '红字发票' };
const TITLE_KIND = { PERSONAL: '个人', COMPANY: '单位' };
const TITLE_FIELDS = ['kind', 'name', 'taxNo', 'phone', 'email', 'addressPhone', 'bankAccount'];
const COMPANY_ONLY = ['taxNo', 'addressPhone', 'bankAccount'];

// GB 32100-2015 unified social credit code: 18 characters of this alphabet, the last one a check character.
const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

function statusClass(status) {
  if (status === 'ISSUED') return 'tag-done';
  if (status === 'FAILED') return 'tag-fail';
  if (status === 'RED_REQUESTED' || status === 'REVERSED') return 'tag-grey';
  return '';
}

/** "2026-12-01" in China time from an ISO date-time; "" when empty. */
function date(iso) {
  return dateTime(iso).slice(0, 10);
}

/** 0.09 / "0.0900" -> "9%"; 0 -> "0%". Display only (rates are not money). */
function ratePercent(rate) {
  const n = Number(rate);
  if (rate === null || rate === undefined || rate === '' || Number.isNaN(n)) return '';
  return `${Number((n * 100).toFixed(2))}%`;
}

/** Integer fen from a GraphQL BigInt (a JSON number, or a digit string from some servers). */
function fenOf(value) {
  return typeof value === 'string' ? parseInt(value, 10) || 0 : (value || 0);
}

function invoiceView(inv) {
  const red = inv.kind === 'RED';
  const reds = inv.reds || [];
  const reversedFen = reds.filter((r) => r.status === 'ISSUED').reduce((total, r) => total + fenOf(r.totalFen), 0);
  return {
    id: String(inv.id),
    red,
    kindText: label(INVOICE_KIND, inv.kind),
    status: inv.status,
    statusText: label(INVOICE_STATUS, inv.status),
    statusClass: statusClass(inv.status),
    pending: inv.status === 'REQUESTED' || inv.status === 'ISSUING',
    failed: inv.status === 'FAILED',
    failReason: inv.failReason || '',
    buyerName: inv.buyerName || '',
    buyerKindText: label(TITLE_KIND, inv.buyerKind),
    buyerTaxNo: inv.buyerTaxNo || '',
    totalText: yuan(inv.totalFen),
    exclText: yuan(inv.exclFen || 0),
    taxText: yuan(inv.taxFen || 0),
    invoiceNumber: inv.invoiceNumber || '',
    issuedDate: date(inv.issuedAt),
    createdAt: dateTime(inv.createdAt),
    pdfUrl: inv.pdfUrl || '',
    orderId: inv.orderId ? String(inv.orderId) : '',
    blueId: inv.blueId ? String(inv.blueId) : '',
    outTradeNo: inv.outTradeNo || '',
    lines: (inv.lines || []).map((line) => ({
      key: `${line.index}`,
      goodsName: line.goodsName,
      rateText: ratePercent(line.taxRate),
      exclText: yuan(line.exclFen),
      taxText: yuan(line.taxFen),
      inclText: yuan(line.inclFen),
      explanation: line.explanation || '',
    })),
    reds: reds.map(invoiceView),
    // issued red invoices so far (negative fen): a partly refunded order's blue invoice stays 已开票
    reversedFen,
    reversedText: yuan(reversedFen),
  };
}

function titleView(t) {
  return {
    id: String(t.id),
    kind: t.kind,
    kindText: label(TITLE_KIND, t.kind),
    name: t.name,
    taxNo: t.taxNo || '',
    phone: t.phone || '',
    email: t.email || '',
    addressPhone: t.addressPhone || '',
    bankAccount: t.bankAccount || '',
    isDefault: Boolean(t.isDefault),
  };
}

/** Spaces out, letters upper-case: people copy tax numbers with spaces and lower case. */
function normalizeTaxNo(value) {
  return String(value || '').replace(/\s+/g, '').toUpperCase();
}

/** True when the 18-character code's last character is its GB 32100-2015 check character. */
function usccChecks(code) {
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(code)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += USCC_ALPHABET.indexOf(code[i]) * USCC_WEIGHTS[i];
  return USCC_ALPHABET[(31 - (sum % 31)) % 31] === code[17];
}

/**
 * A buyer tax number: the 18-character unified social credit code (check
 * character verified), or the 15/20-character numbers some taxpayers still
 * have. -> '' when valid, else the message for people.
 */
function taxNoError(value) {
  const code = normalizeTaxNo(value);
  if (!code) return '请输入单位税号（统一社会信用代码）';
  if (code.length === 18) return usccChecks(code) ? '' : '税号校验不通过，请核对统一社会信用代码';
  if (/^[0-9A-Z]{15}$|^[0-9A-Z]{20}$/.test(code)) return '';
  return '税号应为 18 位统一社会信用代码（或 15、20 位税号）';
}

function emptyTitleForm(kind) {
  return { kind: kind || 'PERSONAL', name: '', taxNo: '', phone: '', email: '', addressPhone: '', bankAccount: '' };
}

function formFromTitle(t) {
  const form = emptyTitleForm(t.kind);
  TITLE_FIELDS.forEach((f) => { if (t[f]) form[f] = t[f]; });
  return form;
}

/** {field: message} for a title form; empty when it may be sent. */
function validateTitle(form) {
  const errors = {};
  const company = form.kind === 'COMPANY';
  if (!form.name) errors.name = company ? '请输入单位名称' : '请输入姓名或个人抬头';
  if (company) {
    const taxError = taxNoError(form.taxNo);
    if (taxError) errors.taxNo = taxError;
  }
  if (form.phone && !/^[0-9+\-() ]{5,20}$/.test(form.phone)) errors.phone = '电话号码格式不正确';
  if (form.email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(form.email)) errors.email = '邮箱格式不正确';
  return errors;
}

/**
 * The form as an InvoiceTitleInput: trimmed, the tax number normalised, a
 * person's company-only fields dropped. Empty fields are left out unless
 * keepEmpty (editing a saved title: an emptied field must be cleared).
 */
function titleInput(form, keepEmpty) {
  const company = form.kind === 'COMPANY';
  const input = { kind: form.kind };
  TITLE_FIELDS.slice(1).forEach((f) => {
    if (!company && COMPANY_ONLY.indexOf(f) >= 0) return;
    const value = f === 'taxNo' ? normalizeTaxNo(form[f]) : String(form[f] || '').trim();
    if (value || (keepEmpty && f !== 'name')) input[f] = value;
  });
  if (!input.name) input.name = '';
  return input;
}

/**
 * The server's field errors keyed by our form fields: `title.taxNo`,
 * `input.tax_no` and `taxNo` all land on taxNo; the rest is one form message.
 */
function splitFieldErrors(errors) {
  const fields = {};
  const other = [];
  (errors || []).forEach((e) => {
    const last = String(e.field || '').split('.').pop().replace(/_([a-z])/g, (m, c) => c.toUpperCase());
    if (TITLE_FIELDS.indexOf(last) >= 0 && !fields[last]) fields[last] = e.message;
    else if (e.message && other.indexOf(e.message) < 0) other.push(e.message);
  });
  return { fields, formError: other.join('；') };
}

module.exports = {
  INVOICE_STATUS, INVOICE_KIND, TITLE_KIND, TITLE_FIELDS,
  invoiceView, titleView, ratePercent, date,
  normalizeTaxNo, usccChecks, taxNoError, emptyTitleForm, formFromTitle, validateTitle, titleInput, splitFieldErrors,
};
