'use strict';
/**
 * 报停 / 恢复供暖 (?houseId=…): for one of my houses, the coming seasons with the company's deadline, the
 * share of the fee still charged (基本热费) and, where not allowed, why (optOutOptions); an application with
 * a reason and a photo proving ownership; resumption for an opted-out house (season, the day heat returns);
 * my applications with their status, cancellable until approved.
 */
const pageBehavior = require('../../behaviors/page');
const serviceForm = require('../../behaviors/service-form');
const auth = require('../../services/auth');
const housesApi = require('../../services/houses');
const servicesApi = require('../../services/services');
const wxp = require('../../utils/wxp');
const { HEATING_STATUS } = require('../../utils/format');
const { messageOf } = require('../../utils/api');
const { applicationView, optionView, houseOptions, phoneError } = require('../../utils/tickets');

const FIELDS = ['houseId', 'seasonId', 'kind', 'reason', 'applicantName', 'contactPhone', 'effectiveDate', 'photoIds'];

function emptyForm() {
  return { kind: '', seasonId: '', seasonName: '', reason: '', applicantName: '', contactPhone: '', effectiveDate: '' };
}

/** Today in China time (UTC+8) as YYYY-MM-DD: the first day a resumption may ask for. */
function chinaToday() {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

Component({
  behaviors: [pageBehavior, serviceForm],
  data: {
    optionsLoading: false,
    optionsError: '',
    heatingStatusText: '',
    options: [],
    canResume: false,
    resumeSeasons: [],
    applications: [],
    form: emptyForm(),
    today: '',
  },
  methods: {
    onLoad(options) {
      this.wantedHouseId = options && options.houseId ? String(options.houseId) : '';
      this.photoIds = [];
      return this.load();
    },

    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh());
    },

    async load() {
      this.setData({ error: '', today: chinaToday() });
      try {
        await auth.ensureLogin();
        const [houses, applications] = await Promise.all([housesApi.myHouses(), servicesApi.myOptOutApplications()]);
        const list = houseOptions(houses);
        const houseId = this.houseToSelect(list);
        this.setData({ loading: false, houses: list, houseId, applications: applications.map(applicationView) });
        if (houseId) await this.loadOptions(houseId);
      } catch (err) {
        this.setData({ loading: false, error: messageOf(err) });
      }
    },

    async loadOptions(houseId) {
      this.setData({ optionsLoading: true, optionsError: '' });
      try {
        const answer = await servicesApi.optOutOptions(houseId);
        if (this.data.houseId !== houseId) return;
        if (!answer) {
          this.setData({ optionsLoading: false, optionsError: '房屋不存在或已解绑', options: [], canResume: false, resumeSeasons: [] });
          return;
        }
        const status = String(answer.heatingStatus || '').toUpperCase();
        this.setData({
          optionsLoading: false,
          heatingStatusText: HEATING_STATUS[status] || '',
          options: answer.options.map(optionView),
          canResume: answer.canResume,
          resumeSeasons: answer.resumeSeasons.map((s) => ({ id: String(s.id), name: s.name, heatingStart: s.heatingStart, heatingEnd: s.heatingEnd })),
        });
      } catch (err) {
        if (this.data.houseId === houseId) this.setData({ optionsLoading: false, optionsError: messageOf(err) });
      }
    },

    onHouse(e) {
      const houseId = String(e.currentTarget.dataset.id);
      if (houseId === this.data.houseId) return undefined;
      this.setData({ houseId, form: emptyForm(), errors: {}, formError: '', options: [], canResume: false, resumeSeasons: [] });
      return this.loadOptions(houseId);
    },

    /** 申请报停 on a season that allows it. */
    onApply(e) {
      const option = this.data.options.find((o) => o.seasonId === String(e.currentTarget.dataset.season));
      if (!option || !option.canApply) return;
      this.openForm({ kind: 'OPT_OUT', seasonId: option.seasonId, seasonName: option.seasonName });
    },

    /** 申请恢复供暖: the current season first. */
    onResume() {
      const season = this.data.resumeSeasons[0];
      if (!this.data.canResume || !season) return;
      this.openForm({ kind: 'RESUME', seasonId: season.id, seasonName: season.name });
    },

    openForm(values) {
      this.photoIds = [];
      this.setData({ form: Object.assign(emptyForm(), values), errors: {}, formError: '', uploading: 0 });
    },

    onCloseForm() {
      this.setData({ form: emptyForm(), errors: {}, formError: '' });
    },

    onResumeSeason(e) {
      const season = this.data.resumeSeasons.find((s) => s.id === String(e.currentTarget.dataset.id));
      if (season) this.setData({ 'form.seasonId': season.id, 'form.seasonName': season.name, 'errors.seasonId': '' });
    },

    async onSubmit() {
      const d = this.data;
      const f = d.form;
      if (d.submitting || !f.kind) return;
      const errors = {};
      if (!f.reason.trim()) errors.reason = f.kind === 'RESUME' ? '请填写恢复供暖的原因' : '请填写报停原因';
      if (!f.applicantName) errors.applicantName = '请填写申请人姓名';
      const phone = phoneError(f.contactPhone);
      if (phone) errors.contactPhone = phone;
      if (f.kind === 'OPT_OUT' && !this.photoIds.length && !d.uploading) errors.photoIds = '请上传房产证或购房合同等产权证明照片';
      if (!this.startSubmit(errors)) return;
      try {
        await servicesApi.applyOptOut({
          houseId: d.houseId,
          seasonId: f.seasonId,
          kind: f.kind,
          reason: f.reason.trim(),
          applicantName: f.applicantName,
          contactPhone: f.contactPhone,
          effectiveDate: f.kind === 'RESUME' ? f.effectiveDate : '',
          photoIds: this.photoIds,
        });
      } catch (err) {
        this.submitFailed(err, FIELDS);
        return;
      }
      this.setData({ submitting: false, form: emptyForm() });
      wxp.toast('申请已提交', 'success');
      await this.refreshAfterChange();
    },

    async refreshAfterChange() {
      try {
        const applications = await servicesApi.myOptOutApplications();
        this.setData({ applications: applications.map(applicationView) });
      } catch (err) {
        // the list catches up on the next visit
      }
      if (this.data.houseId) await this.loadOptions(this.data.houseId);
    },

    onPreview(e) {
      const app = this.data.applications.find((a) => a.id === String(e.currentTarget.dataset.app));
      if (!app) return;
      wx.previewImage({ urls: app.photos.map((p) => p.url), current: e.currentTarget.dataset.url, fail: () => {} });
    },

    async onCancelApplication(e) {
      const id = String(e.currentTarget.dataset.id);
      const app = this.data.applications.find((a) => a.id === id);
      if (!app || !app.canCancel) return;
      const ok = await wxp.confirm('撤销申请', `确定撤销${app.seasonName}的${app.kindText}申请吗？`, '撤销');
      if (!ok) return;
      try {
        await servicesApi.cancelOptOut(id);
      } catch (err) {
        wxp.toast(messageOf(err));
        return;
      }
      wxp.toast('已撤销', 'success');
      await this.refreshAfterChange();
    },
  },
});
