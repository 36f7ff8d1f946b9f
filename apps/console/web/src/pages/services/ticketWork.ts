// @access tickets.work
// On-site work (the assigned technician, or an admin): start, record a room-temperature inspection, resolve.
import { graphql } from '../../gql/tenant';

export const StartTicketDoc = graphql(`
  mutation TicketStart($id: ID!) {
    startTicket(id: $id) { ticket { id status } errors { field message code } }
  }
`);

export const ResolveTicketDoc = graphql(`
  mutation TicketResolve($id: ID!, $resolution: String!) {
    resolveTicket(id: $id, resolution: $resolution) { ticket { id status } errors { field message code } }
  }
`);

export const RecordInspectionDoc = graphql(`
  mutation TicketRecordInspection($input: InspectionInput!) {
    recordInspection(input: $input) {
      inspection { id houseTemp compliant }
      errors { field message code }
    }
  }
`);
