'use strict';
/**
 * One bound house on the home page: what is due now and the call to action.
 * `house` is a card from utils/summary.js. Events: `pay` {billIds}, `bills` {houseId}.
 */
Component({
  options: { addGlobalClass: true },
  properties: {
    house: { type: Object, value: null },
  },
  methods: {
    onPay() {
      const house = this.data.house;
      if (!house || !house.billIds.length) return;
      this.triggerEvent('pay', { billIds: house.billIds, houseId: house.id });
    },
    onBills() {
      if (!this.data.house) return;
      this.triggerEvent('bills', { houseId: this.data.house.id });
    },
  },
});
