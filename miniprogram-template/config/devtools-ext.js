'use strict';
/**
 * Development only: the ext config used when the template runs in WeChat
 * DevTools under a test AppID, where ext.json is ignored. It mirrors
 * ext.json (a unit test keeps them equal) and points at `make run`'s demo
 * company. utils/config.js reads it only when wx.getExtConfigSync() has no
 * apiBaseUrl AND the platform is "devtools"; on a phone it is never used.
 */
module.exports = {
  apiBaseUrl: 'http://demo.localhost:8000',
  companyName: '暖云演示热力公司',
  themeColor: '#E8590C',
  logoUrl: '',
  servicePhone: '400-800-0000',
  tenant: 'demo',
  sandboxUser: 'demo-resident',
  sandboxPhone: '13800138000',
  sandboxPayUrl: 'http://localhost:8000/sandbox/wechatpay/confirm',
};
