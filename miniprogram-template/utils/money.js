'use strict';
/**
 * Money is integer fen end to end. Formatting works on the decimal digits of
 * the integer (never divides by 100 in floating point), so 1999 is "19.99"
 * and 10 is "0.10" exactly. Accepts numbers (GraphQL Int) and digit strings
 * (GraphQL BigInt may arrive as a string).
 */

function toDigits(fen) {
  if (typeof fen === 'number') {
    if (!Number.isInteger(fen)) throw new TypeError(`fen must be an integer, got ${fen}`);
    const negative = fen < 0;
    return { negative, digits: String(Math.abs(fen)) };
  }
  if (typeof fen === 'string' && /^-?\d+$/.test(fen.trim())) {
    const s = fen.trim();
    const negative = s[0] === '-';
    const digits = (negative ? s.slice(1) : s).replace(/^0+(?=\d)/, '');
    return { negative: negative && digits !== '0', digits };
  }
  if (fen === null || fen === undefined) return { negative: false, digits: '0' };
  throw new TypeError(`fen must be an integer, got ${fen}`);
}

function groupThousands(intPart) {
  return intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** 123456 -> "1,234.56"; -5 -> "-0.05". */
function formatFen(fen, options) {
  const opts = options || {};
  const { negative, digits } = toDigits(fen);
  const padded = digits.padStart(3, '0');
  const intPart = padded.slice(0, -2);
  const decPart = padded.slice(-2);
  const grouped = opts.grouping === false ? intPart : groupThousands(intPart);
  return `${negative ? '-' : ''}${grouped}.${decPart}`;
}

/** 123456 -> "¥1,234.56"; -500 -> "-¥5.00". */
function yuan(fen) {
  const text = formatFen(fen);
  return text[0] === '-' ? `-¥${text.slice(1)}` : `¥${text}`;
}

/** Sum of integer fen values (numbers); throws on non-integers. */
function sumFen(values) {
  return values.reduce((total, v) => {
    if (!Number.isInteger(v)) throw new TypeError(`fen must be an integer, got ${v}`);
    return total + v;
  }, 0);
}

module.exports = { formatFen, yuan, sumFen };
