// Counter methods as shown (zh, en), in the order the desk offers them.
import type { BillStatus, CounterMethod } from '../../gql/tenant/graphql';

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

export const BILL_STATUS: Record<BillStatus, Pair> = {
  ISSUED: ['未缴', 'Unpaid'],
  PARTIALLY_PAID: ['部分缴费', 'Partly paid'],
  PAID: ['已缴清', 'Paid'],
  WAIVED: ['已减免', 'Waived'],
  CANCELLED: ['已作废', 'Cancelled'],
};
export const BILL_STATUS_COLOR: Record<BillStatus, string> = {
  ISSUED: 'red',
  PARTIALLY_PAID: 'orange',
  PAID: 'green',
  WAIVED: 'default',
  CANCELLED: 'default',
};
