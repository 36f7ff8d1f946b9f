'use strict';
/**
 * 室温报告 (?houseId=…): the temperature the resident measured at home (−10…40 ℃, one decimal), an optional
 * photo of the thermometer, a note and who to call. It becomes a TEMPERATURE ticket: a technician comes
 * within the city's response time and measures by the city's procedure; a shortfall the utility caused
 * earns a refund automatically.
 */
const pageBehavior = require('../../behaviors/page');
const auth = require('../../services/auth');
const housesApi = require('../../services/houses');
const servicesApi = require('../../services/services');
const nav = require('../../utils/nav');
const wxp = require('../../utils/wxp');
const { isApiError, messageOf, KINDS } = require('../../utils/api');
const { checkTemperature, houseOptions, phoneError, splitErrors } = require('../../utils/tickets');

const FIELDS = ['houseId', 'reportedTemp', 'description', 'contactName', 'contactPhone', 'photoIds'];

Component({
  behaviors: [pageBehavior],
  data: {
    loading: true,
    error: '',
    houses: [],
    houseId: '',
    form: { reportedTemp: '', description: '', contactName: '', contactPhone: '' },
    uploading: 0,
    errors: {},
    formError: '',
    submitting: false,
  },
  methods: {
    onLoad(options) {
      this.wantedHouseId = options && options.houseId ? String(options.houseId) : '';
      this.photoIds = [];
      return this.load();
    },

    async load() {
      this.setData({ error: '' });
      try {
        await auth.ensureLogin();
        const options = houseOptions(await housesApi.myHouses());
        const wanted = options.find((h) => h.id === (this.data.houseId || this.wantedHouseId));
        this.setData({ loading: false, houses: options, houseId: wanted ? wanted.id : (options.length === 1 ? options[0].id : '') });
      } catch (err) {
        this.setData({ loading: false, error: messageOf(err) });
      }
    },

    onRetry() {
      this.setData({ loading: true });
      return this.load();
    },

    onBindHouse() {
      nav.go('/pages/house-bind/house-bind');
    },

    onHouse(e) {
      this.setData({ houseId: String(e.currentTarget.dataset.id), 'errors.houseId': '', formError: '' });
    },

    onInput(e) {
      const field = e.currentTarget.dataset.field;
      const value = String(e.detail.value || '');
      this.setData({ [`form.${field}`]: field === 'description' ? value : value.trim(), [`errors.${field}`]: '', formError: '' });
    },

    onPhotos(e) {
      this.photoIds = e.detail.photoIds;
      this.setData({ uploading: e.detail.uploading, 'errors.photoIds': '' });
    },

    async onSubmit() {
      const d = this.data;
      if (d.submitting) return;
      const errors = {};
      if (!d.houseId) errors.houseId = '请选择房屋';
      const temp = checkTemperature(d.form.reportedTemp);
      if (temp.error) errors.reportedTemp = temp.error;
      if (!d.form.contactName) errors.contactName = '请填写联系人';
      const phone = phoneError(d.form.contactPhone);
      if (phone) errors.contactPhone = phone;
      if (Object.keys(errors).length) {
        this.setData({ errors, formError: '' });
        return;
      }
      if (d.uploading) {
        this.setData({ formError: '图片正在上传，请稍候再提交' });
        return;
      }
      this.setData({ submitting: true, errors: {}, formError: '' });
      let ticket;
      try {
        ticket = await servicesApi.submitTicket({
          houseId: d.houseId,
          kind: 'TEMPERATURE',
          reportedTemp: temp.value,
          description: d.form.description.trim() || `住户报告室温 ${temp.value}℃`,
          contactName: d.form.contactName,
          contactPhone: d.form.contactPhone,
          photoIds: this.photoIds,
        });
      } catch (err) {
        const state = { submitting: false };
        if (isApiError(err) && err.kind === KINDS.PAYLOAD) {
          const split = splitErrors(err.errors, FIELDS);
          state.errors = split.fields;
          state.formError = split.formError;
        } else {
          state.formError = messageOf(err);
        }
        this.setData(state);
        return;
      }
      this.setData({ submitting: false });
      wxp.toast('已提交', 'success');
      nav.redirect('/pages/ticket-detail/ticket-detail', { id: ticket.id });
    },
  },
});
