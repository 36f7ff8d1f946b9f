import dayjs from 'dayjs';
import { describe, expect, it } from 'vitest';
import { suggestedSeason } from './SeasonForm';

const day = (d: ReturnType<typeof suggestedSeason>['heatingStart']) => d?.format('YYYY-MM-DD');

describe('the suggested new season', () => {
  it('follows the newest season a year later', () => {
    const s = suggestedSeason({ heatingStart: '2026-11-15', heatingEnd: '2027-03-15', paymentDue: '2026-12-31', lateFeeStart: '2027-01-01' });
    expect([s.name, day(s.heatingStart), day(s.heatingEnd), day(s.paymentDue), day(s.lateFeeStart)]).toEqual([
      '2027-2028', '2027-11-15', '2028-03-15', '2027-12-31', '2028-01-01',
    ]);
  });

  it('starts with this winter for a first season', () => {
    expect(suggestedSeason(null, dayjs('2026-12-07')).name).toBe('2026-2027');
    expect(suggestedSeason(null, dayjs('2027-02-01')).name).toBe('2026-2027');
    expect(suggestedSeason(null, dayjs('2027-05-01')).name).toBe('2027-2028');
  });
});
