'use strict';
// E2E tests talk to a live server and compile each page's WXML on first use: on a busy machine one step can
// take longer than jest's 5 s default (a unit-test budget), which is not a failure of the flow under test.
jest.setTimeout(60000);
