// Merchant-account forms → the API's inputs. Secrets are write-only: the API says only whether one is stored
// (hasMerchantPrivateKey …), an empty secret field keeps the stored one, so a blank field is never sent. The
// public keys are not read back either, so a blank one is not sent (sending "" would erase the stored key).
import type { AlipayMerchantInput, MerchantMode, WechatMerchantInput } from '../../gql/tenant/graphql';

export interface WechatValues {
  mode: MerchantMode;
  isActive: boolean;
  mchid?: string;
  appid?: string;
  merchantSerialNo?: string;
  merchantPrivateKey?: string;
  apiv3Key?: string;
  wechatpayPublicKeyId?: string;
  wechatpayPublicKey?: string;
  subMchid?: string;
  subAppid?: string;
}

export interface AlipayValues {
  mode: MerchantMode;
  isActive: boolean;
  alipayAppId?: string;
  alipayAppPrivateKey?: string;
  alipayPublicKey?: string;
  alipaySellerId?: string;
  alipayAppAuthToken?: string;
}

const text = (v: string | undefined) => (v ?? '').trim();

/** Put `key` in `out` only when typed (secrets and keys the API never returns). */
function ifTyped<T extends object>(out: T, key: keyof T & string, value: string | undefined) {
  if (text(value)) (out as Record<string, string>)[key] = text(value);
}

export function wechatInput(v: WechatValues): WechatMerchantInput {
  const out: WechatMerchantInput = { mode: v.mode, isActive: v.isActive };
  if (v.mode === 'PARTNER') {
    // Paid through the platform's service provider: only the sub-merchant's own ids.
    out.subMchid = text(v.subMchid);
    out.subAppid = text(v.subAppid);
    out.appid = text(v.appid);
    return out;
  }
  out.mchid = text(v.mchid);
  out.appid = text(v.appid);
  out.merchantSerialNo = text(v.merchantSerialNo);
  out.wechatpayPublicKeyId = text(v.wechatpayPublicKeyId);
  ifTyped(out, 'merchantPrivateKey', v.merchantPrivateKey);
  ifTyped(out, 'apiv3Key', v.apiv3Key);
  ifTyped(out, 'wechatpayPublicKey', v.wechatpayPublicKey);
  return out;
}

export function alipayInput(v: AlipayValues): AlipayMerchantInput {
  const out: AlipayMerchantInput = { mode: v.mode, isActive: v.isActive };
  out.alipayAppId = text(v.alipayAppId);
  out.alipaySellerId = text(v.alipaySellerId);
  if (v.mode === 'ISV') {
    ifTyped(out, 'alipayAppAuthToken', v.alipayAppAuthToken);
    return out;
  }
  ifTyped(out, 'alipayAppPrivateKey', v.alipayAppPrivateKey);
  ifTyped(out, 'alipayPublicKey', v.alipayPublicKey);
  return out;
}

// The API's format rules (apps/payments/providers/wechat.py, alipay.py), checked as the admin types.
export const MCHID_RE = /^\d{8,10}$/;
export const WX_APPID_RE = /^wx[0-9a-f]{16}$/;
export const SERIAL_RE = /^[0-9A-Fa-f]{40}$/;
export const PUBLIC_KEY_ID_RE = /^PUB_KEY_ID_\d+$/;
export const ALIPAY_APP_ID_RE = /^\d{16}$/;
export const SELLER_ID_RE = /^2088\d{12}$/;
