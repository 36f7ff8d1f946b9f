import dayjs from 'dayjs';
import { describe, expect, it } from 'vitest';
import { formToInput, NEW_PLAN, planProblems, planToForm, relevant, type Plan, type PlanFormValues } from './tariffForm';

const t = (zh: string) => zh;
const season = { heatingStart: '2026-11-15', lateFeeStart: '2027-01-01' };
const base: PlanFormValues = { ...NEW_PLAN, name: '居民面积', areaUnitPrice: '24' };
const problems = (over: PlanFormValues) => planProblems({ ...base, ...over }, season, t);

describe('tariff plan checks while typing', () => {
  it('accepts the defaults with a name and an area price', () => {
    expect(planProblems(base, season, t)).toEqual({});
  });

  it('puts each rule of the API on its own field', () => {
    expect(problems({ areaUnitPrice: '-1' }).areaUnitPrice?.error).toBe('价格不能为负数');
    expect(problems({ areaUnitPrice: '24.12345' }).areaUnitPrice?.error).toBe('最多 4 位小数');
    expect(problems({ areaUnitPrice: '' }).areaUnitPrice?.error).toBe('请填写');
    expect(problems({ areaUnitPrice: '2,4' }).areaUnitPrice?.error).toMatch(/请输入数字/);
    expect(problems({ optedOutBasicPct: '130' }).optedOutBasicPct?.error).toBe('不能大于 100');
    expect(problems({ lateFeeDailyPermille: '11' }).lateFeeDailyPermille?.error).toBe('不能大于 10');
    expect(problems({ name: '  ' }).name?.error).toBe('请填写名称');
  });

  it('asks a two-part plan for both prices, and checks its cap only when it is a percentage', () => {
    const two = problems({ pricing: 'TWO_PART', basicUnitPrice: '7.2' });
    expect(two.meteredUnitPrice?.error).toMatch(/两部制/);
    expect(two.basicUnitPrice).toBeUndefined();
    expect(problems({ pricing: 'TWO_PART', basicUnitPrice: '7', meteredUnitPrice: '44', capMode: 'AREA_BILL', capPct: '500' })).toEqual({});
    expect(problems({ pricing: 'TWO_PART', basicUnitPrice: '7', meteredUnitPrice: '44', capMode: 'AREA_BILL_PLUS', capPct: '500' }).capPct?.error).toBe(
      '不能大于 100',
    );
  });

  it('checks reliefs against the area price', () => {
    expect(problems({ lowIncomeMode: 'UNIT_PRICE', lowIncomeUnitPrice: '24' }).lowIncomeUnitPrice?.error).toBe('优惠单价须低于面积单价');
    expect(problems({ lowIncomeMode: 'UNIT_PRICE', lowIncomeUnitPrice: '12' })).toEqual({});
    expect(problems({ lowIncomeMode: 'UNIT_PRICE', lowIncomeUnitPrice: '' }).lowIncomeUnitPrice?.error).toBe('请填写');
    const ignored = problems({ pricing: 'TWO_PART', basicUnitPrice: '7', meteredUnitPrice: '44', lowIncomeMode: 'UNIT_PRICE', lowIncomeUnitPrice: '12' });
    expect(ignored.lowIncomeMode?.warning).toMatch(/只用于按面积计价/);
    expect(ignored.lowIncomeMode?.error).toBeUndefined();
  });

  it('closes the early-payment window before late fees start', () => {
    expect(problems({ earlyDiscountPct: '3' }).earlyDiscountUntil?.error).toBe('请填写早缴优惠截止日');
    expect(problems({ earlyDiscountPct: '3', earlyDiscountUntil: dayjs('2027-01-01') }).earlyDiscountUntil?.error).toMatch(/2027-01-01/);
    expect(problems({ earlyDiscountPct: '3', earlyDiscountUntil: dayjs('2026-12-31') })).toEqual({});
    expect(
      problems({ earlyDiscountPct: '3', earlyDiscountFrom: dayjs('2026-12-20'), earlyDiscountUntil: dayjs('2026-12-01') }).earlyDiscountFrom?.error,
    ).toBe('开始日不能晚于截止日');
  });
});

describe('the form as the API input', () => {
  it('sends decimals as canonical strings and only the settings that apply', () => {
    const input = formToInput({ ...base, areaUnitPrice: '024.50', basicUnitPrice: '9', lateFeeDailyPermille: '2', lateFeeCapPct: '50' });
    expect(input.areaUnitPrice).toBe('24.5');
    expect(typeof input.areaUnitPrice).toBe('string');
    expect(input).not.toHaveProperty('basicUnitPrice'); // an area plan has no basic price
    expect(input.lateFeeCapPct).toBe('50');
    expect(input.earlyDiscountFrom).toBeNull(); // no discount: its window is cleared
    expect(input.pricing).toBe('AREA');
  });

  it('clears a removed optional rule with null and sends dates as days', () => {
    const input = formToInput({
      ...base,
      pricing: 'TWO_PART',
      basicUnitPrice: '7.2',
      meteredUnitPrice: '44.45',
      floorUnitPrice: '',
      earlyDiscountPct: '3',
      earlyDiscountUntil: dayjs('2026-12-15'),
    });
    expect(input.floorUnitPrice).toBeNull();
    expect(input.earlyDiscountUntil).toBe('2026-12-15');
    expect(input.earlyDiscountFrom).toBeNull();
  });

  it('round-trips a stored plan', () => {
    const stored: Plan = {
      id: '1', seasonId: '1', name: '计量', category: 'RESIDENTIAL', pricing: 'TWO_PART', areaBasis: 'USABLE',
      areaUnitPrice: '24.0000', basicUnitPrice: '7.2000', meteredUnitPrice: '44.4500', meteredUnit: 'GJ',
      capMode: 'AREA_BILL_PLUS', capPct: '10.00', floorUnitPrice: null, optedOutBasicPct: '30.00',
      lowIncomeMode: 'PERCENT', lowIncomePct: '50.00', lowIncomeUnitPrice: null, earlyDiscountPct: '0.00',
      earlyDiscountFrom: null, earlyDiscountUntil: null, lateFeeDailyPermille: '2.000', lateFeeCapPct: '100.00',
      lateFeePauseWhenStopped: true, proration: 'DAYS', rounding: 'HALF_UP', trueUpCredit: 'REFUND',
    };
    const form = planToForm(stored);
    expect(form.areaUnitPrice).toBe('24');
    expect([...relevant(form)]).toEqual(expect.arrayContaining(['capPct', 'lowIncomePct', 'lateFeeCapPct']));
    const input = formToInput(form);
    expect(input).toMatchObject({ areaUnitPrice: '24', basicUnitPrice: '7.2', meteredUnitPrice: '44.45', capPct: '10', lowIncomePct: '50', trueUpCredit: 'REFUND' });
    expect(planProblems(form, season, t)).toEqual({});
  });
});
