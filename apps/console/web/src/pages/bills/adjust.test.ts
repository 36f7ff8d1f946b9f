import { describe, expect, it } from 'vitest';
import { adjustmentFen, adjustmentProblem } from './adjust';

const t = (zh: string) => zh;
const bill = { principalFen: 240000, paidFen: 100000 };

describe('bill adjustments', () => {
  it('turns a direction and yuan into signed integer fen', () => {
    expect(adjustmentFen('increase', '12.5')).toBe(1250);
    expect(adjustmentFen('decrease', '0.1')).toBe(-10);
    expect(adjustmentFen('decrease', '¥1,234.56')).toBe(-123456);
    expect(Number.isInteger(adjustmentFen('increase', '19.99'))).toBe(true);
    for (const bad of ['', '0', '-5', '1.234', 'abc', '1e3']) expect(adjustmentFen('increase', bad)).toBeNull();
  });

  it('refuses what the API refuses, before sending', () => {
    expect(adjustmentProblem('increase', '', bill, t)).toBe('请输入金额');
    expect(adjustmentProblem('increase', '0.00', bill, t)).toMatch(/大于 0/);
    expect(adjustmentProblem('decrease', '1400', bill, t)).toBeUndefined(); // down to exactly what was paid
    expect(adjustmentProblem('decrease', '1400.01', bill, t)).toMatch(/¥1,000.00/);
    expect(adjustmentProblem('increase', '21474836.48', bill, t)).toBe('金额过大');
    expect(adjustmentProblem('increase', '50', bill, t)).toBeUndefined();
  });
});
