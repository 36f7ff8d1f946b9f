// An adjustment as the API takes it: a signed integer of fen (GraphQL Int, 32-bit), entered as a direction and
// an amount in yuan. The checks are the API's (apps/billing/services/bills.py::bill_adjust), shown as typed.
import type { T } from '../../i18n';
import { formatFen, parseYuanToFen } from '../../lib/money';

export type Direction = 'increase' | 'decrease';
export const MAX_INT = 2_147_483_647; // GraphQL Int

export interface BillAmounts {
  principalFen: number;
  paidFen: number;
}

/** The signed fen the API takes, or null when the amount is not a positive yuan figure with ≤ 2 decimals. */
export function adjustmentFen(direction: Direction, amount: string | undefined): number | null {
  const text = (amount ?? '').trim();
  if (text.startsWith('-')) return null;
  const fen = parseYuanToFen(text);
  if (fen === null || fen <= 0) return null;
  return direction === 'increase' ? fen : -fen;
}

export function adjustmentProblem(direction: Direction, amount: string | undefined, bill: BillAmounts, t: T): string | undefined {
  const text = (amount ?? '').trim();
  if (!text) return t('请输入金额', 'Enter an amount');
  const fen = adjustmentFen(direction, text);
  if (fen === null) return t('请输入大于 0 的金额，最多两位小数', 'Enter an amount above 0 with at most 2 decimals');
  if (Math.abs(fen) > MAX_INT || bill.principalFen + fen > MAX_INT) return t('金额过大', 'Amount too large');
  if (bill.principalFen + fen < bill.paidFen) {
    return t(
      `调整后应收不能低于已缴金额 ${formatFen(bill.paidFen)}，多收的钱请走退款流程`,
      `The bill cannot drop below what was paid (${formatFen(bill.paidFen)}); refund the difference instead`,
    );
  }
  return undefined;
}
