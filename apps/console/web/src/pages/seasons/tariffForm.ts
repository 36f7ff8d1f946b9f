// The tariff plan form's model: every setting `saveTariffPlan` accepts, the checks the API makes (so they show
// while typing), and the conversion to TariffPlanInput. Prices, percentages and rates are decimal strings from
// the keyboard to the API (the `Decimal` scalar), never JS numbers; dates are YYYY-MM-DD.
import type { Dayjs } from 'dayjs';
import dayjs from 'dayjs';
import type {
  AreaBasis,
  CapMode,
  HouseCategory,
  LowIncomeMode,
  MeteredUnit,
  Pricing,
  Proration,
  Rounding,
  TariffPlanInput,
  TariffPlansQuery,
  TrueUpCredit,
} from '../../gql/tenant/graphql';
import type { T } from '../../i18n';
import { compareDecimal, decimalProblem, normalizeDecimal, type DecimalRule } from '../../lib/decimal';

export type Plan = NonNullable<TariffPlansQuery['tariffPlans']>[number];

export interface PlanFormValues {
  name?: string;
  category?: HouseCategory;
  pricing?: Pricing;
  areaBasis?: AreaBasis;
  areaUnitPrice?: string;
  basicUnitPrice?: string;
  meteredUnitPrice?: string;
  meteredUnit?: MeteredUnit;
  capMode?: CapMode;
  capPct?: string;
  floorUnitPrice?: string;
  optedOutBasicPct?: string;
  lowIncomeMode?: LowIncomeMode;
  lowIncomePct?: string;
  lowIncomeUnitPrice?: string;
  earlyDiscountPct?: string;
  earlyDiscountFrom?: Dayjs | null;
  earlyDiscountUntil?: Dayjs | null;
  lateFeeDailyPermille?: string;
  lateFeeCapPct?: string;
  lateFeePauseWhenStopped?: boolean;
  proration?: Proration;
  rounding?: Rounding;
  trueUpCredit?: TrueUpCredit;
}

export type PlanField = keyof PlanFormValues;

/** The season dates a plan's rules are checked against. */
export interface SeasonDates {
  lateFeeStart: string;
  heatingStart: string;
}

// Bounds of the columns (apps/tariffs/models.py): prices numeric(10,4), percentages numeric(6,2) in 0–100,
// the daily late-fee rate numeric(6,3) in 0–10‰ (apps/tariffs/services.py).
export const PRICE: DecimalRule = { min: '0', max: '999999.9999', places: 4 };
export const PERCENT: DecimalRule = { min: '0', max: '100', places: 2 };
export const PERMILLE: DecimalRule = { min: '0', max: '10', places: 3 };

export const DECIMAL_FIELDS = {
  areaUnitPrice: PRICE,
  basicUnitPrice: PRICE,
  meteredUnitPrice: PRICE,
  floorUnitPrice: PRICE,
  lowIncomeUnitPrice: PRICE,
  capPct: PERCENT,
  optedOutBasicPct: PERCENT,
  lowIncomePct: PERCENT,
  earlyDiscountPct: PERCENT,
  lateFeeCapPct: PERCENT,
  lateFeeDailyPermille: PERMILLE,
} as const satisfies Partial<Record<PlanField, DecimalRule>>;

export type DecimalField = keyof typeof DECIMAL_FIELDS;

/** Fields the form can show an API error on (the API names them the same, camelCase). */
export const FORM_FIELDS: readonly PlanField[] = [
  'name', 'category', 'pricing', 'areaBasis', 'areaUnitPrice', 'basicUnitPrice', 'meteredUnitPrice', 'meteredUnit',
  'capMode', 'capPct', 'floorUnitPrice', 'optedOutBasicPct', 'lowIncomeMode', 'lowIncomePct', 'lowIncomeUnitPrice',
  'earlyDiscountPct', 'earlyDiscountFrom', 'earlyDiscountUntil', 'lateFeeDailyPermille', 'lateFeeCapPct',
  'lateFeePauseWhenStopped', 'proration', 'rounding', 'trueUpCredit',
];

