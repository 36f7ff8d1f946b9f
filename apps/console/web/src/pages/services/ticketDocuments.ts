// @access tickets
// Tickets (工单) for dispatchers and the desk: the filtered list, one ticket with its timeline, photos and
// inspections, the categories and communities the filters offer.
import { graphql } from '../../gql/tenant';

export const TicketsListDoc = graphql(`
  query TicketsPageList($filter: TicketFilter, $offset: Int, $limit: Int) {
    tickets(filter: $filter, offset: $offset, limit: $limit) {
      totalCount
      items {
        id
        no
        kind
        category { id name }
        house { id accountNo address }
        status
        contactName
        description
        reportedTemp
        assignee { id name }
        submittedAt
        respondDueAt
        resolveDueAt
        respondOverdue
        resolveOverdue
        escalated
      }
    }
  }
`);

export const TicketsFiltersDoc = graphql(`
  query TicketsPageFilters {
    ticketCategories { id kind name respondHours resolveHours active }
    communities(first: 100) { items { id name } }
  }
`);
