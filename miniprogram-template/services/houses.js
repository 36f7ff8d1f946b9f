'use strict';
const { unwrap } = require('../utils/api');
const client = require('./client');

const HOUSE_FIELDS = 'id accountNo address buildingArea usableArea heatingStatus ownerName role';

const MY_HOUSES = `query MyHouses { myHouses { ${HOUSE_FIELDS} } }`;
const BIND_HOUSE = `mutation BindHouse($accountNo: String!, $ownerName: String, $phoneLast4: String, $role: BindingRole) {
  bindHouse(accountNo: $accountNo, ownerName: $ownerName, phoneLast4: $phoneLast4, role: $role) {
    house { ${HOUSE_FIELDS} } errors { field message code }
  }
}`;
const BINDING_SETTINGS = 'query HouseBindingSettings { houseBindingSettings { phoneLast4Allowed } }';
const UNBIND_HOUSE = `mutation UnbindHouse($houseId: ID!) {
  unbindHouse(houseId: $houseId) { ok errors { field message code } }
}`;

async function myHouses() {
  const data = await client.query(MY_HOUSES);
  return data.myHouses || [];
}

/** proof: {ownerName} or {phoneLast4}; role: OWNER | FAMILY | TENANT (optional). */
async function bindHouse(accountNo, proof, role) {
  const variables = { accountNo };
  if (proof.ownerName) variables.ownerName = proof.ownerName;
  if (proof.phoneLast4) variables.phoneLast4 = proof.phoneLast4;
  if (role) variables.role = role;
  return unwrap(await client.mutate(BIND_HOUSE, variables), 'bindHouse').house;
}

/**
 * Which proofs this company accepts: the owner's name always, the last 4 digits
 * of the owner's phone only where the company turned them on. Never rejects:
 * when the answer is unknown (older server, network) only the name is offered.
 */
async function bindingSettings() {
  try {
    const data = await client.query(BINDING_SETTINGS, {}, { auth: false });
    const settings = data.houseBindingSettings || {};
    return { phoneLast4Allowed: settings.phoneLast4Allowed === true };
  } catch (e) {
    return { phoneLast4Allowed: false };
  }
}

async function unbindHouse(houseId) {
  return unwrap(await client.mutate(UNBIND_HOUSE, { houseId }), 'unbindHouse').ok;
}

module.exports = { myHouses, bindHouse, unbindHouse, bindingSettings };
