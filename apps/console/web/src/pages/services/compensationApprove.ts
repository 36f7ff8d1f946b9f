// @access compensations.approve
// Finance's word on a compensation at or above the company's approval threshold.
import { graphql } from '../../gql/tenant';

export const ApproveCompensationDoc = graphql(`
  mutation CompensationApprove($id: ID!, $note: String) {
    approveCompensation(id: $id, note: $note) { compensation { id status } errors { field message code } }
  }
`);

export const RejectCompensationDoc = graphql(`
  mutation CompensationReject($id: ID!, $note: String!) {
    rejectCompensation(id: $id, note: $note) { compensation { id status } errors { field message code } }
  }
`);
