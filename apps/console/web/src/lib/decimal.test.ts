import { describe, expect, it } from 'vitest';
import { compareDecimal, decimalProblem, normalizeDecimal, parseDecimal } from './decimal';

describe('decimal strings', () => {
  it('parses plain decimals only', () => {
    expect(parseDecimal(' 024.50 ')).toEqual({ negative: false, whole: '24', fraction: '5' });
    expect(parseDecimal('-0.00')).toEqual({ negative: false, whole: '0', fraction: '' });
    expect(parseDecimal('.5')).toBeNull();
    for (const bad of ['', '1e3', 'NaN', '1,5', '１２', '1.2.3', '¥3', '-', '.']) expect(parseDecimal(bad)).toBeNull();
  });

  it('normalizes without going through a float', () => {
    expect(normalizeDecimal('24.0000')).toBe('24');
    expect(normalizeDecimal('0.1')).toBe('0.1');
    expect(normalizeDecimal('12345678901234567890.123456789')).toBe('12345678901234567890.123456789');
    expect(normalizeDecimal('x')).toBeNull();
  });

  it('compares exactly', () => {
    expect(compareDecimal('0.1', '0.10')).toBe(0);
    expect(compareDecimal('999999.9999', '999999.99990001')).toBe(-1);
    expect(compareDecimal('-1', '0')).toBe(-1);
    expect(compareDecimal('100', '99.99')).toBe(1);
    // 0.1 + 0.2 style float noise cannot happen: these differ in the 17th digit
    expect(compareDecimal('0.30000000000000001', '0.3')).toBe(1);
  });

  it('names what is wrong under a rule', () => {
    const price = { min: '0', max: '999999.9999', places: 4 };
    expect(decimalProblem('24.5', price)).toBeNull();
    expect(decimalProblem('24.12345', price)).toBe('places');
    expect(decimalProblem('24.12340', price)).toBeNull(); // trailing zeros are not places
    expect(decimalProblem('-1', price)).toBe('min');
    expect(decimalProblem('1000000', price)).toBe('max');
    expect(decimalProblem('abc', price)).toBe('format');
  });
});
