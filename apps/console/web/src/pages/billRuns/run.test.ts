import { describe, expect, it } from 'vitest';
import { isActive, progressPercent, sumTotals } from './run';

describe('bill run progress', () => {
  it('polls only queued and running runs', () => {
    expect(isActive('QUEUED')).toBe(true);
    expect(isActive('RUNNING')).toBe(true);
    expect(isActive('SUCCEEDED')).toBe(false);
    expect(isActive('FAILED')).toBe(false);
    expect(isActive(undefined)).toBe(false);
  });

  it('shows processed houses as a whole percent', () => {
    expect(progressPercent({ status: 'RUNNING', total: 240, processed: 0 })).toBe(0);
    expect(progressPercent({ status: 'RUNNING', total: 240, processed: 120 })).toBe(50);
    expect(progressPercent({ status: 'RUNNING', total: 3, processed: 2 })).toBe(66);
    expect(progressPercent({ status: 'QUEUED', total: 0, processed: 0 })).toBe(0);
    expect(progressPercent({ status: 'SUCCEEDED', total: 240, processed: 239 })).toBe(100);
    expect(progressPercent({ status: 'FAILED', total: 240, processed: 300 })).toBe(100);
  });

  it('sums the per-community preview in integer fen', () => {
    const rows = [
      { community: '幸福里', bills: 3, principalFen: 386640, skipped: 1, errors: 0 },
      { community: '阳光花园', bills: 4, principalFen: '953008', skipped: 0, errors: 2 },
    ];
    expect(sumTotals(rows)).toEqual({ bills: 7, principalFen: 1339648n, skipped: 1, errors: 2 });
    expect(sumTotals([])).toEqual({ bills: 0, principalFen: 0n, skipped: 0, errors: 0 });
  });
});
