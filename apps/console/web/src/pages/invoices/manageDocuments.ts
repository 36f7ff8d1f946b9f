// @access invoices.manage
// What only finance and admins may do with invoices: retry a failed one, ask the provider about the session now,
// fetch a face-verification QR code.
import { graphql } from '../../gql/tenant';

export const InvoiceRetryDoc = graphql(`
  mutation InvoicesRetry($id: ID!) {
    retryInvoice(id: $id) {
      invoice { id status failReason }
      errors { field message code }
    }
  }
`);

export const InvoiceSessionRefreshDoc = graphql(`
  mutation InvoicesRefreshSession {
    refreshInvoiceSession {
      session { state message action faceQrUrl checkedAt creditTotalFen creditRemainingFen creditCheckedAt }
      errors { field message code }
    }
  }
`);

export const InvoiceFaceQrDoc = graphql(`
  mutation InvoicesFaceQr {
    invoiceFaceQr {
      session { state message action faceQrUrl checkedAt creditTotalFen creditRemainingFen creditCheckedAt }
      errors { field message code }
    }
  }
`);
