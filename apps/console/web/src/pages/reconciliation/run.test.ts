import dayjs from 'dayjs';
import { describe, expect, it } from 'vitest';
import { billDateAllowed, isWorking, mayRerun } from './run';

describe('billDateAllowed', () => {
  const today = dayjs('2026-12-07T09:30:00');
  it('takes yesterday back to 3 months ago, never today or the future', () => {
    expect(billDateAllowed(dayjs('2026-12-06'), today)).toBe(true);
    expect(billDateAllowed(dayjs('2026-09-07'), today)).toBe(true);
    expect(billDateAllowed(dayjs('2026-09-06'), today)).toBe(false);
    expect(billDateAllowed(dayjs('2026-12-07T00:00:00'), today)).toBe(false);
    expect(billDateAllowed(dayjs('2026-12-08'), today)).toBe(false);
  });
});

describe('run states', () => {
  it('polls while fetching, parsing or matching; reruns only a matched or failed run', () => {
    expect(['PENDING', 'FETCHED', 'PARSED'].every((s) => isWorking(s as never))).toBe(true);
    expect(isWorking('MATCHED')).toBe(false);
    expect(mayRerun('MATCHED') && mayRerun('FAILED')).toBe(true);
    expect(mayRerun('CLOSED') || mayRerun('PENDING')).toBe(false);
  });
});
