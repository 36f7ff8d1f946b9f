'use strict';
/**
 * E-invoices (数电票) of the resident's paid orders and the title book (抬头).
 * Money is integer fen (GraphQL BigInt); a red invoice's amounts are negative. `pdfUrl` is a
 * path on the company's host (`/files/invoices/<id>.pdf`) that answers the PDF
 * to the resident's Bearer token: openPdf downloads and opens it.
 */
const { unwrap } = require('../utils/api');
const client = require('./client');
const files = require('./files');

const INVOICE_FIELDS = `id kind status orderId outTradeNo blueId buyerKind buyerName buyerTaxNo totalFen exclFen taxFen
  invoiceNumber issuedAt failReason pdfUrl createdAt`;
const LIST_FIELDS = `${INVOICE_FIELDS} reds { id status totalFen }`;
const DETAIL_FIELDS = `${INVOICE_FIELDS}
  lines { index goodsName taxRate exclFen taxFen inclFen explanation }
  reds { ${INVOICE_FIELDS} }`;
const TITLE_FIELDS = 'id kind name taxNo phone email addressPhone bankAccount isDefault';

const MY_INVOICES = `query MyInvoices($offset: Int, $limit: Int) {
  myInvoices(offset: $offset, limit: $limit) { totalCount items { ${LIST_FIELDS} } }
}`;
const MY_INVOICE = `query MyInvoice($id: ID!) { myInvoice(id: $id) { ${DETAIL_FIELDS} } }`;
const REQUEST_INVOICE = `mutation RequestInvoice($orderId: ID!, $titleId: ID, $title: InvoiceTitleInput) {
  requestInvoice(orderId: $orderId, titleId: $titleId, title: $title) {
    invoice { ${INVOICE_FIELDS} } errors { field message code }
  }
}`;
const MY_INVOICE_TITLES = `query MyInvoiceTitles { myInvoiceTitles { ${TITLE_FIELDS} } }`;
const SAVE_INVOICE_TITLE = `mutation SaveInvoiceTitle($id: ID, $input: InvoiceTitleInput!, $isDefault: Boolean) {
  saveInvoiceTitle(id: $id, input: $input, isDefault: $isDefault) { title { ${TITLE_FIELDS} } errors { field message code } }
}`;
const DELETE_INVOICE_TITLE = `mutation DeleteInvoiceTitle($id: ID!) {
  deleteInvoiceTitle(id: $id) { deletedId errors { field message code } }
}`;

const INVOICE_OPTIONS = `query InvoiceOptions { invoiceOptions { enabled policy } }`;

const PDF_TEXTS = { unavailable: '发票文件暂不可用', openFailed: '无法打开发票，请稍后再试' };

/**
 * Whether my company issues e-invoices -> {enabled, policy} (policy AUTOMATIC | ON_REQUEST, null while
 * disabled). The app offers 开发票 / 我的发票 only when enabled; callers treat a failure as disabled.
 */
async function options() {
  const data = await client.query(INVOICE_OPTIONS);
  const answer = data.invoiceOptions || {};
  return { enabled: answer.enabled === true, policy: answer.policy || null };
}

/** My blue invoices, newest first (their red ones under `reds`) -> {totalCount, items}; limit ≤ 100. */
async function myInvoices(offset, limit) {
  const data = await client.query(MY_INVOICES, { offset, limit });
  return data.myInvoices || { totalCount: 0, items: [] };
}

/** One of my invoices with its lines and red invoices, or null (missing and not-mine look the same). */
async function myInvoice(id) {
  const data = await client.query(MY_INVOICE, { id: String(id) });
  return data.myInvoice;
}

/** The blue invoice of one of my orders, or null. The API has no per-order lookup, so this reads my list. */
async function forOrder(orderId) {
  const wanted = String(orderId);
  const limit = 100;
  for (let offset = 0; ; offset += limit) {
    const page = await myInvoices(offset, limit);
    const found = page.items.find((inv) => String(inv.orderId) === wanted);
    if (found) return found;
    if (!page.items.length || offset + page.items.length >= page.totalCount) return null;
  }
}

/**
 * Ask for the invoice of a paid order, as a saved title ({titleId}) or a
 * title entered now ({title: InvoiceTitleInput}). Refusals throw ApiError
 * PAYLOAD with the server's field errors.
 */
async function requestInvoice(orderId, choice) {
  const variables = { orderId: String(orderId) };
  if (choice.titleId) variables.titleId = String(choice.titleId);
  else variables.title = choice.title;
  return unwrap(await client.mutate(REQUEST_INVOICE, variables), 'requestInvoice').invoice;
}

async function myInvoiceTitles() {
  const data = await client.query(MY_INVOICE_TITLES);
  return data.myInvoiceTitles || [];
}

/** Add (id empty) or change a saved title; isDefault true makes it the default. */
async function saveInvoiceTitle(id, input, isDefault) {
  const variables = { input };
  if (id) variables.id = String(id);
  if (typeof isDefault === 'boolean') variables.isDefault = isDefault;
  return unwrap(await client.mutate(SAVE_INVOICE_TITLE, variables), 'saveInvoiceTitle').title;
}

/** -> the id deleted. */
async function deleteInvoiceTitle(id) {
  return unwrap(await client.mutate(DELETE_INVOICE_TITLE, { id: String(id) }), 'deleteInvoiceTitle').deletedId;
}

/** Download an invoice's PDF (`pdfUrl`) with the resident's token and open it. */
function openPdf(pdfUrl) {
  return files.openPdf(pdfUrl, PDF_TEXTS);
}

module.exports = {
  options, myInvoices, myInvoice, forOrder, requestInvoice, myInvoiceTitles, saveInvoiceTitle, deleteInvoiceTitle, openPdf,
};
