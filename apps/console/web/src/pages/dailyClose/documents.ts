// @access dailyClose
// The company's daily close (日结; finance, admins): days with their status and figures, one day with what
// blocks its close, closing it, and corrections of a closed day (adjustments booked on the next open day).
import { graphql } from '../../gql/tenant';

export const DailyClosesDoc = graphql(`
  query DailyCloseDays($dateFrom: Date!, $dateTo: Date!) {
    dailyCloses(dateFrom: $dateFrom, dateTo: $dateTo) {
      day
      status
      canClose
      hasActivity
      collectedFen
      refundedFen
      feeFen
      adjustmentsFen
      netFen
      closedAt
      closedBy
      blockers { kind }
    }
  }
`);

export const DailyCloseDayDoc = graphql(`
  query DailyCloseOneDay($day: Date!) {
    dailyClose(day: $day) {
      day
      status
      canClose
      hasActivity
      collectedFen
      refundedFen
      feeFen
      adjustmentsFen
      netFen
      closedAt
      closedBy
      blockers { kind message channel merchantAccountId runId runStatus shiftId collectorName day }
      channels {
        channel
        collectedFen
        count
        refundedFen
        refundCount
        feeFen
        adjustmentsFen
        netFen
        ledgerCollectedFen
        ledgerCount
        ledgerRefundedFen
      }
      adjustments { id day correctsDay channel amountFen reason differenceId createdBy createdAt }
      corrections { id day correctsDay channel amountFen reason differenceId createdBy createdAt }
    }
  }
`);

export const DailyCloseCloseDoc = graphql(`
  mutation DailyCloseClose($day: Date!) {
    closeDay(day: $day) {
      day { day status canClose closedAt closedBy }
      errors { field message code }
    }
  }
`);

export const DailyCloseAdjustDoc = graphql(`
  mutation DailyCloseAdjust($correctsDay: Date!, $channel: CollectionChannel!, $amountFen: Int!, $reason: String!) {
    createDayAdjustment(correctsDay: $correctsDay, channel: $channel, amountFen: $amountFen, reason: $reason) {
      adjustment { id day correctsDay channel amountFen reason createdBy createdAt }
      errors { field message code }
    }
  }
`);
