'use strict';
const client = require('./client');

const BILL_FIELDS = `id season seasonId status principalFen paidFen issuedAt
  house { id accountNo address }
  lines { kind amountFen explanation }
  amountDue { asOf outstandingFen discountFen lateFeeFen totalFen }`;

const MY_BILLS = `query MyBills($seasonId: ID) { myBills(seasonId: $seasonId) { ${BILL_FIELDS} } }`;
const BILL = `query Bill($id: ID!) { bill(id: $id) { ${BILL_FIELDS} } }`;

/** Bills of my houses, newest season first (all seasons when seasonId is empty). */
async function myBills(seasonId) {
  const data = await client.query(MY_BILLS, seasonId ? { seasonId } : {});
  return data.myBills || [];
}

/** One of my bills, or null (missing and not-mine look the same). */
async function bill(id) {
  const data = await client.query(BILL, { id: String(id) });
  return data.bill;
}

module.exports = { myBills, bill };
