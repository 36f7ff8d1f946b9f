// @access tickets.note
// An internal note on a ticket's timeline (staff only; the desk, dispatchers and technicians).
import { graphql } from '../../gql/tenant';

export const AddTicketNoteDoc = graphql(`
  mutation TicketNote($id: ID!, $note: String!) {
    addTicketNote(id: $id, note: $note) { ticket { id } errors { field message code } }
  }
`);
