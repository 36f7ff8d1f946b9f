'use strict';
const config = require('./utils/config');
const theme = require('./utils/theme');
const branding = require('./services/branding');

App({
  onLaunch() {
    const cfg = config.get();
    if (!cfg.configured) return; // pages show the "not configured" state
    branding.refresh().then((changed) => {
      if (changed) theme.applyTabBar();
    });
  },
});
