// @access reports
// Finance reports (finance and admins): each tab's figures; the exports are background jobs (ExportButton).
import { graphql } from '../../gql/tenant';

export const ReportsSeasonsDoc = graphql(`
  query ReportsSeasons {
    seasons { id name status published heatingStart }
  }
`);

export const ReportsCollectionsByDayDoc = graphql(`
  query ReportsCollectionsByDay($dateFrom: Date!, $dateTo: Date!) {
    collectionsByDay(dateFrom: $dateFrom, dateTo: $dateTo) {
      collectedFen
      refundedFen
      netFen
      days { date collectedFen refundedFen netFen channels { channel collectedFen refundedFen netFen count } }
    }
  }
`);

export const ReportsCollectionRateDoc = graphql(`
  query ReportsCollectionRate($seasonId: ID!) {
    billSummary(seasonId: $seasonId) { billCount paidCount billedFen collectedFen outstandingFen collectionRate }
    collectionByCommunity(seasonId: $seasonId) {
      communityId
      communityName
      billCount
      paidCount
      billedFen
      collectedFen
      outstandingFen
      collectionRate
    }
  }
`);

export const ReportsArrearsAgingDoc = graphql(`
  query ReportsArrearsAging($seasonId: ID!) {
    arrearsAging(seasonId: $seasonId) { asOf houseCount outstandingFen buckets { age houseCount billCount outstandingFen } }
  }
`);
