'use strict';
/**
 * 报修 / 投诉 (?kind=COMPLAINT&houseId=…): one of my houses, the kind, a category of the company's, what is
 * wrong, who to call, up to 9 photos (uploaded as they are picked). The server's field errors land under
 * their fields; after submitting the ticket's page opens.
 */
const pageBehavior = require('../../behaviors/page');
const auth = require('../../services/auth');
const housesApi = require('../../services/houses');
const servicesApi = require('../../services/services');
const nav = require('../../utils/nav');
const wxp = require('../../utils/wxp');
const { isApiError, messageOf, KINDS } = require('../../utils/api');
const { houseOptions, phoneError, splitErrors } = require('../../utils/tickets');

const KINDS_OFFERED = ['REPAIR', 'COMPLAINT'];
const FIELDS = ['houseId', 'kind', 'categoryId', 'description', 'contactName', 'contactPhone', 'photoIds'];

Component({
  behaviors: [pageBehavior],
  data: {
    loading: true,
    error: '',
    houses: [],
    houseId: '',
    kind: 'REPAIR',
    categories: [],
    categoryId: '',
    form: { description: '', contactName: '', contactPhone: '' },
    uploading: 0,
    errors: {},
    formError: '',
    submitting: false,
  },
  methods: {
    onLoad(options) {
      const o = options || {};
      const kind = String(o.kind || '').toUpperCase();
      this.wantedHouseId = o.houseId ? String(o.houseId) : '';
      this.photoIds = [];
      this.categoryCache = {};
      this.setData({ kind: KINDS_OFFERED.indexOf(kind) >= 0 ? kind : 'REPAIR' });
      return this.load();
    },

    async load() {
      this.setData({ error: '' });
      try {
        await auth.ensureLogin();
        const [houses, categories] = await Promise.all([housesApi.myHouses(), this.categoriesOf(this.data.kind)]);
        const options = houseOptions(houses);
        const wanted = options.find((h) => h.id === (this.data.houseId || this.wantedHouseId));
        this.setData({
          loading: false,
          houses: options,
          houseId: wanted ? wanted.id : (options.length === 1 ? options[0].id : ''),
          categories,
        });
      } catch (err) {
        this.setData({ loading: false, error: messageOf(err) });
      }
    },

    async categoriesOf(kind) {
      if (!this.categoryCache[kind]) {
        const rows = await servicesApi.ticketCategories(kind);
        this.categoryCache[kind] = rows.map((c) => ({ id: String(c.id), name: c.name }));
      }
      return this.categoryCache[kind];
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

    async onKind(e) {
      const kind = e.currentTarget.dataset.kind;
      if (kind === this.data.kind) return;
      this.setData({ kind, categoryId: '', categories: [], 'errors.categoryId': '', formError: '' });
      try {
        const categories = await this.categoriesOf(kind);
        if (this.data.kind === kind) this.setData({ categories });
      } catch (err) {
        this.setData({ formError: messageOf(err) });
      }
    },

    onCategory(e) {
      this.setData({ categoryId: String(e.currentTarget.dataset.id), 'errors.categoryId': '', formError: '' });
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

    validate() {
      const d = this.data;
      const errors = {};
      if (!d.houseId) errors.houseId = '请选择房屋';
      if (d.categories.length && !d.categoryId) errors.categoryId = '请选择类别';
      if (!d.form.description.trim()) errors.description = d.kind === 'COMPLAINT' ? '请填写投诉内容' : '请描述需要维修的问题';
      if (!d.form.contactName) errors.contactName = '请填写联系人';
      const phone = phoneError(d.form.contactPhone);
      if (phone) errors.contactPhone = phone;
      return errors;
    },

    async onSubmit() {
      const d = this.data;
      if (d.submitting) return;
      const errors = this.validate();
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
          kind: d.kind,
          categoryId: d.categoryId || null,
          description: d.form.description.trim(),
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
