'use strict';
/**
 * Bind a house: 户号 + 户主姓名, or 户号 + the last 4 digits of the owner's phone
 * where the company allows that weaker proof (houseBindingSettings, off by default).
 */
const pageBehavior = require('../../behaviors/page');
const housesApi = require('../../services/houses');
const nav = require('../../utils/nav');
const wxp = require('../../utils/wxp');
const { isApiError, messageOf, KINDS } = require('../../utils/api');

const ROLES = [
  { value: 'OWNER', label: '业主' },
  { value: 'FAMILY', label: '家属' },
  { value: 'TENANT', label: '租户' },
];

Component({
  behaviors: [pageBehavior],
  data: {
    accountNo: '',
    method: 'name', // name | phone
    phoneAllowed: false, // the company accepts the owner's phone last 4 digits
    ownerName: '',
    phoneLast4: '',
    roles: ROLES,
    roleIndex: 0,
    errors: {},
    formError: '',
    submitting: false,
  },
  methods: {
    async onLoad() {
      const settings = await housesApi.bindingSettings();
      const state = { phoneAllowed: settings.phoneLast4Allowed };
      if (!state.phoneAllowed && this.data.method === 'phone') Object.assign(state, { method: 'name', errors: {} });
      this.setData(state);
    },

    onInput(e) {
      const field = e.currentTarget.dataset.field;
      this.setData({ [field]: String(e.detail.value || '').trim(), [`errors.${field}`]: '', formError: '' });
    },

    onMethod(e) {
      const method = e.currentTarget.dataset.method;
      if (method === 'phone' && !this.data.phoneAllowed) return;
      this.setData({ method, errors: {}, formError: '' });
    },

    onRole(e) {
      this.setData({ roleIndex: Number(e.detail.value) || 0 });
    },

    validate() {
      const d = this.data;
      const errors = {};
      if (!d.accountNo) errors.accountNo = '请输入户号';
      const byPhone = d.method === 'phone' && d.phoneAllowed;
      if (!byPhone && !d.ownerName) errors.ownerName = '请输入户主姓名';
      if (byPhone && !/^\d{4}$/.test(d.phoneLast4)) errors.phoneLast4 = '请输入户主手机号后 4 位';
      return errors;
    },

    async onSubmit() {
      if (this.data.submitting) return;
      const errors = this.validate();
      if (Object.keys(errors).length) {
        this.setData({ errors, formError: '' });
        return;
      }
      const d = this.data;
      const proof = d.method === 'phone' && d.phoneAllowed ? { phoneLast4: d.phoneLast4 } : { ownerName: d.ownerName };
      this.setData({ submitting: true, errors: {}, formError: '' });
      try {
        await housesApi.bindHouse(d.accountNo, proof, ROLES[d.roleIndex].value);
        this.setData({ submitting: false });
        wxp.toast('绑定成功', 'success');
        nav.back();
      } catch (err) {
        const state = { submitting: false };
        if (isApiError(err) && err.kind === KINDS.PAYLOAD && err.hasCode('PROOF_NOT_ALLOWED')) {
          // the company turned the phone proof off since the page opened: offer the name only
          Object.assign(state, { phoneAllowed: false, method: 'name', errors: {}, formError: err.fieldErrors().phoneLast4 });
        } else if (isApiError(err) && err.kind === KINDS.PAYLOAD) {
          const byField = err.fieldErrors();
          state.errors = {};
          ['accountNo', 'ownerName', 'phoneLast4'].forEach((f) => { if (byField[f]) state.errors[f] = byField[f]; });
          const other = Object.keys(byField).filter((f) => !state.errors[f]).map((f) => byField[f]);
          state.formError = other.join('；');
        } else {
          state.formError = messageOf(err);
        }
        this.setData(state);
      }
    },
  },
});
