// @access outbox
// 消息记录 (admins, finance, collectors): the outbox, each message with its push attempts (targets masked).
import { graphql } from '../../gql/tenant';

export const OutboxListDoc = graphql(`
  query OutboxPageList($status: MessageStatus, $channel: MessageChannel, $kind: MessageKind, $campaignId: ID, $first: Int, $offset: Int) {
    outboxMessages(status: $status, channel: $channel, kind: $kind, campaignId: $campaignId, first: $first, offset: $offset) {
      total
      items {
        id kind title body residentName status channel campaignId notBefore attempts lastError note createdAt sentAt read
        deliveries { id channel target template content status errorCode createdAt }
      }
    }
  }
`);
