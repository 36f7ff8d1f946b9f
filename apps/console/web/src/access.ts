// THE one place that says which roles may use which page or page part. The menu, the route guards and
// `useCan()` all read this table; a unit test (src/access.test.ts) checks every entry against the API's
// own declarations ("Requires one of: …" in graphql_api/*.graphql) for the fields the page's documents use.
import type { Role } from './gql/tenant/graphql';

export type { Role };

export const STAFF_ROLES = ['TENANT_ADMIN', 'COLLECTOR', 'TECHNICIAN', 'FINANCE'] as const satisfies readonly Role[];
export type StaffRole = (typeof STAFF_ROLES)[number];
const ALL_STAFF: readonly Role[] = STAFF_ROLES;
const ADMIN: readonly Role[] = ['TENANT_ADMIN'];
const OPERATOR: readonly Role[] = ['OPERATOR'];

/**
 * Keys are pages (`dashboard`) or parts of a page (`dashboard.jobs`): a part is shown only to its roles,
 * and its GraphQL documents (files marked `// @access dashboard.jobs`) are checked against them.
 */
export const ACCESS = {
  // --- staff console (a company's host)
  dashboard: ALL_STAFF,
  'dashboard.collections': ['TENANT_ADMIN', 'FINANCE', 'COLLECTOR'],
  'dashboard.billRuns': ['TENANT_ADMIN', 'FINANCE'],
  'dashboard.imports': ADMIN,
  'dashboard.refunds': ['TENANT_ADMIN', 'FINANCE', 'COLLECTOR'],
  houses: ALL_STAFF,
  'houses.edit': ADMIN,
  'houses.heatingStatus': ['TENANT_ADMIN', 'COLLECTOR'],
  'houses.payments': ['TENANT_ADMIN', 'FINANCE', 'COLLECTOR'],
  imports: ADMIN,
  seasons: ['TENANT_ADMIN', 'FINANCE'],
  billRuns: ['TENANT_ADMIN', 'FINANCE'],
  bills: ALL_STAFF,
  'bills.adjust': ['TENANT_ADMIN', 'FINANCE'],
  counter: ['TENANT_ADMIN', 'COLLECTOR'],
  orders: ['TENANT_ADMIN', 'FINANCE'],
  'orders.refund': ['TENANT_ADMIN', 'FINANCE'],
  invoices: ['TENANT_ADMIN', 'FINANCE', 'COLLECTOR'],
  'invoices.manage': ['TENANT_ADMIN', 'FINANCE'],
  reconciliation: ['TENANT_ADMIN', 'FINANCE'],
  dailyClose: ['TENANT_ADMIN', 'FINANCE'],
  reports: ['TENANT_ADMIN', 'FINANCE'],
  settings: ADMIN,
  audit: ADMIN,
  // issue #16: resident services (TICKET_*, COMPENSATION_*, QUALITY_MANAGE, OPT_OUT_* in apps/accounts/permissions.py)
  tickets: ['TENANT_ADMIN', 'COLLECTOR', 'FINANCE'],
  'tickets.create': ['TENANT_ADMIN', 'COLLECTOR'],
  'tickets.dispatch': ADMIN,
  'tickets.work': ['TENANT_ADMIN', 'TECHNICIAN'],
  'tickets.note': ['TENANT_ADMIN', 'COLLECTOR', 'TECHNICIAN'],
  workQueue: ['TENANT_ADMIN', 'TECHNICIAN'],
  serviceDashboard: ['TENANT_ADMIN', 'COLLECTOR', 'FINANCE'],
  compensations: ['TENANT_ADMIN', 'FINANCE'],
  'compensations.approve': ['TENANT_ADMIN', 'FINANCE'],
  optOuts: ALL_STAFF,
  'optOuts.review': ['TENANT_ADMIN', 'COLLECTOR'],
  'optOuts.seal': ['TENANT_ADMIN', 'TECHNICIAN'],
  serviceSettings: ADMIN,
  // issue #17: messaging (ANNOUNCEMENT_MANAGE, KB_MANAGE, CAMPAIGN_MANAGE, MESSAGE_VIEW, MESSAGING_MANAGE)
  announcements: ADMIN,
  knowledgeBase: ADMIN,
  campaigns: ['TENANT_ADMIN', 'FINANCE'],
  outbox: ['TENANT_ADMIN', 'FINANCE', 'COLLECTOR'],
  'outbox.retry': ADMIN,
  messagingSettings: ADMIN,
  account: ALL_STAFF,
  // --- operator console (the platform host)
  'op.overview': OPERATOR,
  'op.tenants': OPERATOR,
  'op.audit': OPERATOR,
  'op.settings': OPERATOR,
  'op.account': OPERATOR,
} as const satisfies Record<string, readonly Role[]>;

export type AccessKey = keyof typeof ACCESS;

export function can(role: Role | null | undefined, key: AccessKey): boolean {
  return !!role && (ACCESS[key] as readonly Role[]).includes(role);
}
