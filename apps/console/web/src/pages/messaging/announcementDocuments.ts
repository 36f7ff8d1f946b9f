// @access announcements
// 公告 (admins): the list with read and reach counts, and every change to an announcement.
import { graphql } from '../../gql/tenant';

export const AnnouncementsListDoc = graphql(`
  query AnnouncementsPageList($status: AnnouncementStatus, $search: String, $first: Int, $offset: Int) {
    announcementsAdmin(status: $status, search: $search, first: $first, offset: $offset) {
      total
      items { id title body summary audience communityIds buildingIds status pinned publishAt expiresAt readCount targetCount createdBy createdAt updatedAt }
    }
  }
`);

export const AnnouncementCommunitiesDoc = graphql(`
  query AnnouncementsPageCommunities {
    communities(first: 100) { totalCount items { id name } }
  }
`);

export const AnnouncementBuildingsDoc = graphql(`
  query AnnouncementsPageBuildings($communityId: ID!) {
    buildings(communityId: $communityId) { id name communityId communityName }
  }
`);

export const CreateAnnouncementDoc = graphql(`
  mutation AnnouncementsPageCreate($input: AnnouncementInput!) {
    createAnnouncement(input: $input) { announcement { id status } errors { field message code } }
  }
`);

export const UpdateAnnouncementDoc = graphql(`
  mutation AnnouncementsPageUpdate($id: ID!, $input: AnnouncementInput!) {
    updateAnnouncement(id: $id, input: $input) { announcement { id status } errors { field message code } }
  }
`);

export const PublishAnnouncementDoc = graphql(`
  mutation AnnouncementsPagePublish($id: ID!, $publishAt: DateTime) {
    publishAnnouncement(id: $id, publishAt: $publishAt) { announcement { id status publishAt targetCount } errors { field message code } }
  }
`);

export const WithdrawAnnouncementDoc = graphql(`
  mutation AnnouncementsPageWithdraw($id: ID!) {
    withdrawAnnouncement(id: $id) { announcement { id status } errors { field message code } }
  }
`);

export const DeleteAnnouncementDoc = graphql(`
  mutation AnnouncementsPageDelete($id: ID!) {
    deleteAnnouncement(id: $id) { deletedId errors { field message code } }
  }
`);
