// @access tickets.create
// A ticket filed for a caller (phone, counter): find the house, then file it.
import { graphql } from '../../gql/tenant';

export const TicketHouseSearchDoc = graphql(`
  query TicketHouseSearch($search: String!) {
    houses(filter: { search: $search }, first: 8) {
      totalCount
      items { id accountNo address ownerName ownerPhone }
    }
  }
`);

export const CreateTicketDoc = graphql(`
  mutation TicketCreate($input: TicketInput!) {
    createTicket(input: $input) { ticket { id no } errors { field message code } }
  }
`);
