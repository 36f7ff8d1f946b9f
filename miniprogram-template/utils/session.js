'use strict';
/**
 * The resident's Bearer token (wechatLogin, ~2 h) and profile, in storage.
 * A token within a minute of expiry counts as absent, so the client logs in
 * again before sending instead of wasting a request on UNAUTHENTICATED.
 */
const storage = require('./storage');

const EXPIRY_MARGIN_MS = 60 * 1000;

function now() {
  return Date.now();
}

function save(token, expiresInSeconds) {
  const seconds = Number.isInteger(expiresInSeconds) && expiresInSeconds > 0 ? expiresInSeconds : 7200;
  storage.set('token', { token, expiresAt: now() + seconds * 1000 });
}

function getToken() {
  const stored = storage.get('token');
  if (!stored || typeof stored.token !== 'string' || !stored.token) return null;
  if (typeof stored.expiresAt === 'number' && stored.expiresAt - EXPIRY_MARGIN_MS <= now()) return null;
  return stored.token;
}

function hasToken() {
  return getToken() !== null;
}

function clear() {
  storage.remove('token');
}

function saveProfile(profile) {
  if (profile) storage.set('profile', profile);
}

function getProfile() {
  return storage.get('profile');
}

module.exports = { save, getToken, hasToken, clear, saveProfile, getProfile };
