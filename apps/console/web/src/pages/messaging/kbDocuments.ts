// @access knowledgeBase
// 知识库 (admins): categories and articles, drafts included.
import { graphql } from '../../gql/tenant';

export const KbCategoriesDoc = graphql(`
  query KnowledgeBaseCategories {
    kbCategoriesAdmin { id name position articleCount }
  }
`);

export const KbArticlesDoc = graphql(`
  query KnowledgeBaseArticles($categoryId: ID, $search: String, $first: Int, $offset: Int) {
    kbArticlesAdmin(categoryId: $categoryId, search: $search, first: $first, offset: $offset) {
      total
      items { id category { id name } title body keywords status position viewCount updatedAt }
    }
  }
`);

export const SaveKbCategoryDoc = graphql(`
  mutation KnowledgeBaseSaveCategory($id: ID, $input: KbCategoryInput!) {
    saveKbCategory(id: $id, input: $input) { category { id name position } errors { field message code } }
  }
`);

export const DeleteKbCategoryDoc = graphql(`
  mutation KnowledgeBaseDeleteCategory($id: ID!) {
    deleteKbCategory(id: $id) { deletedId errors { field message code } }
  }
`);

export const SaveKbArticleDoc = graphql(`
  mutation KnowledgeBaseSaveArticle($id: ID, $input: KbArticleInput!) {
    saveKbArticle(id: $id, input: $input) { article { id status } errors { field message code } }
  }
`);

export const DeleteKbArticleDoc = graphql(`
  mutation KnowledgeBaseDeleteArticle($id: ID!) {
    deleteKbArticle(id: $id) { deletedId errors { field message code } }
  }
`);
