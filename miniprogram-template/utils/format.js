'use strict';
/** Labels and dates for people (Simplified Chinese; China time, UTC+8, no DST). */
const { yuan } = require('./money');

const BILL_STATUS = {
  ISSUED: '待缴费', PARTIALLY_PAID: '部分缴费', PAID: '已缴清', WAIVED: '已减免', CANCELLED: '已作废',
};
const ORDER_STATUS = { CREATED: '待支付', PAID: '支付成功', CLOSED: '已关闭', FAILED: '支付失败' };
const CHANNEL = { WECHAT: '微信支付', ALIPAY: '支付宝', COUNTER: '柜台缴费' };
const HEATING_STATUS = { NORMAL: '正常供热', OPTED_OUT: '已报停', DISCONNECTED: '已停供' };
const BINDING_ROLE = { OWNER: '业主', FAMILY: '家属', TENANT: '租户' };

const PAYABLE = ['ISSUED', 'PARTIALLY_PAID'];
const CHINA_OFFSET_MS = 8 * 3600 * 1000;

function pad(n) {
  return n < 10 ? `0${n}` : String(n);
}

/** ISO 8601 → "2026-11-20 09:05" in China time; "" for empty or invalid input. */
function dateTime(iso) {
  const t = Date.parse(iso || '');
  if (Number.isNaN(t)) return '';
  const d = new Date(t + CHINA_OFFSET_MS);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

function isPayable(bill) {
  return Boolean(bill) && PAYABLE.indexOf(bill.status) >= 0 && bill.amountDue && bill.amountDue.totalFen > 0;
}

function label(map, value) {
  return map[value] || value || '';
}

/** A bill as the list and detail pages show it. */
function billView(bill) {
  const due = bill.amountDue || { totalFen: 0, outstandingFen: 0, discountFen: 0, lateFeeFen: 0 };
  return {
    id: bill.id,
    season: bill.season,
    accountNo: bill.house.accountNo,
    address: bill.house.address,
    houseId: bill.house.id,
    status: bill.status,
    statusText: label(BILL_STATUS, bill.status),
    payable: isPayable(bill),
    dueText: yuan(due.totalFen),
    principalText: yuan(bill.principalFen),
    paidText: yuan(bill.paidFen),
    outstandingText: yuan(due.outstandingFen),
    discountFen: due.discountFen,
    discountText: yuan(due.discountFen),
    lateFeeFen: due.lateFeeFen,
    lateFeeText: yuan(due.lateFeeFen),
    asOf: due.asOf || '',
    lines: (bill.lines || []).map((line, index) => ({
      key: `${index}`,
      explanation: line.explanation,
      amountText: yuan(line.amountFen),
      negative: line.amountFen < 0,
    })),
  };
}

module.exports = {
  BILL_STATUS, ORDER_STATUS, CHANNEL, HEATING_STATUS, BINDING_ROLE,
  dateTime, isPayable, label, billView,
};
