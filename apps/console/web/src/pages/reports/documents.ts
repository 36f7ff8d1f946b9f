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

export const ReportsCollectionsByMonthDoc = graphql(`
  query ReportsCollectionsByMonth($monthFrom: String!, $monthTo: String!) {
    collectionsByMonth(monthFrom: $monthFrom, monthTo: $monthTo) {
      collectedFen
      refundedFen
      netFen
      months { month collectedFen refundedFen netFen channels { channel collectedFen refundedFen netFen count } }
    }
  }
`);

export const ReportsCollectionByBuildingDoc = graphql(`
  query ReportsCollectionByBuilding($seasonId: ID!, $communityId: ID) {
    collectionByBuilding(seasonId: $seasonId, communityId: $communityId) {
      buildingId
      buildingName
      communityId
      communityName
      houseCount
      billCount
      paidCount
      billedFen
      collectedFen
      outstandingFen
      collectionRate
    }
  }
`);

export const ReportsRefundsDoc = graphql(`
  query ReportsRefunds($dateFrom: Date!, $dateTo: Date!) {
    refundReport(dateFrom: $dateFrom, dateTo: $dateTo) {
      count
      amountFen
      succeededFen
      rows { channel status count amountFen }
    }
  }
`);

export const ReportsCollectorsDoc = graphql(`
  query ReportsCollectors($dateFrom: Date!, $dateTo: Date!) {
    counterCollectionByCollector(dateFrom: $dateFrom, dateTo: $dateTo) {
      collectorId
      collectorName
      username
      count
      collectedFen
      refundCount
      refundedFen
      netFen
      methods { method collectedFen count refundedFen refundCount }
    }
  }
`);

export const ReportsStatementsDoc = graphql(`
  query ReportsStatements($dateFrom: Date, $dateTo: Date, $status: StatementDifferenceStatus, $offset: Int, $limit: Int) {
    statementRuns(dateFrom: $dateFrom, dateTo: $dateTo, limit: 100) {
      totalCount
      items {
        id
        channel
        kind
        billDate
        status
        matchedCount
        channelPaidFen
        localPaidFen
        channelRefundedFen
        localRefundedFen
        openDifferenceCount
        differenceCounts { kind total open resolved carried }
      }
    }
    statementDifferences(dateFrom: $dateFrom, dateTo: $dateTo, status: $status, offset: $offset, limit: $limit) {
      totalCount
      items {
        id
        runId
        billDate
        channel
        kind
        subject
        outTradeNo
        outRefundNo
        channelAmountFen
        localAmountFen
        status
        resolution
        note
        resolvedBy
      }
    }
  }
`);

export const ReportsStartExportDoc = graphql(`
  mutation ReportsStartExport(
    $kind: ReportExportKind!
    $dateFrom: Date
    $dateTo: Date
    $monthFrom: String
    $monthTo: String
    $seasonId: ID
    $communityId: ID
    $differenceStatus: StatementDifferenceStatus
  ) {
    startReportExport(
      kind: $kind
      dateFrom: $dateFrom
      dateTo: $dateTo
      monthFrom: $monthFrom
      monthTo: $monthTo
      seasonId: $seasonId
      communityId: $communityId
      differenceStatus: $differenceStatus
    ) {
      job { id }
      errors { field message code }
    }
  }
`);
