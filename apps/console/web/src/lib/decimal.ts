// Decimal numbers as the API's `Decimal` scalar carries them: strings, compared and checked exactly (scaled
// BigInt), never through a JS number, so "24.1" is 24.1 and a unit price is never a float on its way to the API.
const PLAIN = /^(-)?(\d+)(?:\.(\d*))?$/;

export interface DecimalParts {
  negative: boolean;
  whole: string; // without leading zeros ("0" at least)
  fraction: string; // without trailing zeros
}

/** "  024.50 " → {negative: false, whole: "24", fraction: "5"}; null for anything but a plain decimal. */
export function parseDecimal(text: string | null | undefined): DecimalParts | null {
  if (text === null || text === undefined) return null;
  const m = PLAIN.exec(String(text).trim());
  if (!m || (m[3] === '' && m[2] === '')) return null;
  const whole = m[2].replace(/^0+(?=\d)/, '');
  const fraction = (m[3] ?? '').replace(/0+$/, '');
  const zero = /^0+$/.test(whole) && fraction === '';
  return { negative: !!m[1] && !zero, whole, fraction };
}

/** The canonical text of a decimal ("024.50" → "24.5"), or null when it is not one. */
export function normalizeDecimal(text: string | null | undefined): string | null {
  const p = parseDecimal(text);
  if (!p) return null;
  return `${p.negative ? '-' : ''}${p.whole}${p.fraction ? '.' + p.fraction : ''}`;
}

function scaled(p: DecimalParts, places: number): bigint {
  const v = BigInt(p.whole + p.fraction.padEnd(places, '0').slice(0, places));
  return p.negative ? -v : v;
}

/** Exact comparison of two decimal strings: -1, 0 or 1. Throws on a malformed input. */
export function compareDecimal(a: string, b: string): -1 | 0 | 1 {
  const pa = parseDecimal(a);
  const pb = parseDecimal(b);
  if (!pa || !pb) throw new Error(`not a decimal: ${pa ? b : a}`);
  const places = Math.max(pa.fraction.length, pb.fraction.length);
  const x = scaled(pa, places);
  const y = scaled(pb, places);
  return x < y ? -1 : x > y ? 1 : 0;
}

export interface DecimalRule {
  /** Inclusive bounds, as decimal strings. */
  min?: string;
  max?: string;
  /** At most this many digits after the point (the column's decimal places). */
  places: number;
}

export type DecimalProblem = 'format' | 'places' | 'min' | 'max';

/** What is wrong with a typed decimal under a rule, or null when it is fine. */
export function decimalProblem(text: string, rule: DecimalRule): DecimalProblem | null {
  const p = parseDecimal(text);
  if (!p) return 'format';
  if (p.fraction.length > rule.places) return 'places';
  const value = normalizeDecimal(text) as string;
  if (rule.min !== undefined && compareDecimal(value, rule.min) < 0) return 'min';
  if (rule.max !== undefined && compareDecimal(value, rule.max) > 0) return 'max';
  return null;
}
