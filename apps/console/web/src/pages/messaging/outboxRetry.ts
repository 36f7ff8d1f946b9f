// @access outbox.retry
// Sending a failed message again (its push; it is in the resident's inbox already).
import { graphql } from '../../gql/tenant';

export const RetryMessageDoc = graphql(`
  mutation OutboxPageRetry($id: ID!) {
    retryMessage(id: $id) { message { id status } errors { field message code } }
  }
`);
