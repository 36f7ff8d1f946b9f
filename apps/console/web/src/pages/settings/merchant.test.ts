import { describe, expect, it } from 'vitest';
import { alipayInput, wechatInput } from './merchant';

describe('wechatInput', () => {
  it('never sends a blank secret or public key (blank keeps the stored one)', () => {
    const input = wechatInput({
      mode: 'DIRECT',
      isActive: true,
      mchid: ' 1900000109 ',
      appid: 'wx0123456789abcdef',
      merchantSerialNo: 'A'.repeat(40),
      merchantPrivateKey: '  ',
      apiv3Key: '',
      wechatpayPublicKeyId: 'PUB_KEY_ID_0114232134912410000',
      wechatpayPublicKey: undefined,
    });
    expect(input).toEqual({
      mode: 'DIRECT',
      isActive: true,
      mchid: '1900000109',
      appid: 'wx0123456789abcdef',
      merchantSerialNo: 'A'.repeat(40),
      wechatpayPublicKeyId: 'PUB_KEY_ID_0114232134912410000',
    });
  });
  it('sends typed secrets trimmed', () => {
    const input = wechatInput({ mode: 'DIRECT', isActive: false, merchantPrivateKey: '-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n', apiv3Key: ' k'.padEnd(33, 'k') });
    expect(input.merchantPrivateKey).toBe('-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----');
    expect(input.apiv3Key).toHaveLength(32);
    expect(input.isActive).toBe(false);
  });
  it('sends only the sub-merchant ids in partner mode', () => {
    const input = wechatInput({ mode: 'PARTNER', isActive: true, subMchid: '1900000200', appid: 'wx0123456789abcdef', subAppid: '', mchid: '1900000109', merchantPrivateKey: 'secret' });
    expect(input).toEqual({ mode: 'PARTNER', isActive: true, subMchid: '1900000200', subAppid: '', appid: 'wx0123456789abcdef' });
  });
});

describe('alipayInput', () => {
  it('direct: ids, and keys only when typed', () => {
    expect(alipayInput({ mode: 'DIRECT', isActive: true, alipayAppId: '2021000000000001', alipaySellerId: '', alipayAppPrivateKey: '', alipayPublicKey: 'PUB' })).toEqual({
      mode: 'DIRECT',
      isActive: true,
      alipayAppId: '2021000000000001',
      alipaySellerId: '',
      alipayPublicKey: 'PUB',
    });
  });
  it('ISV: the auth token only when typed, never the direct-mode keys', () => {
    expect(alipayInput({ mode: 'ISV', isActive: true, alipayAppAuthToken: '', alipayAppPrivateKey: 'K' })).toEqual({ mode: 'ISV', isActive: true, alipayAppId: '', alipaySellerId: '' });
    expect(alipayInput({ mode: 'ISV', isActive: true, alipayAppAuthToken: ' tok ' }).alipayAppAuthToken).toBe('tok');
  });
});
