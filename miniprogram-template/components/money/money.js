'use strict';
/** <money fen="{{12345}}" size="lg" />  →  ¥123.45 (integer fen in, exact text out). */
const { yuan } = require('../../utils/money');

Component({
  options: { addGlobalClass: true },
  properties: {
    fen: { type: Number, value: 0 },
    size: { type: String, value: 'md' },
    tone: { type: String, value: 'theme' },
  },
  data: { text: '¥0.00' },
  observers: {
    fen(value) {
      this.setData({ text: yuan(Number.isInteger(value) ? value : 0) });
    },
  },
  lifetimes: {
    attached() {
      this.setData({ text: yuan(Number.isInteger(this.data.fen) ? this.data.fen : 0) });
    },
  },
});
