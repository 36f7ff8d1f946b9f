// @access orders
// Orders (finance and admins): the server-paginated list and one order with its bills and refunds.
import { graphql } from '../../gql/tenant';

export const OrdersPageListDoc = graphql(`
  query OrdersPageList($filter: PaymentOrderFilter, $first: Int, $offset: Int) {
    paymentOrders(filter: $filter, first: $first, offset: $offset) {
      totalCount
      items {
        id
        outTradeNo
        channel
        status
        amountFen
        createdAt
        paidAt
        refundedFen
        refundStatus
        needsRefundFen
        counterMethod
        receiptNo
        items { bill { id house { accountNo } } }
        refunds { id status amountFen }
      }
    }
  }
`);

export const OrderDetailDoc = graphql(`
  query OrderDetail($outTradeNo: String!) {
    order(outTradeNo: $outTradeNo) {
      id
      outTradeNo
      channel
      status
      amountFen
      description
      createdAt
      expiresAt
      paidAt
      refundedFen
      refundStatus
      needsRefundFen
      flagReason
      counterMethod
      receiptNo
      receiptUrl
      items {
        amountFen
        discountFen
        lateFeeFen
        appliedFen
        refundedFen
        bill { id season status house { accountNo address } }
      }
      refunds { id outRefundNo amountFen reason status createdAt finishedAt }
    }
  }
`);

export const OrdersStartExportDoc = graphql(`
  mutation OrdersStartExport($filter: PaymentExportFilter) {
    startPaymentExport(filter: $filter) {
      job { id }
      errors { field message code }
    }
  }
`);
