import { describe, expect, it } from 'vitest';
import { formatFen, formatRate, parseYuanToFen } from './money';

describe('formatFen', () => {
  it('formats fen as yuan with two decimals and thousands separators', () => {
    expect(formatFen(0)).toBe('¥0.00');
    expect(formatFen(5)).toBe('¥0.05');
    expect(formatFen(100)).toBe('¥1.00');
    expect(formatFen(123456789)).toBe('¥1,234,567.89');
    expect(formatFen(100000)).toBe('¥1,000.00');
    expect(formatFen(99999)).toBe('¥999.99');
  });
  it('puts the minus sign before the symbol', () => {
    expect(formatFen(-5)).toBe('-¥0.05');
    expect(formatFen(-123456)).toBe('-¥1,234.56');
  });
  it('is exact beyond float precision (numeric strings and bigints)', () => {
    expect(formatFen('900719925474099199')).toBe('¥9,007,199,254,740,991.99');
    expect(formatFen(10n ** 20n + 1n)).toBe('¥1,000,000,000,000,000,000.01');
  });
  it('can leave the symbol out, and shows a dash for nothing', () => {
    expect(formatFen(123456, { symbol: false })).toBe('1,234.56');
    expect(formatFen(null)).toBe('—');
    expect(formatFen(undefined)).toBe('—');
    expect(formatFen('abc')).toBe('—');
  });
});

describe('parseYuanToFen', () => {
  it('reads what people type', () => {
    expect(parseYuanToFen('12')).toBe(1200);
    expect(parseYuanToFen('12.3')).toBe(1230);
    expect(parseYuanToFen('¥1,234.56')).toBe(123456);
    expect(parseYuanToFen('0.07')).toBe(7);
    expect(parseYuanToFen('-3.5')).toBe(-350);
  });
  it('refuses more than two decimals and non-numbers', () => {
    expect(parseYuanToFen('1.234')).toBeNull();
    expect(parseYuanToFen('abc')).toBeNull();
    expect(parseYuanToFen('')).toBeNull();
    expect(parseYuanToFen('1e3')).toBeNull();
  });
});

describe('formatRate', () => {
  it('shows a share as a percentage', () => {
    expect(formatRate(0.875)).toBe('87.5%');
    expect(formatRate(1)).toBe('100.0%');
    expect(formatRate(null)).toBe('—');
  });
});
