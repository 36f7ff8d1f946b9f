// Bill statuses and line kinds as shown (zh, en).
import type { BillLineKind, BillStatus } from '../../gql/tenant/graphql';

type Pair = readonly [zh: string, en: string];

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
/** An adjustment may go on any bill not waived or cancelled; a waiver only on one still owing. */
export const ADJUSTABLE: readonly BillStatus[] = ['ISSUED', 'PARTIALLY_PAID', 'PAID'];
export const WAIVABLE: readonly BillStatus[] = ['ISSUED', 'PARTIALLY_PAID'];

export const LINE_KIND: Record<BillLineKind, Pair> = {
  HEATING_FEE: ['采暖费', 'Heating fee'],
  BASIC_FEE: ['基本热费', 'Basic fee'],
  METERED_FEE: ['计量热费', 'Metered fee'],
  RELIEF: ['减免', 'Relief'],
  DISCOUNT: ['早缴优惠', 'Early-payment discount'],
  LATE_FEE: ['违约金', 'Late fee'],
  ADJUSTMENT: ['调整', 'Adjustment'],
  CREDIT: ['抵扣', 'Credit'],
};
