'use strict';
// `npm test` runs the unit project; `npm run test:e2e` the E2E one (needs a live server, see README).
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'jsdom',
      roots: ['<rootDir>/tests/unit'],
      setupFilesAfterEnv: ['<rootDir>/tests/support/setup.js'],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'jsdom',
      roots: ['<rootDir>/tests/e2e'],
      setupFilesAfterEnv: ['<rootDir>/tests/support/setup.js', '<rootDir>/tests/e2e/timeout.js'],
    },
  ],
};
