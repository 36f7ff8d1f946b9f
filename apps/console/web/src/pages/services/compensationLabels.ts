// Compensation statuses as shown (zh, en) with their tag colours.
import type { CompensationStatus } from '../../gql/tenant/graphql';
import type { Pair } from './labels';

export const COMPENSATION_STATUSES: readonly CompensationStatus[] = [
  'PENDING_APPROVAL',
  'APPROVED',
  'CREDITED',
  'CARRIED',
  'REFUNDING',
  'REFUNDED',
  'REJECTED',
  'NONE_DUE',
];
export const COMPENSATION_STATUS: Record<CompensationStatus, Pair> = {
  PENDING_APPROVAL: ['待财务审批', 'Awaiting approval'],
  APPROVED: ['已审批', 'Approved'],
  CREDITED: ['已抵扣账单', 'Credited to the bill'],
  CARRIED: ['待抵扣下季热费', 'Carried to the next bill'],
  REFUNDING: ['退款中', 'Refunding'],
  REFUNDED: ['已退款', 'Refunded'],
  REJECTED: ['已驳回', 'Rejected'],
  NONE_DUE: ['无需补偿', 'Nothing due'],
};
export const COMPENSATION_STATUS_COLOR: Record<CompensationStatus, string> = {
  PENDING_APPROVAL: 'gold',
  APPROVED: 'blue',
  CREDITED: 'green',
  CARRIED: 'cyan',
  REFUNDING: 'processing',
  REFUNDED: 'green',
  REJECTED: 'red',
  NONE_DUE: 'default',
};

