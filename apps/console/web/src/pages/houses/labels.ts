// How the ledger's enums read on screen (the words of the import file and the Django admin).
import type { HeatingStatus, HouseCategory, LowIncome } from '../../gql/tenant/graphql';
import type { T } from '../../i18n';

export const HEATING_STATUSES: readonly HeatingStatus[] = ['NORMAL', 'OPTED_OUT', 'DISCONNECTED'];
export const CATEGORIES: readonly HouseCategory[] = ['RESIDENTIAL', 'NON_RESIDENTIAL'];
export const LOW_INCOMES: readonly LowIncome[] = ['NONE', 'DIBAO', 'TEKUN'];

export const HEATING_STATUS_COLORS: Record<HeatingStatus, string> = {
  NORMAL: 'green',
  OPTED_OUT: 'orange',
  DISCONNECTED: 'default',
};

export function heatingStatusText(t: T): Record<HeatingStatus, string> {
  return {
    NORMAL: t('正常供热', 'Heating'),
    OPTED_OUT: t('报停', 'Opted out'),
    DISCONNECTED: t('停供/拆除', 'Disconnected'),
  };
}

export function categoryText(t: T): Record<HouseCategory, string> {
  return { RESIDENTIAL: t('居民', 'Residential'), NON_RESIDENTIAL: t('非居民', 'Non-residential') };
}

export function lowIncomeText(t: T): Record<LowIncome, string> {
  return { NONE: t('无', 'None'), DIBAO: t('低保', 'Minimum-income'), TEKUN: t('特困', 'Extreme hardship') };
}

/** A label record as ProTable's valueEnum. */
export function valueEnum<K extends string>(labels: Record<K, string>): Record<string, { text: string }> {
  return Object.fromEntries(Object.entries<string>(labels).map(([k, v]) => [k, { text: v }]));
}
