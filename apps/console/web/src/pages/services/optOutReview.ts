// @access optOuts.review
// The desk's part (collectors, admins): approve / reject an application with a note, file one at the counter.
import { graphql } from '../../gql/tenant';

export const ReviewOptOutDoc = graphql(`
  mutation OptOutReview($id: ID!, $approve: Boolean!, $note: String) {
    reviewOptOut(id: $id, approve: $approve, note: $note) { application { id status } errors { field message code } }
  }
`);

export const CreateOptOutDoc = graphql(`
  mutation OptOutCreate($input: OptOutInput!) {
    createOptOutApplication(input: $input) { application { id no } errors { field message code } }
  }
`);

export const OptOutHouseSearchDoc = graphql(`
  query OptOutHouseSearch($search: String!) {
    houses(filter: { search: $search }, first: 8) {
      items { id accountNo address ownerName ownerPhone heatingStatus }
    }
  }
`);
