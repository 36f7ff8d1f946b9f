'use strict';
/** 抬头 book: my saved invoice titles — list, add, edit, delete, choose the default. */
const pageBehavior = require('../../behaviors/page');
const auth = require('../../services/auth');
const invoicesApi = require('../../services/invoices');
const wxp = require('../../utils/wxp');
const { isApiError, messageOf, KINDS } = require('../../utils/api');
const {
  titleView, emptyTitleForm, formFromTitle, validateTitle, titleInput, splitFieldErrors, normalizeTaxNo,
} = require('../../utils/invoice');

Component({
  behaviors: [pageBehavior],
  data: {
    loading: true,
    error: '',
    titles: [],
    editing: false,
    editingId: '',
    form: emptyTitleForm('PERSONAL'),
    isDefault: false,
    errors: {},
    formError: '',
    saving: false,
    busy: false,
  },
  methods: {
    onLoad() {
      return this.load();
    },

    async load() {
      this.setData({ error: '' });
      try {
        await auth.ensureLogin();
        const titles = await invoicesApi.myInvoiceTitles();
        this.setData({ loading: false, titles: titles.map(titleView) });
      } catch (err) {
        this.setData({ loading: false, error: messageOf(err) });
      }
    },

    onRetry() {
      this.setData({ loading: true });
      return this.load();
    },

    titleById(id) {
      return this.data.titles.find((t) => t.id === String(id)) || null;
    },

    onAdd() {
      this.setData({
        editing: true, editingId: '', form: emptyTitleForm('PERSONAL'), isDefault: this.data.titles.length === 0,
        errors: {}, formError: '',
      });
    },

    onEdit(e) {
      const title = this.titleById(e.currentTarget.dataset.id);
      if (!title) return;
      this.setData({ editing: true, editingId: title.id, form: formFromTitle(title), isDefault: title.isDefault, errors: {}, formError: '' });
    },

    onCancel() {
      this.setData({ editing: false, errors: {}, formError: '' });
    },

    onKind(e) {
      this.setData({ 'form.kind': e.currentTarget.dataset.kind, errors: {}, formError: '' });
    },

    onInput(e) {
      const field = e.currentTarget.dataset.field;
      let value = String(e.detail.value || '');
      value = field === 'taxNo' ? normalizeTaxNo(value) : value.trim();
      this.setData({ [`form.${field}`]: value, [`errors.${field}`]: '', formError: '' });
    },

    onDefaultSwitch(e) {
      this.setData({ isDefault: Boolean(e.detail.value) });
    },

    async onSave() {
      const d = this.data;
      if (d.saving) return;
      const errors = validateTitle(d.form);
      if (Object.keys(errors).length) {
        this.setData({ errors, formError: '' });
        return;
      }
      this.setData({ saving: true, errors: {}, formError: '' });
      try {
        await invoicesApi.saveInvoiceTitle(d.editingId || null, titleInput(d.form, Boolean(d.editingId)), d.isDefault);
      } catch (err) {
        const state = { saving: false };
        if (isApiError(err) && err.kind === KINDS.PAYLOAD) {
          const split = splitFieldErrors(err.errors);
          state.errors = split.fields;
          state.formError = split.formError;
        } else {
          state.formError = messageOf(err);
        }
        this.setData(state);
        return;
      }
      this.setData({ saving: false, editing: false });
      wxp.toast('已保存', 'success');
      await this.load();
    },

    async onMakeDefault(e) {
      const title = this.titleById(e.currentTarget.dataset.id);
      if (!title || this.data.busy) return;
      this.setData({ busy: true });
      try {
        await invoicesApi.saveInvoiceTitle(title.id, titleInput(formFromTitle(title), true), true);
        await this.load();
      } catch (err) {
        wxp.toast(messageOf(err));
      } finally {
        this.setData({ busy: false });
      }
    },

    async onDelete(e) {
      const title = this.titleById(e.currentTarget.dataset.id);
      if (!title || this.data.busy) return;
      const ok = await wxp.confirm('删除抬头', `确定删除「${title.name}」吗？已开具的发票不受影响。`, '删除');
      if (!ok) return;
      this.setData({ busy: true });
      try {
        await invoicesApi.deleteInvoiceTitle(title.id);
        wxp.toast('已删除', 'success');
        await this.load();
      } catch (err) {
        wxp.toast(messageOf(err));
      } finally {
        this.setData({ busy: false });
      }
    },
  },
});
