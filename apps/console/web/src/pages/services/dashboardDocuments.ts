// @access serviceDashboard
// The SLA dashboard: open / overdue / escalated counts, per category and per community, and tickets
// submitted vs resolved per day over the last N days.
import { graphql } from '../../gql/tenant';

export const SlaDashboardDoc = graphql(`
  query ServiceDashboardPage($days: Int) {
    slaDashboard(days: $days) {
      open
      respondOverdue
      resolveOverdue
      escalated
      byCategory { kind category { id name } open overdue avgRespondHours avgResolveHours }
      byCommunity { communityId communityName open overdue }
      daily { date submitted resolved }
    }
  }
`);
