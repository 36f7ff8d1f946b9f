'use strict';
/**
 * Home page: each bound house with what is due on it now (sum of its payable
 * bills' amountDue.totalFen), its newest season, and the bill ids to pay.
 */
const { sumFen, yuan } = require('./money');
const { isPayable, label, HEATING_STATUS, BINDING_ROLE } = require('./format');

function summarizeHouses(houses, bills) {
  const byHouse = {};
  bills.forEach((bill) => {
    const id = bill.house.id;
    if (!byHouse[id]) byHouse[id] = [];
    byHouse[id].push(bill);
  });
  const cards = houses.map((house) => {
    const own = byHouse[house.id] || [];
    const payable = own.filter(isPayable);
    const dueFen = sumFen(payable.map((b) => b.amountDue.totalFen));
    const lateFeeFen = sumFen(payable.map((b) => b.amountDue.lateFeeFen));
    const discountFen = sumFen(payable.map((b) => b.amountDue.discountFen));
    return {
      id: house.id,
      accountNo: house.accountNo,
      address: house.address,
      ownerName: house.ownerName,
      roleText: label(BINDING_ROLE, house.role),
      heatingStatus: house.heatingStatus,
      heatingText: label(HEATING_STATUS, house.heatingStatus),
      season: own.length ? own[0].season : '',
      dueFen,
      dueText: yuan(dueFen),
      lateFeeFen,
      lateFeeText: yuan(lateFeeFen),
      discountFen,
      discountText: yuan(discountFen),
      billIds: payable.map((b) => b.id),
      billIdsParam: payable.map((b) => b.id).join(','),
      settled: own.length > 0 && payable.length === 0,
      hasBills: own.length > 0,
    };
  });
  const totalFen = sumFen(cards.map((c) => c.dueFen));
  const allBillIds = [].concat(...cards.map((c) => c.billIds));
  return { houses: cards, totalFen, totalText: yuan(totalFen), allBillIds, allBillIdsParam: allBillIds.join(',') };
}

module.exports = { summarizeHouses };