/** A new plan starts from the engine's own defaults (apps/tariffs/models.py). */
export const NEW_PLAN: PlanFormValues = {
  category: 'RESIDENTIAL',
  pricing: 'AREA',
  areaBasis: 'BUILDING',
  meteredUnit: 'GJ',
  capMode: 'NONE',
  capPct: '0',
  optedOutBasicPct: '0',
  lowIncomeMode: 'NONE',
  lowIncomePct: '0',
  earlyDiscountPct: '0',
  earlyDiscountFrom: null,
  earlyDiscountUntil: null,
  lateFeeDailyPermille: '0',
  lateFeeCapPct: '100',
  lateFeePauseWhenStopped: true,
  proration: 'DAYS',
  rounding: 'HALF_UP',
  trueUpCredit: 'NEXT_BILL',
};

const blank = (v: string | null | undefined) => v === undefined || v === null || String(v).trim() === '';
const isPositive = (v: string | undefined) => !blank(v) && normalizeDecimal(v) !== null && compareDecimal(normalizeDecimal(v) as string, '0') > 0;
const DAY = 'YYYY-MM-DD';

export function planToForm(plan: Plan): PlanFormValues {
  const dec = (v: string | null) => (v === null ? undefined : normalizeDecimal(v) ?? v);
  return {
    name: plan.name ?? undefined,
    category: plan.category ?? undefined,
    pricing: plan.pricing ?? undefined,
    areaBasis: plan.areaBasis ?? undefined,
    areaUnitPrice: dec(plan.areaUnitPrice),
    basicUnitPrice: dec(plan.basicUnitPrice),
    meteredUnitPrice: dec(plan.meteredUnitPrice),
    meteredUnit: plan.meteredUnit ?? undefined,
    capMode: plan.capMode ?? undefined,
    capPct: dec(plan.capPct),
    floorUnitPrice: dec(plan.floorUnitPrice),
    optedOutBasicPct: dec(plan.optedOutBasicPct),
    lowIncomeMode: plan.lowIncomeMode ?? undefined,
    lowIncomePct: dec(plan.lowIncomePct),
    lowIncomeUnitPrice: dec(plan.lowIncomeUnitPrice),
    earlyDiscountPct: dec(plan.earlyDiscountPct),
    earlyDiscountFrom: plan.earlyDiscountFrom ? dayjs(plan.earlyDiscountFrom) : null,
    earlyDiscountUntil: plan.earlyDiscountUntil ? dayjs(plan.earlyDiscountUntil) : null,
    lateFeeDailyPermille: dec(plan.lateFeeDailyPermille),
    lateFeeCapPct: dec(plan.lateFeeCapPct),
    lateFeePauseWhenStopped: plan.lateFeePauseWhenStopped ?? undefined,
    proration: plan.proration ?? undefined,
    rounding: plan.rounding ?? undefined,
    trueUpCredit: plan.trueUpCredit ?? undefined,
  };
}

/** Which settings apply under the chosen modes (the form shows only these, and sends only these). */
export function relevant(values: PlanFormValues): Set<PlanField> {
  const on = new Set<PlanField>([
    'name', 'category', 'pricing', 'areaBasis', 'areaUnitPrice', 'optedOutBasicPct', 'lowIncomeMode',
    'earlyDiscountPct', 'lateFeeDailyPermille', 'proration', 'rounding',
  ]);
  if (values.pricing === 'TWO_PART') {
    ['basicUnitPrice', 'meteredUnitPrice', 'meteredUnit', 'capMode', 'floorUnitPrice', 'trueUpCredit'].forEach((f) => on.add(f as PlanField));
    if (values.capMode === 'AREA_BILL_PLUS') on.add('capPct');
  }
  if (values.lowIncomeMode === 'PERCENT') on.add('lowIncomePct');
  if (values.lowIncomeMode === 'UNIT_PRICE') on.add('lowIncomeUnitPrice');
  if (isPositive(values.earlyDiscountPct)) ['earlyDiscountFrom', 'earlyDiscountUntil'].forEach((f) => on.add(f as PlanField));
  if (isPositive(values.lateFeeDailyPermille)) ['lateFeeCapPct', 'lateFeePauseWhenStopped'].forEach((f) => on.add(f as PlanField));
  return on;
}

