// Tickets as shown (zh, en; kinds in labels.ts): statuses with their tag colours, the API's action names, the timeline's
// steps and the causes an inspection records.
import type { InspectionCause, TicketStatus } from '../../gql/tenant/graphql';
import type { Pair } from './labels';

export const TICKET_STATUSES: readonly TicketStatus[] = [
  'SUBMITTED',
  'ACCEPTED',
  'ASSIGNED',
  'ON_SITE',
  'RESOLVED',
  'CLOSED',
  'CANCELLED',
  'REJECTED',
];
export const TICKET_STATUS: Record<TicketStatus, Pair> = {
  SUBMITTED: ['已提交', 'Submitted'],
  ACCEPTED: ['已受理', 'Accepted'],
  ASSIGNED: ['已派单', 'Assigned'],
  ON_SITE: ['处理中', 'On site'],
  RESOLVED: ['已解决', 'Resolved'],
  CLOSED: ['已关闭', 'Closed'],
  CANCELLED: ['已撤销', 'Cancelled'],
  REJECTED: ['不予受理', 'Rejected'],
};
export const TICKET_STATUS_COLOR: Record<TicketStatus, string> = {
  SUBMITTED: 'gold',
  ACCEPTED: 'blue',
  ASSIGNED: 'geekblue',
  ON_SITE: 'processing',
  RESOLVED: 'green',
  CLOSED: 'default',
  CANCELLED: 'default',
  REJECTED: 'red',
};
export const OPEN_STATUSES: ReadonlySet<TicketStatus> = new Set(['SUBMITTED', 'ACCEPTED', 'ASSIGNED', 'ON_SITE']);

/** What the API's staffActions / actions strings mean on a button. */
export const STAFF_ACTION: Record<string, Pair> = {
  ACCEPT: ['受理', 'Accept'],
  ASSIGN: ['派单', 'Assign'],
  START: ['到场处理', 'Start on site'],
  INSPECT: ['录入测温', 'Record inspection'],
  RESOLVE: ['办结', 'Resolve'],
  REJECT: ['不予受理', 'Reject'],
  NOTE: ['备注', 'Add note'],
};

export const TIMELINE_ACTION: Record<string, Pair> = {
  submit: ['提交', 'Submitted'],
  create: ['代客提交', 'Filed by staff'],
  accept: ['受理', 'Accepted'],
  assign: ['派单', 'Assigned'],
  on_site: ['到场', 'On site'],
  start: ['到场', 'On site'],
  inspect: ['测温', 'Inspection'],
  inspection: ['测温', 'Inspection'],
  resolve: ['办结', 'Resolved'],
  confirm: ['住户确认', 'Confirmed by resident'],
  auto_close: ['自动关闭', 'Closed automatically'],
  reopen: ['重新打开', 'Reopened'],
  cancel: ['撤销', 'Cancelled'],
  reject: ['不予受理', 'Rejected'],
  note: ['备注', 'Note'],
  escalate: ['超时上报', 'Escalated'],
  overdue: ['超时', 'Overdue'],
};

export const CAUSES: readonly InspectionCause[] = ['NONE', 'UTILITY', 'ALTERED_PIPES', 'COVERED_RADIATORS', 'DRAINED_WATER', 'OTHER_RESIDENT'];
export const CAUSE: Record<InspectionCause, Pair> = {
  NONE: ['达标', 'Compliant'],
  UTILITY: ['供热方原因', "Utility's fault"],
  ALTERED_PIPES: ['住户私改管道', 'Altered pipes (resident)'],
  COVERED_RADIATORS: ['住户遮挡散热器', 'Covered radiators (resident)'],
  DRAINED_WATER: ['住户私放暖气水', 'Drained water (resident)'],
  OTHER_RESIDENT: ['其他住户原因', 'Other resident cause'],
};

