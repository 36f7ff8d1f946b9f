// @access bills
// Bills: the list, one bill with its lines, and the filters' options (every staff role may read them).
import { graphql } from '../../gql/tenant';

export const BillsDoc = graphql(`
  query Bills($filter: BillFilter, $first: Int, $offset: Int) {
    bills(filter: $filter, first: $first, offset: $offset) {
      totalCount
      items {
        id
        season
        seasonId
        status
        principalFen
        paidFen
        issuedAt
        house { id accountNo address }
        amountDue { totalFen }
      }
    }
  }
`);

export const BillDoc = graphql(`
  query Bill($id: ID!) {
    bill(id: $id) {
      id
      season
      seasonId
      status
      principalFen
      paidFen
      issuedAt
      house { id accountNo address }
      lines { kind quantity unitPrice amountFen explanation }
      amountDue { asOf outstandingFen discountFen lateFeeFen totalFen }
    }
  }
`);

export const BillFilterSeasonsDoc = graphql(`
  query BillFilterSeasons {
    seasons { id name status }
  }
`);

export const BillFilterCommunitiesDoc = graphql(`
  query BillFilterCommunities($search: String) {
    communities(search: $search, first: 50) { items { id name } }
  }
`);

export const StartBillExportDoc = graphql(`
  mutation StartBillExport($filter: BillFilter) {
    startBillExport(filter: $filter) {
      job { id }
      errors { field message code }
    }
  }
`);
