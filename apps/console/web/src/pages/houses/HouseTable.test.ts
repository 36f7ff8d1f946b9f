import { describe, expect, it } from 'vitest';
import { houseFilter } from './HouseTable';

describe('houseFilter', () => {
  it('maps the search form to HouseFilter, blanks meaning no filter', () => {
    expect(houseFilter({ current: 2, search: '  H1000 ', heatingStatus: 'OPTED_OUT', communityId: '3', buildingId: '9' })).toEqual({
      search: 'H1000',
      communityId: '3',
      buildingId: '9',
      heatingStatus: 'OPTED_OUT',
      category: undefined,
      lowIncome: undefined,
      inArrears: undefined,
    });
    expect(houseFilter({ search: '   ', lowIncome: '' })).toEqual({
      search: undefined,
      communityId: undefined,
      buildingId: undefined,
      heatingStatus: undefined,
      category: undefined,
      lowIncome: undefined,
      inArrears: undefined,
    });
  });
  it('reads the arrears choice as a boolean, and anything else as no filter', () => {
    expect(houseFilter({ inArrears: 'yes' }).inArrears).toBe(true);
    expect(houseFilter({ inArrears: 'no' }).inArrears).toBe(false);
    expect(houseFilter({ inArrears: '' }).inArrears).toBeUndefined();
    expect(houseFilter({ inArrears: 'maybe' }).inArrears).toBeUndefined();
  });
  it('ignores a building chosen without its community', () => {
    expect(houseFilter({ buildingId: '9' }).buildingId).toBeUndefined();
  });
});
