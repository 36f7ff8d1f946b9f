'use strict';
/** My bound houses, with unbinding. */
const pageBehavior = require('../../behaviors/page');
const auth = require('../../services/auth');
const housesApi = require('../../services/houses');
const nav = require('../../utils/nav');
const wxp = require('../../utils/wxp');
const { label, HEATING_STATUS, BINDING_ROLE } = require('../../utils/format');
const { messageOf } = require('../../utils/api');

Component({
  behaviors: [pageBehavior],
  data: {
    loading: true,
    error: '',
    houses: [],
  },
  methods: {
    onShow() {
      return this.load();
    },

    async load() {
      this.setData({ error: '' });
      try {
        await auth.ensureLogin();
        const houses = await housesApi.myHouses();
        this.setData({
          loading: false,
          houses: houses.map((h) => Object.assign({}, h, {
            heatingText: label(HEATING_STATUS, h.heatingStatus),
            roleText: label(BINDING_ROLE, h.role),
          })),
        });
      } catch (err) {
        this.setData({ loading: false, error: messageOf(err) });
      }
    },

    async onUnbind(e) {
      const { id, account } = e.currentTarget.dataset;
      const ok = await wxp.confirm('解除绑定', `确定解除与户号 ${account} 的绑定吗？解绑后将无法查看该房屋的账单。`, '解绑');
      if (!ok) return;
      try {
        await housesApi.unbindHouse(id);
        wxp.toast('已解绑', 'success');
      } catch (err) {
        wx.showModal({ title: '解绑失败', content: messageOf(err), showCancel: false });
      }
      await this.load();
    },

    onBind() {
      nav.go('/pages/house-bind/house-bind');
    },

    onRetry() {
      return this.load();
    },
  },
});
