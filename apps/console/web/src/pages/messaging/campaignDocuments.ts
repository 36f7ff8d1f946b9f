// @access campaigns
// 通知活动 (admins, finance): the dry-run count per channel, starting a campaign, and the campaigns with progress.
import { graphql } from '../../gql/tenant';

export const CampaignSeasonsDoc = graphql(`
  query CampaignsPageSeasons {
    seasons { id name status published }
    communities(first: 100) { totalCount items { id name } }
  }
`);

export const CampaignPreviewDoc = graphql(`
  query CampaignsPagePreview($input: CampaignInput!) {
    campaignPreview(input: $input) { total alreadySent byChannel { wechat sms inApp } }
  }
`);

export const StartCampaignDoc = graphql(`
  mutation CampaignsPageStart($input: CampaignInput!) {
    startCampaign(input: $input) { campaign { id status } errors { field message code } }
  }
`);

export const CampaignsListDoc = graphql(`
  query CampaignsPageList($first: Int, $offset: Int) {
    campaigns(first: $first, offset: $offset) {
      total
      items {
        id kind season { id name } stage arrearsOnly communityIds status statusText total enqueued processed error createdBy createdAt startedAt finishedAt
        byChannel { wechat sms inApp pending failed cancelled }
      }
    }
  }
`);

export const CancelCampaignDoc = graphql(`
  mutation CampaignsPageCancel($id: ID!) {
    cancelCampaign(id: $id) { campaign { id status statusText } errors { field message code } }
  }
`);
