'use strict';
/**
 * Messaging (issue 17): the company's announcements (targeted to my houses, with my read state), the knowledge
 * base (常见问题), my in-app inbox (every message the company sent me: receipts, bill notices, ticket updates),
 * my SMS opt-in, and the WeChat subscription-message grants (which templates to ask for, what I answered).
 * Announcement and article bodies are HTML the server sanitized; utils/richtext.js prepares them for
 * <rich-text>.
 */
const { unwrap } = require('../utils/api');
const client = require('./client');

const ERRORS = 'errors { field message code }';
const MESSAGE_FIELDS = 'id kind title body page read createdAt';
const ANNOUNCEMENT_FIELDS = 'id title summary pinned publishedAt read';
const ARTICLE_LIST_FIELDS = 'id title summary category { id name }';

const MY_MESSAGES = `query MyMessages($first: Int, $offset: Int) {
  myMessages(first: $first, offset: $offset) { items { ${MESSAGE_FIELDS} } total unread }
}`;
const UNREAD_MESSAGE_COUNT = 'query UnreadMessageCount { unreadMessageCount }';
const MARK_MESSAGES_READ = `mutation MarkMessagesRead($ids: [ID!], $all: Boolean) {
  markMessagesRead(ids: $ids, all: $all) { count ${ERRORS} }
}`;
const PREFERENCES_FIELDS = 'smsOptIn phoneMasked hasPhone';
const MESSAGING_PREFERENCES = `query MessagingPreferences { messagingPreferences { ${PREFERENCES_FIELDS} } }`;
const SET_SMS_OPT_IN = `mutation SetSmsOptIn($optIn: Boolean!) {
  setSmsOptIn(optIn: $optIn) { preferences { ${PREFERENCES_FIELDS} } ${ERRORS} }
}`;
const SUBSCRIPTION_TEMPLATES = `query SubscriptionTemplates($scene: SubscribeScene!) {
  subscriptionTemplates(scene: $scene)
}`;
const RECORD_SUBSCRIPTION_RESULTS = `mutation RecordSubscriptionResults($results: [SubscriptionResultInput!]!) {
  recordSubscriptionResults(results: $results) { granted ${ERRORS} }
}`;

const ANNOUNCEMENTS = `query Announcements($first: Int, $offset: Int) {
  announcements(first: $first, offset: $offset) { items { ${ANNOUNCEMENT_FIELDS} } total unread }
}`;
const ANNOUNCEMENT = `query Announcement($id: ID!) { announcement(id: $id) { ${ANNOUNCEMENT_FIELDS} body } }`;
const MARK_ANNOUNCEMENT_READ = `mutation MarkAnnouncementRead($id: ID!) { markAnnouncementRead(id: $id) { ${ERRORS} } }`;
const HOME_NOTICES = `query HomeNotices {
  unreadMessageCount
  announcements(first: 1, offset: 0) { items { ${ANNOUNCEMENT_FIELDS} } unread }
}`;
const KB_CATEGORIES = 'query KbCategories { kbCategories { id name articleCount } }';
const KB_ARTICLES = `query KbArticles($categoryId: ID, $search: String, $first: Int, $offset: Int) {
  kbArticles(categoryId: $categoryId, search: $search, first: $first, offset: $offset) {
    items { ${ARTICLE_LIST_FIELDS} } total
  }
}`;
const KB_ARTICLE = `query KbArticle($id: ID!) {
  kbArticle(id: $id) { ${ARTICLE_LIST_FIELDS} body updatedAt }
}`;

function page(answer) {
  const p = answer || {};
  return { items: p.items || [], total: p.total || 0, unread: p.unread || 0 };
}

/** My inbox, newest first -> {items, total, unread}. */
async function myMessages(offset, first) {
  return page((await client.query(MY_MESSAGES, { offset, first })).myMessages);
}

async function unreadMessageCount() {
  return (await client.query(UNREAD_MESSAGE_COUNT)).unreadMessageCount || 0;
}

/** Mark some of my messages read (ids) or all of them (all: true) -> how many changed. */
async function markMessagesRead(ids, all) {
  const variables = all ? { all: true } : { ids: ids.map(String) };
  return unwrap(await client.mutate(MARK_MESSAGES_READ, variables), 'markMessagesRead').count;
}

/** -> {smsOptIn, phoneMasked, hasPhone} */
async function preferences() {
  return (await client.query(MESSAGING_PREFERENCES)).messagingPreferences;
}

async function setSmsOptIn(optIn) {
  return unwrap(await client.mutate(SET_SMS_OPT_IN, { optIn: Boolean(optIn) }), 'setSmsOptIn').preferences;
}

/** The WeChat template ids to ask for at this moment (PAYMENT | TICKET | BILL), at most 3, maybe none. */
async function subscriptionTemplates(scene) {
  return (await client.query(SUBSCRIPTION_TEMPLATES, { scene })).subscriptionTemplates || [];
}

/** What the resident answered per template: [{templateId, result: accept|reject|ban|filter}] -> granted count. */
async function recordSubscriptionResults(results) {
  return unwrap(await client.mutate(RECORD_SUBSCRIPTION_RESULTS, { results }), 'recordSubscriptionResults').granted;
}

/** The announcements that reach my houses, pinned first, newest first -> {items, total, unread}. */
async function announcements(offset, first) {
  return page((await client.query(ANNOUNCEMENTS, { offset, first })).announcements);
}

/** One of them with its body, or null (missing, withdrawn, expired and not mine look the same). */
async function announcement(id) {
  return (await client.query(ANNOUNCEMENT, { id: String(id) })).announcement;
}

async function markAnnouncementRead(id) {
  unwrap(await client.mutate(MARK_ANNOUNCEMENT_READ, { id: String(id) }), 'markAnnouncementRead');
}

/** 首页 in one request -> {unreadMessages, unreadAnnouncements, latest: the newest announcement (pinned first) or null}. */
async function homeNotices() {
  const data = await client.query(HOME_NOTICES);
  const list = data.announcements || {};
  return {
    unreadMessages: data.unreadMessageCount || 0,
    unreadAnnouncements: list.unread || 0,
    latest: (list.items || [])[0] || null,
  };
}

async function kbCategories() {
  return (await client.query(KB_CATEGORIES)).kbCategories || [];
}

/** Published articles, of a category and/or matching a search -> {items, total}. */
async function kbArticles({ categoryId, search, offset, first }) {
  const variables = { offset, first };
  if (categoryId) variables.categoryId = String(categoryId);
  if (search) variables.search = search;
  return page((await client.query(KB_ARTICLES, variables)).kbArticles);
}

async function kbArticle(id) {
  return (await client.query(KB_ARTICLE, { id: String(id) })).kbArticle;
}

module.exports = {
  myMessages, unreadMessageCount, markMessagesRead, preferences, setSmsOptIn,
  subscriptionTemplates, recordSubscriptionResults,
  announcements, announcement, markAnnouncementRead, homeNotices, kbCategories, kbArticles, kbArticle,
};
