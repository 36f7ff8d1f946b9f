'use strict';
/**
 * Optional refresh of the company's branding (`branding` query, no login
 * needed). The ext config baked into the build stays primary: a failure here
 * (older server, network) changes nothing.
 */
const config = require('../utils/config');
const client = require('./client');

const BRANDING = 'query Branding { branding { displayName logoUrl themeColor servicePhone } }';

/** Resolves true when the visible branding changed. Never rejects. */
async function refresh() {
  try {
    const data = await client.query(BRANDING, {}, { auth: false });
    return config.applyBranding(data.branding);
  } catch (e) {
    return false;
  }
}

module.exports = { refresh };
