// @access compensations
// Room-temperature compensation (finance and admins): each compensation with its explanation lines, and the
// shortfall periods (open: still below standard; closed: awaiting or carrying their compensation).
import { graphql } from '../../gql/tenant';

export const CompensationsListDoc = graphql(`
  query CompensationsPageList($filter: CompensationFilter, $offset: Int, $limit: Int) {
    compensations(filter: $filter, offset: $offset, limit: $limit) {
      totalCount
      items {
        id
        house { id accountNo address }
        season { id name }
        amountFen
        days
        lines { temp below pct days amountFen text }
        explanation
        status
        statusText
        method
        creditedFen
        carriedFen
        refundedFen
        approvedBy { id name }
        approvedAt
        reviewNote
        createdAt
      }
    }
  }
`);

export const ShortfallPeriodsDoc = graphql(`
  query CompensationsPageShortfalls($status: ShortfallStatus, $offset: Int, $limit: Int) {
    shortfallPeriods(status: $status, offset: $offset, limit: $limit) {
      totalCount
      items {
        id
        house { id accountNo address }
        startedOn
        endedOn
        status
        days
        ticketNo
        compensation { id amountFen status }
      }
    }
  }
`);
