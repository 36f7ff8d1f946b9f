import { describe, expect, it } from 'vitest';
import { sideStatus, splitAutoAction } from './labels';

const zh = (z: string) => z;
const en = (_: string, e: string) => e;

describe('sideStatus', () => {
  it('names the bill row’s state on the channel side, whatever the subject', () => {
    expect(['success', 'revoked', 'processing', 'closed', 'abnormal'].map((v) => sideStatus('PAYMENT', 'channel', v, zh))).toEqual([
      '成功',
      '已撤销',
      '处理中',
      '已关闭',
      '异常',
    ]);
    expect(sideStatus('REFUND', 'channel', 'success', zh)).toBe('成功');
    expect(sideStatus('PAYMENT', 'channel', 'revoked', en)).toBe('Revoked');
  });

  it('names the local order’s state for a payment and the local refund’s for a refund', () => {
    expect(['paid', 'created', 'closed', 'failed'].map((v) => sideStatus('PAYMENT', 'local', v, zh))).toEqual(['已支付', '待支付', '已关闭', '支付失败']);
    expect(['success', 'processing', 'closed', 'abnormal'].map((v) => sideStatus('REFUND', 'local', v, zh))).toEqual(['已退款', '退款中', '退款关闭', '退款异常']);
    expect(sideStatus('REFUND', 'local', 'success', en)).toBe('Refunded');
    // A payment state on the refund side (and the reverse) is not one of its states: shown as it is.
    expect(sideStatus('REFUND', 'local', 'paid', zh)).toBe('paid');
    expect(sideStatus('PAYMENT', 'local', 'success', zh)).toBe('success');
  });

  it('shows an unknown value as it is and an empty one as empty', () => {
    expect(sideStatus('PAYMENT', 'channel', 'PAYERROR', zh)).toBe('PAYERROR');
    expect(sideStatus('PAYMENT', 'channel', 'constructor', zh)).toBe('constructor');
    expect(sideStatus('PAYMENT', 'local', '', zh)).toBe('');
    expect(sideStatus('PAYMENT', 'local', null, zh)).toBe('');
  });
});

describe('splitAutoAction', () => {
  it('takes the machine prefix off the text', () => {
    expect(splitAutoAction('settled: 渠道查询已支付，已按渠道入账')).toEqual({ kind: 'settled', text: '渠道查询已支付，已按渠道入账' });
    expect(splitAutoAction('reverted: 渠道查询为「已关闭」，已撤销本地入账，账单恢复欠费。').kind).toBe('reverted');
    expect(splitAutoAction('queried: 本地无此退款，请人工核实。')).toEqual({ kind: 'queried', text: '本地无此退款，请人工核实。' });
    expect(splitAutoAction('error: 渠道查询失败（SYSTEM_ERROR），重新对账时再试。').kind).toBe('error');
  });

  it('leaves a text without a known prefix as it is', () => {
    expect(splitAutoAction('人工备注：settled: 不是前缀')).toEqual({ kind: null, text: '人工备注：settled: 不是前缀' });
    expect(splitAutoAction('done: 其他')).toEqual({ kind: null, text: 'done: 其他' });
  });
});
