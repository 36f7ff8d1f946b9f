// @access invoices
// E-invoices (finance, admins, collectors read): the provider session, the server-paginated list and one invoice
// with its lines and red confirmations.
import { graphql } from '../../gql/tenant';

export const InvoicesSessionDoc = graphql(`
  query InvoicesPageSession {
    invoiceSession {
      state
      message
      action
      faceQrUrl
      checkedAt
      creditTotalFen
      creditRemainingFen
      creditCheckedAt
    }
  }
`);

export const InvoicesListDoc = graphql(`
  query InvoicesPageList($filter: InvoiceFilter, $offset: Int, $limit: Int) {
    invoices(filter: $filter, offset: $offset, limit: $limit) {
      totalCount
      items {
        id
        kind
        status
        orderId
        outTradeNo
        buyerKind
        buyerName
        totalFen
        taxFen
        invoiceNumber
        issuedAt
        failReason
        createdAt
      }
    }
  }
`);

export const InvoiceDetailDoc = graphql(`
  query InvoiceDetail($id: ID!) {
    invoice(id: $id) {
      id
      kind
      status
      orderId
      outTradeNo
      buyerKind
      buyerName
      buyerTaxNo
      totalFen
      exclFen
      taxFen
      invoiceNumber
      issuedAt
      failReason
      pdfUrl
      ofdUrl
      createdAt
      invoiceLine
      attempts
      nextAttemptAt
      requestedBy
      lines { index goodsName taxRate exclFen taxFen inclFen reversedFen explanation }
      reds { id invoiceNumber status totalFen issuedAt pdfUrl ofdUrl failReason lines { index goodsName inclFen } }
      redConfirmations { id status reason full totalFen confirmationNo failReason createdAt }
    }
  }
`);

/** The list's filter to .xlsx in the background (ExportButton polls the job and downloads it). */
export const StartInvoiceExportDoc = graphql(`
  mutation StartInvoiceExport($filter: InvoiceFilter) {
    startInvoiceExport(filter: $filter) {
      job { id }
      errors { field message code }
    }
  }
`);
