// Money is integer fen everywhere in the API. Formatting is integer arithmetic: no float rounding.
const GROUP = /\B(?=(\d{3})+(?!\d))/g;

/** 123456789 → "¥1,234,567.89"; -5 → "-¥0.05". Accepts number or a numeric string (BigInt-safe). */
export function formatFen(fen: number | string | bigint | null | undefined, opts: { symbol?: boolean } = {}): string {
  if (fen === null || fen === undefined || fen === '') return '—';
  let value: bigint;
  try {
    value = BigInt(typeof fen === 'number' ? Math.trunc(fen) : fen);
  } catch {
    return '—';
  }
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const yuan = (abs / 100n).toString().replace(GROUP, ',');
  const cents = (abs % 100n).toString().padStart(2, '0');
  const symbol = opts.symbol === false ? '' : '¥';
  return `${negative ? '-' : ''}${symbol}${yuan}.${cents}`;
}

/** "1,234.5" / "¥12.30" / "12" → fen (integer); null when not a valid amount with at most 2 decimals. */
export function parseYuanToFen(input: string): number | null {
  const clean = input.replace(/[¥,\s]/g, '');
  const m = /^(-)?(\d+)(?:\.(\d{1,2}))?$/.exec(clean);
  if (!m) return null;
  const fen = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  if (!Number.isSafeInteger(fen)) return null;
  return m[1] ? -fen : fen;
}

/** A rate in [0, 1] → "87.5%". */
export function formatRate(rate: number | null | undefined, digits = 1): string {
  if (rate === null || rate === undefined || Number.isNaN(rate)) return '—';
  return `${(rate * 100).toFixed(digits)}%`;
}
