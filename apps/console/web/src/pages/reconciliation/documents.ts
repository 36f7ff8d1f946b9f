// @access reconciliation
// Statement reconciliation (对账; finance and admins): runs, one run with its differences, and what changes them.
import { graphql } from '../../gql/tenant';

export const ReconRunsDoc = graphql(`
  query ReconRuns(
    $dateFrom: Date
    $dateTo: Date
    $channel: MerchantChannel
    $status: StatementRunStatus
    $kind: StatementKind
    $offset: Int
    $limit: Int
  ) {
    statementRuns(dateFrom: $dateFrom, dateTo: $dateTo, channel: $channel, status: $status, kind: $kind, offset: $offset, limit: $limit) {
      totalCount
      items {
        id
        channel
        merchantId
        kind
        billDate
        status
        error
        matchedCount
        channelPaidFen
        localPaidFen
        openDifferenceCount
        differenceCounts { kind total open resolved carried }
        startedBy
        createdAt
      }
    }
  }
`);

export const ReconRunDoc = graphql(`
  query ReconRun($id: ID!) {
    statementRun(id: $id) {
      id
      merchantAccountId
      channel
      merchantId
      kind
      billDate
      status
      errorCode
      error
      attempts
      fileSha1
      fileSize
      fileUrl
      summary { count paidFen refundedFen feeFen }
      matchedCount
      channelPaidFen
      localPaidFen
      channelRefundedFen
      localRefundedFen
      openDifferenceCount
      differenceCounts { kind total open resolved carried }
      canClose
      startedBy
      closedBy
      createdAt
      fetchedAt
      parsedAt
      matchedAt
      closedAt
    }
  }
`);

export const ReconDifferencesDoc = graphql(`
  query ReconDifferences($runId: ID!, $status: StatementDifferenceStatus, $kind: StatementDifferenceKind, $offset: Int, $limit: Int) {
    statementRun(id: $runId) {
      id
      differences(status: $status, kind: $kind, offset: $offset, limit: $limit) {
        totalCount
        items {
          id
          kind
          subject
          outTradeNo
          outRefundNo
          orderId
          channelAmountFen
          localAmountFen
          channelFeeFen
          expectedFeeFen
          channelStatus
          localStatus
          autoAction
          status
          resolution
          note
          resolvedBy
          resolvedAt
          carriedToRunId
          allowedResolutions
        }
      }
    }
  }
`);

export const ReconMerchantAccountsDoc = graphql(`
  query ReconMerchantAccounts {
    merchantAccountsForReconciliation { id channel mode isActive label kinds }
  }
`);

export const ReconCloseRunDoc = graphql(`
  mutation ReconCloseRun($id: ID!) {
    closeStatementRun(id: $id) {
      run { id status canClose closedAt closedBy }
      errors { field message code }
    }
  }
`);

/** Differences per class over the runs the list shows (bill dates, channel): all of them and those still open. */
export const ReconClassTotalsDoc = graphql(`
  query ReconClassTotals($dateFrom: Date, $dateTo: Date, $channel: MerchantChannel) {
    channelOnly: statementDifferences(kind: CHANNEL_ONLY, dateFrom: $dateFrom, dateTo: $dateTo, channel: $channel, limit: 0) { totalCount }
    channelOnlyOpen: statementDifferences(kind: CHANNEL_ONLY, status: OPEN, dateFrom: $dateFrom, dateTo: $dateTo, channel: $channel, limit: 0) { totalCount }
    localOnly: statementDifferences(kind: LOCAL_ONLY, dateFrom: $dateFrom, dateTo: $dateTo, channel: $channel, limit: 0) { totalCount }
    localOnlyOpen: statementDifferences(kind: LOCAL_ONLY, status: OPEN, dateFrom: $dateFrom, dateTo: $dateTo, channel: $channel, limit: 0) { totalCount }
    amount: statementDifferences(kind: AMOUNT_MISMATCH, dateFrom: $dateFrom, dateTo: $dateTo, channel: $channel, limit: 0) { totalCount }
    amountOpen: statementDifferences(kind: AMOUNT_MISMATCH, status: OPEN, dateFrom: $dateFrom, dateTo: $dateTo, channel: $channel, limit: 0) { totalCount }
    status: statementDifferences(kind: STATUS_MISMATCH, dateFrom: $dateFrom, dateTo: $dateTo, channel: $channel, limit: 0) { totalCount }
    statusOpen: statementDifferences(kind: STATUS_MISMATCH, status: OPEN, dateFrom: $dateFrom, dateTo: $dateTo, channel: $channel, limit: 0) { totalCount }
    fee: statementDifferences(kind: FEE_MISMATCH, dateFrom: $dateFrom, dateTo: $dateTo, channel: $channel, limit: 0) { totalCount }
    feeOpen: statementDifferences(kind: FEE_MISMATCH, status: OPEN, dateFrom: $dateFrom, dateTo: $dateTo, channel: $channel, limit: 0) { totalCount }
    crossDay: statementDifferences(kind: CROSS_DAY, dateFrom: $dateFrom, dateTo: $dateTo, channel: $channel, limit: 0) { totalCount }
    crossDayOpen: statementDifferences(kind: CROSS_DAY, status: OPEN, dateFrom: $dateFrom, dateTo: $dateTo, channel: $channel, limit: 0) { totalCount }
  }
`);

export const ReconStartRunDoc = graphql(`
  mutation ReconStartRun($merchantAccountId: ID!, $billDate: Date!, $kind: StatementKind) {
    startStatementRun(merchantAccountId: $merchantAccountId, billDate: $billDate, kind: $kind) {
      run { id status }
      errors { field message code }
    }
  }
`);

export const ReconRerunDoc = graphql(`
  mutation ReconRerun($id: ID!) {
    rerunStatementRun(id: $id) {
      run { id status }
      errors { field message code }
    }
  }
`);
