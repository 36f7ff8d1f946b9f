'use strict';
const { formatFen, yuan, sumFen } = require('../../utils/money');

describe('money formatting from integer fen', () => {
  test.each([
    [0, '0.00'], [1, '0.01'], [10, '0.10'], [99, '0.99'], [100, '1.00'], [1999, '19.99'],
    [214800, '2,148.00'], [123456789, '1,234,567.89'], [-5, '-0.05'], [-429600, '-4,296.00'],
  ])('%p fen is %p', (fen, expected) => {
    expect(formatFen(fen)).toBe(expected);
  });

  test('BigInt values that arrive as strings format exactly, beyond float precision', () => {
    expect(formatFen('900719925474099312')).toBe('9,007,199,254,740,993.12');
    expect(formatFen('-007')).toBe('-0.07');
    expect(formatFen('-0')).toBe('0.00');
  });

  test('yuan puts the sign before the currency symbol', () => {
    expect(yuan(181234)).toBe('¥1,812.34');
    expect(yuan(-4296)).toBe('-¥42.96');
  });

  test('fractional or non-numeric fen is refused rather than rounded', () => {
    expect(() => formatFen(10.5)).toThrow(TypeError);
    expect(() => formatFen('12.30')).toThrow(TypeError);
    expect(() => sumFen([100, 0.1])).toThrow(TypeError);
  });

  test('sums stay exact integers', () => {
    expect(sumFen([10, 20, 70])).toBe(100);
    expect(sumFen([])).toBe(0);
  });
});
