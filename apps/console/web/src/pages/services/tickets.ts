// The tickets table's search form as the API's TicketFilter (blank choices are no filter).
import { optional, type ProTableParams } from '../../components/table';
import type { TicketFilter, TicketKind, TicketStatus } from '../../gql/tenant/graphql';

export function ticketFilter(params: ProTableParams): TicketFilter {
  const overdue = optional(params.overdue);
  return {
    search: optional(params.search) ?? null,
    status: (optional(params.status) as TicketStatus | undefined) ?? null,
    kind: (optional(params.kind) as TicketKind | undefined) ?? null,
    categoryId: optional(params.categoryId) ?? null,
    assigneeId: optional(params.assigneeId) ?? null,
    communityId: optional(params.communityId) ?? null,
    overdue: overdue === undefined ? null : overdue === 'true',
    dateFrom: optional(params.dateFrom) ?? null,
    dateTo: optional(params.dateTo) ?? null,
  };
}
