'use strict';
/** The app's GraphQL client: tenant endpoint from ext config, token from the session. */
const { createClient } = require('../utils/api');
const config = require('../utils/config');
const session = require('../utils/session');

let client = null;

function get() {
  if (!client) {
    client = createClient({
      endpoint: () => config.get().graphqlUrl,
      getToken: () => session.getToken(),
      // required lazily: auth itself talks through this client
      relogin: () => require('./auth').login(),
    });
  }
  return client;
}

function query(document, variables, options) {
  return get().query(document, variables, options);
}

function mutate(document, variables, options) {
  return get().mutate(document, variables, options);
}

/** Tests: build a new client on next use. */
function reset() {
  client = null;
}

module.exports = { query, mutate, reset };