export interface Problem {
  error?: string;
  /** Allowed by the API but almost certainly not meant (e.g. a rule the engine ignores in this mode). */
  warning?: string;
}

function decimalMessage(field: DecimalField, text: string, t: T): string | undefined {
  const rule = DECIMAL_FIELDS[field];
  switch (decimalProblem(text, rule)) {
    case null:
      return undefined;
    case 'format':
      return t('请输入数字，例如 24.50', 'Enter a number, e.g. 24.50');
    case 'places':
      return t(`最多 ${rule.places} 位小数`, `At most ${rule.places} decimal places`);
    case 'min':
      return rule === PRICE ? t('价格不能为负数', 'A price cannot be negative') : t(`不能小于 ${rule.min}`, `At least ${rule.min}`);
    case 'max':
      return t(`不能大于 ${rule.max}`, `At most ${rule.max}`);
  }
}

/** Every problem of the form as it stands, by field: the same rules as apps/tariffs/services.py, and more
 *  warnings. Only relevant fields are checked (the others are neither shown nor sent). */
export function planProblems(values: PlanFormValues, season: SeasonDates | null, t: T): Partial<Record<PlanField, Problem>> {
  const out: Partial<Record<PlanField, Problem>> = {};
  const on = relevant(values);
  const error = (f: PlanField, message: string) => {
    if (!out[f]?.error) out[f] = { ...out[f], error: message };
  };
  const warn = (f: PlanField, message: string) => {
    if (!out[f]?.error) out[f] = { ...out[f], warning: message };
  };

  if (blank(values.name)) error('name', t('请填写名称', 'Enter a name'));
  else if ((values.name as string).trim().length > 64) error('name', t('名称最多 64 个字', 'At most 64 characters'));
  for (const f of ['category', 'pricing', 'areaBasis', 'lowIncomeMode', 'proration', 'rounding'] as const) {
    if (!values[f]) error(f, t('请选择', 'Choose one'));
  }
  if (on.has('meteredUnit') && !values.meteredUnit) error('meteredUnit', t('请选择', 'Choose one'));
  if (on.has('capMode') && !values.capMode) error('capMode', t('请选择', 'Choose one'));
  if (on.has('trueUpCredit') && !values.trueUpCredit) error('trueUpCredit', t('请选择', 'Choose one'));

  // Settings the API stores as non-null (a blank would keep the old value: say it must be filled in).
  const required: DecimalField[] = ['areaUnitPrice', 'optedOutBasicPct', 'earlyDiscountPct', 'lateFeeDailyPermille'];
  if (on.has('capPct')) required.push('capPct');
  if (on.has('lowIncomePct')) required.push('lowIncomePct');
  if (on.has('lateFeeCapPct')) required.push('lateFeeCapPct');
  if (on.has('basicUnitPrice')) required.push('basicUnitPrice', 'meteredUnitPrice');
  if (on.has('lowIncomeUnitPrice')) required.push('lowIncomeUnitPrice');
  for (const f of Object.keys(DECIMAL_FIELDS) as DecimalField[]) {
    if (!on.has(f)) continue;
    const v = values[f];
    if (blank(v)) {
      if (required.includes(f)) error(f, f === 'basicUnitPrice' || f === 'meteredUnitPrice'
        ? t('两部制须填写基本热价和计量热价', 'A two-part plan needs both the basic and the metered price')
        : t('请填写', 'Required'));
      continue;
    }
    const message = decimalMessage(f, v as string, t);
    if (message) error(f, message);
  }

  if (on.has('lowIncomeUnitPrice') && !out.lowIncomeUnitPrice && !out.areaUnitPrice && !blank(values.lowIncomeUnitPrice)) {
    if (compareDecimal(normalizeDecimal(values.lowIncomeUnitPrice) as string, normalizeDecimal(values.areaUnitPrice) as string) >= 0) {
      error('lowIncomeUnitPrice', t('优惠单价须低于面积单价', 'The relief price must be below the area price'));
    }
  }
  if (values.lowIncomeMode === 'UNIT_PRICE' && values.pricing === 'TWO_PART') {
    warn('lowIncomeMode', t('优惠单价只用于按面积计价的账单；两部制请用按比例减免', 'A relief price applies to area bills only; use a percentage for two-part plans'));
  }
  if (on.has('lowIncomePct') && !out.lowIncomePct && !isPositive(values.lowIncomePct)) {
    warn('lowIncomePct', t('比例为 0 时不减免', 'At 0% nothing is relieved'));
  }
  if (on.has('floorUnitPrice') && !out.floorUnitPrice && !out.basicUnitPrice && !blank(values.floorUnitPrice) && !blank(values.basicUnitPrice)) {
    if (compareDecimal(normalizeDecimal(values.floorUnitPrice) as string, normalizeDecimal(values.basicUnitPrice) as string) < 0) {
      warn('floorUnitPrice', t('保底单价低于基本热价，不会起作用', 'A floor below the basic price never applies'));
    }
  }

  if (isPositive(values.earlyDiscountPct)) {
    const from = values.earlyDiscountFrom;
    const until = values.earlyDiscountUntil;
    if (!until) error('earlyDiscountUntil', t('请填写早缴优惠截止日', 'Enter the last day of the discount'));
    else if (season && until.format(DAY) >= season.lateFeeStart) {
      error('earlyDiscountUntil', t(`早缴优惠须在违约金起算日（${season.lateFeeStart}）之前结束`,
        `The discount must end before late fees start (${season.lateFeeStart})`));
    }
    if (from && until && from.isAfter(until, 'day')) error('earlyDiscountFrom', t('开始日不能晚于截止日', 'Starts after it ends'));
  }
  return out;
}

