import { describe, expect, it } from 'vitest';
import { formatTaxRate } from '../invoices/labels';
import { feeItemPolicyError, invoiceSettingsInput, TAX_CODE_RE, TAX_NO_RE } from './invoiceSettings';

describe('invoiceSettingsInput', () => {
  it('never sends a blank secret (blank keeps the stored one), trims and upper-cases the tax number', () => {
    const input = invoiceSettingsInput({
      enabled: true,
      sellerTaxNo: ' 91110108ma01abcd2x ',
      sellerName: ' 示例热力 ',
      drawer: '张会计',
      appKey: 'SD1',
      appSecret: '   ',
      accessToken: '',
      policy: 'AUTOMATIC',
    });
    expect(input).toEqual({
      enabled: true,
      sellerTaxNo: '91110108MA01ABCD2X',
      sellerName: '示例热力',
      sellerAddressPhone: '',
      sellerBankAccount: '',
      drawer: '张会计',
      appKey: 'SD1',
      policy: 'AUTOMATIC',
    });
  });
  it('sends typed secrets trimmed', () => {
    const input = invoiceSettingsInput({ enabled: false, appSecret: ' s ', accessToken: ' t ', policy: 'ON_REQUEST' });
    expect(input.appSecret).toBe('s');
    expect(input.accessToken).toBe('t');
  });
});

describe('fee item rules', () => {
  it('rate 0 goes with 免税 (03) or 不征税 (04), and those with rate 0 only', () => {
    expect(feeItemPolicyError({ taxRate: '0', favouredPolicy: '03' })).toBeNull();
    expect(feeItemPolicyError({ taxRate: '0', favouredPolicy: '04' })).toBeNull();
    expect(feeItemPolicyError({ taxRate: '0.09', favouredPolicy: '' })).toBeNull();
    expect(feeItemPolicyError({ taxRate: '0', favouredPolicy: '' })?.[0]).toBe('税率为 0 时须选择免税（03）或不征税（04）');
    expect(feeItemPolicyError({ taxRate: '0.09', favouredPolicy: '03' })?.[0]).toBe('免税或不征税的税率应为 0');
  });
  it('tax numbers and tax codes', () => {
    expect(TAX_NO_RE.test('91110108MA01ABCD2X')).toBe(true);
    expect(TAX_NO_RE.test('110108123456789')).toBe(true);
    expect(TAX_NO_RE.test('91110108MA01ABCD2')).toBe(false);
    expect(TAX_NO_RE.test('91110108MA01ABCDOX')).toBe(false); // no O in a 统一社会信用代码
    expect(TAX_CODE_RE.test('1100301010000000000')).toBe(true);
    expect(TAX_CODE_RE.test('110030101000000000')).toBe(false);
  });
  it('rates read as percentages without float arithmetic', () => {
    expect(formatTaxRate('0.09')).toBe('9%');
    expect(formatTaxRate('0.0900')).toBe('9%');
    expect(formatTaxRate('0')).toBe('0%');
    expect(formatTaxRate('0.13')).toBe('13%');
    expect(formatTaxRate('0.015')).toBe('1.5%');
    expect(formatTaxRate(null)).toBe('—');
  });
});
