// The e-invoice settings form → the API's input. The provider credentials are write-only: the API says only
// whether one is stored (hasAppSecret, hasAccessToken) and an absent one keeps the stored one, so a blank secret
// field is never sent. And the rules of a fee item's tax treatment the form checks as the admin types (the API's
// word is final: its field errors land on the same fields).
import type { InvoicePolicy, InvoiceSettingsInput } from '../../gql/tenant/graphql';

export interface InvoiceSettingsValues {
  enabled: boolean;
  sellerTaxNo?: string;
  sellerName?: string;
  sellerAddressPhone?: string;
  sellerBankAccount?: string;
  drawer?: string;
  appKey?: string;
  appSecret?: string;
  accessToken?: string;
  policy: InvoicePolicy;
}

const text = (v: string | undefined) => (v ?? '').trim();

export function invoiceSettingsInput(v: InvoiceSettingsValues): InvoiceSettingsInput {
  const out: InvoiceSettingsInput = {
    enabled: v.enabled,
    sellerTaxNo: text(v.sellerTaxNo).toUpperCase(),
    sellerName: text(v.sellerName),
    sellerAddressPhone: text(v.sellerAddressPhone),
    sellerBankAccount: text(v.sellerBankAccount),
    drawer: text(v.drawer),
    appKey: text(v.appKey),
    policy: v.policy,
  };
  if (text(v.appSecret)) out.appSecret = text(v.appSecret);
  if (text(v.accessToken)) out.accessToken = text(v.accessToken);
  return out;
}

/** 统一社会信用代码 (18: digits and capitals without I, O, S, V, Z) or the older 15/20-character taxpayer numbers. */
export const TAX_NO_RE = /^[0-9A-Z]{15}$|^[0-9A-HJ-NP-RTUWXY]{18}$|^[0-9A-Z]{20}$/;
/** 税收分类编码: 19 digits. */
export const TAX_CODE_RE = /^\d{19}$/;
/** The VAT rates a line may carry (0 for exempt / not taxed). */
export const TAX_RATES = ['0', '0.01', '0.03', '0.05', '0.06', '0.09', '0.13'] as const;

/** 免税 (03) and 不征税 (04): the only ways a line has rate 0 (the API refuses a 0 rate without one). */
export const ZERO_RATE_POLICIES = ['03', '04'] as const;

export interface FeeItemValues {
  goodsName?: string;
  taxCode?: string;
  taxRate?: string;
  /** '' for none. */
  favouredPolicy?: string;
  unit?: string;
}

/** The rate/flag pair as the bureau requires it: the error to show under the flag, or null. */
export function feeItemPolicyError(v: FeeItemValues): readonly [string, string] | null {
  const zero = Number(v.taxRate ?? '') === 0;
  const exempt = (ZERO_RATE_POLICIES as readonly string[]).includes(v.favouredPolicy ?? '');
  if (exempt && !zero) return ['免税或不征税的税率应为 0', 'Exempt or not taxed means rate 0'];
  if (zero && !exempt) return ['税率为 0 时须选择免税（03）或不征税（04）', 'Rate 0 needs 免税 (03) or 不征税 (04)'];
  return null;
}
