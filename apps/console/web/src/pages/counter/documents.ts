// @access counter
// The counter desk's documents (collectors and admins): find a house, its bills with what is due now, take the
// money (with an idempotency key per submission), my shift, open it, close it (日结).
import { graphql } from '../../gql/tenant';

export const CounterHousesDoc = graphql(`
  query CounterHouses($search: String!) {
    houses(filter: { search: $search }, first: 8) {
      totalCount
      items { id accountNo address ownerName ownerPhone heatingStatus }
    }
  }
`);

export const CounterBillsDoc = graphql(`
  query CounterBills($houseId: ID!) {
    bills(filter: { houseId: $houseId }, first: 50) {
      items {
        id
        season
        seasonId
        status
        principalFen
        paidFen
        amountDue { asOf outstandingFen discountFen lateFeeFen totalFen }
      }
    }
  }
`);

export const CounterRecordPaymentDoc = graphql(`
  mutation CounterRecordPayment($billIds: [ID!]!, $method: CounterMethod!, $amountFen: Int!, $receiptNo: String!, $requestNo: String) {
    recordCounterPayment(billIds: $billIds, method: $method, amountFen: $amountFen, receiptNo: $receiptNo, requestNo: $requestNo) {
      order {
        id
        outTradeNo
        amountFen
        counterMethod
        receiptNo
        receiptUrl
        paidAt
        items { amountFen discountFen lateFeeFen bill { id season status } }
      }
      errors { field message code }
    }
  }
`);

export const CounterMyShiftDoc = graphql(`
  query CounterMyShift {
    myShift {
      id
      status
      collectorName
      openedAt
      closedAt
      totals { method amountFen count collectedFen refundedFen }
      totalFen
      collectedFen
      refundedFen
      count
      receipts { receiptNo outTradeNo amountFen method paidAt accountNos }
      refunds { outRefundNo receiptNo amountFen method refundedAt accountNos }
    }
  }
`);

export const CounterOpenShiftDoc = graphql(`
  mutation CounterOpenShift {
    openShift {
      shift { id status openedAt }
      errors { field message code }
    }
  }
`);

export const CounterCloseShiftDoc = graphql(`
  mutation CounterCloseShift($id: ID!) {
    closeShift(id: $id) {
      shift {
        id
        status
        collectorName
        openedAt
        closedAt
        totals { method amountFen count collectedFen refundedFen }
        totalFen
        collectedFen
        refundedFen
        count
        receipts { receiptNo outTradeNo amountFen method paidAt accountNos }
        refunds { outRefundNo receiptNo amountFen method refundedAt accountNos }
      }
      errors { field message code }
    }
  }
`);
