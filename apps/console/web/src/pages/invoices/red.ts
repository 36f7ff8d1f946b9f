// A manual red reversal (红冲) of a blue invoice: the whole of what is left, or chosen lines with amounts. A line
// can give back at most what earlier red invoices left on it (价税合计 less what was reversed); amounts are typed in
// yuan and sent in fen (tax included: the API splits excl/tax per line as the bureau requires).
import { parseYuanToFen } from '../../lib/money';

export interface BlueLine {
  index: number;
  inclFen: number;
  reversedFen: number;
}

/** What red invoices may still take off a line (fen, tax included). */
export function lineLeftFen(line: BlueLine): number {
  return Math.max(0, line.inclFen - line.reversedFen);
}

/** The typed amount of a chosen line: the error to show under it, or its fen. */
export function checkLineAmount(text: string | undefined, leftFen: number): { fen: number } | { error: readonly [string, string] } {
  const fen = parseYuanToFen(text ?? '');
  if (fen === null) return { error: ['请输入金额，最多两位小数', 'A yuan amount with at most 2 decimals'] };
  if (fen <= 0) return { error: ['金额须大于 0', 'The amount must be above zero'] };
  if (fen > leftFen) return { error: ['超过该行可红冲金额', 'More than the line has left'] };
  return { fen };
}

export interface ChosenLine {
  index: number;
  amountFen: number;
}
