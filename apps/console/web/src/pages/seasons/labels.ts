// What the tariff engine's options are called on screen (zh, en). One table per API enum, so a new enum value
// fails the type check here instead of showing a raw code.
import type {
  AreaBasis,
  CapMode,
  HouseCategory,
  LowIncomeMode,
  MeteredUnit,
  Pricing,
  Proration,
  Rounding,
  SeasonStatus,
  TrueUpCredit,
} from '../../gql/tenant/graphql';
import type { T } from '../../i18n';

type Pair = readonly [zh: string, en: string];

export const SEASON_STATUS: Record<SeasonStatus, Pair> = {
  DRAFT: ['草稿', 'Draft'],
  OPEN: ['收费中', 'Open'],
  CLOSED: ['已结束', 'Closed'],
};
export const SEASON_STATUS_COLOR: Record<SeasonStatus, string> = { DRAFT: 'default', OPEN: 'green', CLOSED: 'blue' };

export const CATEGORY: Record<HouseCategory, Pair> = {
  RESIDENTIAL: ['居民', 'Residential'],
  NON_RESIDENTIAL: ['非居民', 'Non-residential'],
};
export const PRICING: Record<Pricing, Pair> = { AREA: ['按面积', 'By area'], TWO_PART: ['两部制计量', 'Two-part (metered)'] };
export const AREA_BASIS: Record<AreaBasis, Pair> = { BUILDING: ['建筑面积', 'Building area'], USABLE: ['套内面积', 'Usable area'] };
export const METERED_UNIT: Record<MeteredUnit, Pair> = { GJ: ['GJ', 'GJ'], KWH: ['kWh', 'kWh'] };
export const CAP_MODE: Record<CapMode, Pair> = {
  NONE: ['不封顶', 'No cap'],
  AREA_BILL: ['不超过面积热费', 'At most the area bill'],
  AREA_BILL_PLUS: ['不超过面积热费加上浮比例', 'At most the area bill plus a percentage'],
};
export const LOW_INCOME: Record<LowIncomeMode, Pair> = {
  NONE: ['无减免', 'No relief'],
  PERCENT: ['按比例减免', 'A percentage off'],
  UNIT_PRICE: ['优惠单价', 'A lower unit price'],
};
export const PRORATION: Record<Proration, Pair> = {
  NONE: ['不折算', 'No proration'],
  DAYS: ['按供热天数折算', 'By heating days'],
};
export const ROUNDING: Record<Rounding, Pair> = {
  HALF_UP: ['四舍五入', 'Half up'],
  HALF_EVEN: ['四舍六入五成双', 'Half even'],
  DOWN: ['舍去', 'Down'],
  UP: ['进位', 'Up'],
};
export const TRUE_UP: Record<TrueUpCredit, Pair> = {
  NEXT_BILL: ['抵扣下季热费', 'Credit on next season'],
  REFUND: ['退款', 'Refund'],
};

/** antd Select options from one of the tables above. */
export function options<K extends string>(table: Record<K, Pair>, t: T): { value: K; label: string }[] {
  return (Object.entries(table) as [K, Pair][]).map(([value, pair]) => ({ value, label: t(...pair) }));
}

/** "24" / "24.0000" → "24.00": a stored decimal for reading, at least two places, the rest as stored. */
export function showDecimal(value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const [whole, frac = ''] = value.split('.');
  const trimmed = frac.replace(/0+$/, '');
  return `${whole}.${trimmed.padEnd(2, '0')}`;
}
