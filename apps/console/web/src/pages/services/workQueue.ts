// @access workQueue
// The technician's work queue: their assigned open tickets, by due time.
import { graphql } from '../../gql/tenant';

export const WorkQueueDoc = graphql(`
  query WorkQueuePage($offset: Int, $limit: Int) {
    myWorkQueue(offset: $offset, limit: $limit) {
      totalCount
      items {
        id
        no
        kind
        category { id name }
        house { id accountNo address }
        status
        contactName
        contactPhone
        description
        reportedTemp
        respondDueAt
        resolveDueAt
        respondOverdue
        resolveOverdue
        escalated
        staffActions
      }
    }
  }
`);

/** The deadline that matters now: responding while SUBMITTED, resolving after. */
export function dueAt(ticket: { status: string; respondDueAt: string; resolveDueAt: string }): string {
  return ticket.status === 'SUBMITTED' ? ticket.respondDueAt : ticket.resolveDueAt;
}

/** Soonest (or longest overdue) first; the API orders so too, this keeps a refreshed page stable. */
export function byDue<Tk extends { status: string; respondDueAt: string; resolveDueAt: string; no: string }>(tickets: readonly Tk[]): Tk[] {
  return [...tickets].sort((a, b) => dueAt(a).localeCompare(dueAt(b)) || a.no.localeCompare(b.no));
}
