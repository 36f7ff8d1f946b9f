// @access optOuts.seal
// The technician's part: the valve seal (施封; for a resumption, the seal removed) with its number and photo.
import { graphql } from '../../gql/tenant';

export const RecordSealDoc = graphql(`
  mutation OptOutSeal($id: ID!, $sealNo: String!, $photoIds: [ID!]) {
    recordSeal(id: $id, sealNo: $sealNo, photoIds: $photoIds) { application { id status sealNo } errors { field message code } }
  }
`);
