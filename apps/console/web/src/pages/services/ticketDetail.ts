// @access tickets, workQueue
// One ticket as staff see it (the list's drawer and the technician's queue share it): timeline, photos (signed
// URLs), inspections with their rooms, the open shortfall period and what the caller may do now (staffActions).
import { graphql } from '../../gql/tenant';

export const TicketDetailDoc = graphql(`
  query TicketDetail($id: ID!) {
    ticket(id: $id) {
      id
      no
      kind
      category { id name }
      house { id accountNo address }
      status
      statusText
      contactName
      contactPhone
      description
      reportedTemp
      photos { id url width height }
      assignee { id name }
      submittedAt
      acceptedAt
      assignedAt
      onSiteAt
      resolvedAt
      closedAt
      respondDueAt
      resolveDueAt
      respondOverdue
      resolveOverdue
      escalated
      resolution
      rating
      ratingComment
      reopenCount
      timeline { action fromStatus toStatus actorKind actorName note createdAt }
      staffActions
      inspections {
        id
        measuredAt
        rooms { name area readings temp compliant }
        houseTemp
        compliant
        cause
        causeText
        technician { id name }
        deviceNo
        residentSignature
        note
        outdoorTemp
        photos { id url width height }
      }
      shortfall { id startedOn endedOn status days }
    }
  }
`);
