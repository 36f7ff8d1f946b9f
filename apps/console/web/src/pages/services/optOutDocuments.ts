// @access optOuts
// 报停 / 恢复供暖 applications (every staff role reads): the filtered list and the seasons to filter by.
import { graphql } from '../../gql/tenant';

export const OptOutsListDoc = graphql(`
  query OptOutsPageList($filter: OptOutFilter, $offset: Int, $limit: Int) {
    optOutApplications(filter: $filter, offset: $offset, limit: $limit) {
      totalCount
      items {
        id
        no
        kind
        house { id accountNo address }
        season { id name heatingStart heatingEnd }
        applicantName
        contactPhone
        reason
        effectiveDate
        status
        statusText
        reviewNote
        reviewedBy { id name }
        sealedBy { id name }
        photos { id url width height }
        reviewedAt
        sealNo
        sealedAt
        submittedAt
        adjustmentFen
      }
    }
  }
`);

export const OptOutSeasonsDoc = graphql(`
  query OptOutsPageSeasons {
    seasons { id name heatingStart heatingEnd }
  }
`);
