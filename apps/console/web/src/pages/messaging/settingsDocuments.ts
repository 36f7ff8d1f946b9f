// @access messagingSettings
// 消息设置 (admins): the template registry per message kind, syncing WeChat template ids, and the sending rules.
import { graphql } from '../../gql/tenant';

export const MessageTemplatesDoc = graphql(`
  query MessagingSettingsTemplates {
    messageTemplates {
      kind isActive variables inAppTitle inAppBody wechatTemplateId wechatTitle wechatPage smsTemplateCode smsText smsApproval updatedAt
      wechatFields { key variable }
      smsParams { key variable }
    }
  }
`);

export const UpdateMessageTemplateDoc = graphql(`
  mutation MessagingSettingsSaveTemplate($kind: MessageKind!, $input: MessageTemplateInput!) {
    updateMessageTemplate(kind: $kind, input: $input) { template { kind } errors { field message code } }
  }
`);

export const SyncWechatTemplatesDoc = graphql(`
  mutation MessagingSettingsSyncWechat {
    syncWechatTemplates { results { kind title templateId status missing } errors { field message code } }
  }
`);

export const MessagingSettingsDoc = graphql(`
  query MessagingSettingsGeneral {
    messagingSettings { quietStart quietEnd smsEnabled smsSignName effectiveSignName residentDailyCap phoneDailyCap miniprogramState }
  }
`);

export const UpdateMessagingSettingsDoc = graphql(`
  mutation MessagingSettingsSave($input: MessagingSettingsInput!) {
    updateMessagingSettings(input: $input) {
      settings { quietStart quietEnd smsEnabled smsSignName effectiveSignName residentDailyCap phoneDailyCap miniprogramState }
      errors { field message code }
    }
  }
`);
