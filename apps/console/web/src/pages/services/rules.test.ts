import { describe, expect, it } from 'vitest';
import { bandProblems, bandsText, formPath, ruleInput, ruleValues, type Rule } from './rules';

const TIANJIN: Rule = {
  id: null,
  name: '天津市供热用热条例',
  city: '天津',
  effectiveFrom: null,
  effectiveTo: null,
  standardTemp: '18.0',
  bands: [
    { to: '2', pct: '20' },
    { to: '4', pct: '50' },
    { to: null, pct: '100' },
  ],
  bandEdge: 'UPPER',
  feeBase: 'FULL',
  responseHours: 24,
  graceHours: 48,
  noMeasureFrom: '10:00:00',
  noMeasureTo: '14:00:00',
  minPoints: 2,
  heightM: '1.4',
  procedure: '',
  refundDeadline: '',
  source: '天津市供热用热条例 第X条',
};

describe('room-temperature rules', () => {
  it('accepts increasing bands with an open last one and monotone ratios', () => {
    expect(bandProblems(ruleValues(TIANJIN).bands)).toEqual([]);
  });

  it('names the band and field of each problem', () => {
    expect(bandProblems([{ to: '2', pct: '50' }, { to: '2', pct: '20' }, { to: null, pct: '120' }]).map((p) => [p.index, p.field])).toEqual([
      [1, 'to'],
      [1, 'pct'],
      [2, 'pct'],
    ]);
    expect(bandProblems([{ to: null, pct: '20' }, { to: '4', pct: '50' }]).map((p) => [p.index, p.field, p.message[0]])).toEqual([[0, 'to', '只有最后一档可不设上限']]);
  });

  it('turns a city template into a new rule and back into the API input', () => {
    const values = { ...ruleValues(TIANJIN), effectiveFrom: '2026-11-15' };
    expect(values.noMeasureFrom).toBe('10:00');
    const input = ruleInput(values);
    expect(input.effectiveFrom).toBe('2026-11-15');
    expect(input.effectiveTo).toBeNull();
    expect(input.bands).toEqual([{ to: '2', pct: '20' }, { to: '4', pct: '50' }, { to: null, pct: '100' }]);
    expect(input.noMeasureTo).toBe('14:00:00');
  });

  it('reads the API’s field names as form paths and writes bands as ranges', () => {
    expect(formPath('effective_from')).toEqual(['effectiveFrom']);
    expect(formPath('bands.1.pct')).toEqual(['bands', 1, 'pct']);
    expect(bandsText(TIANJIN.bands, 'UPPER')).toBe('(0, 2] 20%，(2, 4] 50%，> 4 100%');
    expect(bandsText(TIANJIN.bands, 'LOWER')).toBe('[0, 2) 20%，[2, 4) 50%，≥ 4 100%');
  });
});
