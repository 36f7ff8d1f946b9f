'use strict';
const { installFakeWx } = require('../support/fake-wx');
const { render, text, tap } = require('../support/pages');
const { summarizeHouses } = require('../../utils/summary');

beforeEach(() => installFakeWx());

function houseCard(overrides) {
  return Object.assign({
    id: '11', accountNo: 'H10001', address: '幸福小区 1号楼 1单元 101', heatingStatus: 'NORMAL', heatingText: '正常供热',
    season: '2026-2027', dueFen: 214800, dueText: '¥2,148.00', lateFeeFen: 0, lateFeeText: '¥0.00',
    discountFen: 0, discountText: '¥0.00', billIds: ['101'], settled: false, hasBills: true,
  }, overrides);
}

describe('<money>', () => {
  test('renders integer fen as yuan', () => {
    const comp = render('components/money/money', { fen: 181234 });
    expect(comp.dom.textContent).toBe('¥1,812.34');
    comp.setData({ fen: 5 });
    expect(comp.dom.textContent).toBe('¥0.05');
  });
});

describe('<house-card>', () => {
  test('shows the account, season and amount due with 去缴费', () => {
    const comp = render('components/house-card/house-card', { house: houseCard() });
    expect(text(comp, '.house-account')).toBe('户号 H10001');
    expect(comp.dom.textContent).toContain('2026-2027 采暖季 · 当前应缴');
    expect(text(comp, '.house-amount')).toBe('¥2,148.00');
    expect(text(comp, '.pay-button')).toBe('去缴费');
  });

  test('tapping 去缴费 asks to pay exactly that house’s bills', async () => {
    const comp = render('components/house-card/house-card', { house: houseCard({ billIds: ['101', '77'] }) });
    const events = [];
    comp.addEventListener('pay', (e) => events.push(e.detail));
    await tap(comp, '.pay-button');
    expect(events).toEqual([{ billIds: ['101', '77'], houseId: '11' }]);
  });

  test('a late fee is called out; a settled house has no pay button', () => {
    const late = render('components/house-card/house-card', { house: houseCard({ lateFeeFen: 1234, lateFeeText: '¥12.34' }) });
    expect(late.dom.textContent).toContain('含滞纳金 ¥12.34');

    const settled = render('components/house-card/house-card', {
      house: houseCard({ dueFen: 0, billIds: [], settled: true }),
    });
    expect(settled.querySelector('.pay-button')).toBeUndefined();
    expect(settled.dom.textContent).toContain('已缴清');
  });

  test('renders a card built by summarizeHouses from API shapes', () => {
    const [card] = summarizeHouses(
      [{ id: '12', accountNo: 'H10002', address: '幸福小区 102', heatingStatus: 'OPTED_OUT', ownerName: '李**', role: 'OWNER' }],
      [{ id: '102', season: '2026-2027', status: 'ISSUED', house: { id: '12' },
        amountDue: { totalFen: 181234, lateFeeFen: 1234, discountFen: 0, outstandingFen: 180000 } }],
    ).houses;
    const comp = render('components/house-card/house-card', { house: card });
    expect(text(comp, '.tag')).toBe('已报停');
    expect(text(comp, '.house-amount')).toBe('¥1,812.34');
    expect(comp.dom.textContent).toContain('含滞纳金 ¥12.34');
  });
});

describe('summarizeHouses', () => {
  const house = (id, accountNo) => ({ id, accountNo, address: `地址${id}`, heatingStatus: 'NORMAL', ownerName: '王*', role: 'OWNER' });
  const bill = (id, houseId, season, status, totalFen, extra) => Object.assign({
    id, season, status, house: { id: houseId, accountNo: '', address: '' },
    amountDue: { totalFen, lateFeeFen: 0, discountFen: 0, outstandingFen: totalFen },
  }, extra);

  test('sums the payable bills per house and overall, newest season first', () => {
    const s = summarizeHouses([house('1', 'H1'), house('2', 'H2'), house('3', 'H3')], [
      bill('b3', '1', '2026-2027', 'ISSUED', 10001),
      bill('b2', '1', '2025-2026', 'PARTIALLY_PAID', 99),
      bill('b4', '2', '2026-2027', 'PAID', 0),
    ]);
    expect(s.houses.map((h) => [h.accountNo, h.dueFen, h.season, h.billIds, h.settled])).toEqual([
      ['H1', 10100, '2026-2027', ['b3', 'b2'], false],
      ['H2', 0, '2026-2027', [], true],
      ['H3', 0, '', [], false],
    ]);
    expect(s.totalFen).toBe(10100);
    expect(s.totalText).toBe('¥101.00');
    expect(s.allBillIdsParam).toBe('b3,b2');
  });

  test('a waived bill or one with nothing due is not payable', () => {
    const s = summarizeHouses([house('1', 'H1')], [
      bill('a', '1', '2026-2027', 'WAIVED', 500),
      bill('b', '1', '2026-2027', 'ISSUED', 0),
    ]);
    expect(s.totalFen).toBe(0);
    expect(s.houses[0].billIds).toEqual([]);
  });
});
