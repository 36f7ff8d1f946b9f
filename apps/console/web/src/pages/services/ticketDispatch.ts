// @access tickets.dispatch
// Dispatching (admins): accept, assign to a technician (with their open counts), reject with a reason.
import { graphql } from '../../gql/tenant';

export const TechniciansDoc = graphql(`
  query TicketTechnicians {
    technicians { id name openCount }
  }
`);

export const AcceptTicketDoc = graphql(`
  mutation TicketAccept($id: ID!) {
    acceptTicket(id: $id) { ticket { id status } errors { field message code } }
  }
`);

export const AssignTicketDoc = graphql(`
  mutation TicketAssign($id: ID!, $assigneeId: ID!) {
    assignTicket(id: $id, assigneeId: $assigneeId) { ticket { id status assignee { id name } } errors { field message code } }
  }
`);

export const RejectTicketDoc = graphql(`
  mutation TicketReject($id: ID!, $reason: String!) {
    rejectTicket(id: $id, reason: $reason) { ticket { id status } errors { field message code } }
  }
`);