/** The form as the API's input: only the settings that apply, decimals as canonical strings, dates as days.
 *  A cleared optional price is sent as null (it removes the rule). */
export function formToInput(values: PlanFormValues): TariffPlanInput {
  const on = relevant(values);
  const input: TariffPlanInput = {};
  const set = <K extends keyof TariffPlanInput>(key: K, value: TariffPlanInput[K]) => {
    if (on.has(key as PlanField)) input[key] = value;
  };
  set('name', values.name?.trim());
  set('category', values.category);
  set('pricing', values.pricing);
  set('areaBasis', values.areaBasis);
  set('meteredUnit', values.meteredUnit);
  set('capMode', values.capMode);
  set('lowIncomeMode', values.lowIncomeMode);
  set('proration', values.proration);
  set('rounding', values.rounding);
  set('trueUpCredit', values.trueUpCredit);
  set('lateFeePauseWhenStopped', values.lateFeePauseWhenStopped);
  for (const f of Object.keys(DECIMAL_FIELDS) as DecimalField[]) {
    const v = values[f];
    set(f, blank(v) ? null : normalizeDecimal(v));
  }
  set('earlyDiscountFrom', values.earlyDiscountFrom ? values.earlyDiscountFrom.format(DAY) : null);
  set('earlyDiscountUntil', values.earlyDiscountUntil ? values.earlyDiscountUntil.format(DAY) : null);
  if (!on.has('earlyDiscountFrom') && !isPositive(values.earlyDiscountPct)) {
    // No discount: its window is cleared with it, so an old window cannot come back with a new rate.
    input.earlyDiscountFrom = null;
    input.earlyDiscountUntil = null;
  }
  return input;
}
