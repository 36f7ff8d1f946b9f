'use strict';
/**
 * 室温报告 (?houseId=…): the temperature the resident measured at home (−10…40 ℃, one decimal), an optional
 * photo of the thermometer, a note and who to call. It becomes a TEMPERATURE ticket: a technician comes
 * within the city's response time and measures by the city's procedure; a shortfall the utility caused
 * earns a refund automatically.
 */
const pageBehavior = require('../../behaviors/page');
const serviceForm = require('../../behaviors/service-form');
const auth = require('../../services/auth');
const housesApi = require('../../services/houses');
const { messageOf } = require('../../utils/api');
const { checkTemperature, houseOptions, phoneError } = require('../../utils/tickets');

const FIELDS = ['houseId', 'reportedTemp', 'description', 'contactName', 'contactPhone', 'photoIds'];

Component({
  behaviors: [pageBehavior, serviceForm],
  data: {
    form: { reportedTemp: '', description: '', contactName: '', contactPhone: '' },
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
        this.setData({ loading: false, houses: options, houseId: this.houseToSelect(options) });
      } catch (err) {
        this.setData({ loading: false, error: messageOf(err) });
      }
    },

    onHouse(e) {
      this.setData({ houseId: String(e.currentTarget.dataset.id), 'errors.houseId': '', formError: '' });
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
      if (!this.startSubmit(errors)) return;
      await this.fileTicket({
        kind: 'TEMPERATURE',
        reportedTemp: temp.value,
        description: d.form.description.trim() || `住户报告室温 ${temp.value}℃`,
      }, FIELDS);
    },
  },
});
