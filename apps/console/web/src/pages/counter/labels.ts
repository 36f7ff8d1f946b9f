// Counter methods as shown (zh, en), in the order the desk offers them.
import type { CounterMethod } from '../../gql/tenant/graphql';

type Pair = readonly [zh: string, en: string];

export const METHODS: readonly CounterMethod[] = ['CASH', 'POS', 'TRANSFER'];

export const METHOD_TEXT: Record<CounterMethod, Pair> = {
  CASH: ['现金', 'Cash'],
  POS: ['刷卡（POS）', 'Card (POS)'],
  TRANSFER: ['转账', 'Bank transfer'],
};

/** In the narrow shift tables. */
export const METHOD_SHORT: Record<CounterMethod, Pair> = {
  CASH: ['现金', 'Cash'],
  POS: ['POS', 'POS'],
  TRANSFER: ['转账', 'Transfer'],
};

// One wording for bill statuses across the console.
export { BILL_STATUS, BILL_STATUS_COLOR } from '../bills/labels';
