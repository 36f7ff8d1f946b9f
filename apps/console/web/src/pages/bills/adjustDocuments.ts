// @access bills.adjust
// Corrections on an issued bill (finance, admin): an adjustment line or a waiver, each with a reason.
import { graphql } from '../../gql/tenant';

export const AdjustBillDoc = graphql(`
  mutation AdjustBill($id: ID!, $amountFen: Int!, $reason: String!) {
    adjustBill(id: $id, amountFen: $amountFen, reason: $reason) {
      bill { id status principalFen paidFen }
      errors { field message code }
    }
  }
`);

export const WaiveBillDoc = graphql(`
  mutation WaiveBill($id: ID!, $reason: String!) {
    waiveBill(id: $id, reason: $reason) {
      bill { id status }
      errors { field message code }
    }
  }
`);
