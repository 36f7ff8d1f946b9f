'use strict';
/**
 * 报修 / 投诉 (?kind=COMPLAINT&houseId=…): one of my houses, the kind, a category of the company's, what is
 * wrong, who to call, up to 9 photos (uploaded as they are picked). The server's field errors land under
 * their fields; after submitting the ticket's page opens.
 */
const pageBehavior = require('../../behaviors/page');
const serviceForm = require('../../behaviors/service-form');
const auth = require('../../services/auth');
const housesApi = require('../../services/houses');
const servicesApi = require('../../services/services');
const { messageOf } = require('../../utils/api');
const { houseOptions, phoneError } = require('../../utils/tickets');

const KINDS_OFFERED = ['REPAIR', 'COMPLAINT'];
const FIELDS = ['houseId', 'kind', 'categoryId', 'description', 'contactName', 'contactPhone', 'photoIds'];

Component({
  behaviors: [pageBehavior, serviceForm],
  data: {
    kind: 'REPAIR',
    categories: [],
    categoryId: '',
    form: { description: '', contactName: '', contactPhone: '' },
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
        this.setData({ loading: false, houses: options, houseId: this.houseToSelect(options), categories });
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
      if (!this.startSubmit(this.validate())) return;
      await this.fileTicket({ kind: d.kind, categoryId: d.categoryId || null, description: d.form.description.trim() }, FIELDS);
    },
  },
});
