'use strict';
/** About: the company (from ext config), the app version, the service phone. */
const pageBehavior = require('../../behaviors/page');

function appVersion() {
  try {
    const info = wx.getAccountInfoSync().miniProgram;
    return info.version || (info.envVersion === 'release' ? '' : '开发版');
  } catch (e) {
    return '';
  }
}

Component({
  behaviors: [pageBehavior],
  data: { version: '' },
  methods: {
    onLoad() {
      this.setData({ version: appVersion() });
    },
  },
});
