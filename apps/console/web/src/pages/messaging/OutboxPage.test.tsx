import { configure, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeGraphQL, type GraphQLCall } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import OutboxPage, { outboxFilter, retryable } from './OutboxPage';
import { NOTE, noteText } from './labels';
import { signIn, staffApi } from './testSupport';

configure({ asyncUtilTimeout: 8000 });

const BASE = {
  kind: 'PAYMENT_DUE',
  title: '缴费提醒',
  body: '您的房屋幸福里3-2-501（户号A-1）2026-2027采暖季待缴2688.00元，缴费截止日期为2026-12-31。如已缴纳请忽略。',
  residentId: '4',
  residentName: '王建国',
  campaignId: '11',
  notBefore: '2026-12-07T08:00:00+08:00',
  attempts: 1,
  createdAt: '2026-12-07T07:00:00+08:00',
  sentAt: null,
  read: false,
};
const FAILED = {
  ...BASE,
  id: '31',
  status: 'FAILED',
  channel: null,
  note: null,
  lastError: 'sms:isv.BUSINESS_LIMIT_CONTROL',
  deliveries: [
    {
      id: '91',
      channel: 'SMS',
      target: '138****5678',
      template: 'SMS_123',
      content: '您的房屋幸福里3-2-501 2026-2027采暖季待缴2688.00元',
      status: 'FAILED',
      errorCode: 'isv.BUSINESS_LIMIT_CONTROL',
      createdAt: '2026-12-07T08:00:01+08:00',
    },
  ],
};
const SENT = { ...BASE, id: '32', status: 'SENT', channel: 'WECHAT', note: null, lastError: null, sentAt: '2026-12-07T08:00:02+08:00', read: true, deliveries: [] };
const QUIET = { ...BASE, id: '33', status: 'PENDING', channel: null, note: 'quiet_hours', lastError: null, deliveries: [] };
const IN_APP = { ...SENT, id: '34', channel: 'IN_APP', note: 'no_grant;no_sms_consent' };
const PAID = { ...BASE, id: '35', status: 'CANCELLED', channel: null, note: 'paid', lastError: null, deliveries: [] };
const ODD = { ...SENT, id: '36', note: 'odd_code' };

function answer(rows: unknown[], retry?: (call: GraphQLCall) => unknown) {
  return fakeGraphQL((call) => {
    if (call.operation === 'OutboxPageList') return { data: { outboxMessages: { total: rows.length, items: rows } } };
    if (call.operation === 'OutboxPageRetry') return { data: { retryMessage: retry?.(call) } };
    return { data: {} };
  });
}

describe('outbox helpers', () => {
  it('turns the search form into the API filter', () => {
    expect(outboxFilter({ status: 'FAILED', channel: '', kind: 'PAYMENT_DUE', campaignId: ' 11 ' })).toEqual({ status: 'FAILED', channel: null, kind: 'PAYMENT_DUE', campaignId: '11' });
  });
  it('offers a retry only where the API allows one', () => {
    expect(retryable({ status: 'FAILED', channel: null })).toBe(true);
    expect(retryable({ status: 'SENT', channel: 'IN_APP' })).toBe(true);
    expect(retryable({ status: 'SENT', channel: 'WECHAT' })).toBe(false);
    expect(retryable({ status: 'UNCERTAIN', channel: 'SMS' })).toBe(false);
  });
});

describe('note labels', () => {
  const zh = (a: string) => a;
  const en = (_: string, b: string) => b;
  it('names each code, joins several, names provider errors, and shows an unknown code as it is', () => {
    expect(noteText('paid', zh)).toBe('账单已缴清，提醒已撤回');
    expect(noteText('no_grant;no_sms_consent', zh)).toBe('未授权微信订阅；未开通短信通知');
    expect(noteText('no_grant;no_sms_consent', en)).toBe('No WeChat grant; No SMS opt-in');
    expect(noteText('wechat:43101', zh)).toBe('住户已拒收微信订阅消息');
    expect(noteText('no_grant;sms:isv.BUSINESS_LIMIT_CONTROL', zh)).toBe('未授权微信订阅；短信发送失败（isv.BUSINESS_LIMIT_CONTROL）');
    expect(noteText('wechat:45009', en)).toBe('WeChat push failed (45009)');
    expect(noteText('something_new', zh)).toBe('something_new');
    expect(noteText('capped;something_new', en)).toBe('Daily cap reached; something_new');
  });
  it('has a label for every note code the server writes', () => {
    // The literal codes in apps/messaging: note="…", Outcome(RESULT, "…"), the batch skips and their reasons.
    const dir = resolve(__dirname, '../../../../../messaging');
    const written = new Set<string>();
    for (const file of ['outbox.py', 'channels.py', 'campaigns.py', 'hooks.py']) {
      const text = readFileSync(resolve(dir, file), 'utf8');
      for (const re of [/note="([a-z_]+)"/g, /Outcome\(\w+, "([a-z_]+)"/g, /finished\.append\(\(pk, "([a-z_]+)"/g, /^\s+return "([a-z_]+)"$/gm, /else "([a-z_]+)"$/gm])
        for (const m of text.matchAll(re)) written.add(m[1]);
    }
    for (const code of ['paid', 'campaign_cancelled', 'capped', 'quiet_hours', 'wechat_retry', 'phone_capped', 'stale_claim', 'no_grant', 'no_sms_consent'])
      expect(written).toContain(code);
    expect([...written].filter((c) => !NOTE[c])).toEqual([]);
  });
});

describe('OutboxPage', () => {
  beforeEach(signIn);
  afterEach(() => vi.unstubAllGlobals());

  it('shows each message’s status, channel and why it waits, and its push attempts when opened', async () => {
    answer([FAILED, SENT, QUIET, IN_APP, PAID, ODD]);
    renderWithProviders(<OutboxPage />, { api: staffApi('FINANCE') });
    expect((await screen.findByTestId('outbox-status-31')).getAttribute('data-status')).toBe('FAILED');
    expect(screen.getByTestId('outbox-channel-32').textContent).toBe('微信');
    expect(screen.getByTestId('outbox-note-33').textContent).toBe('免打扰时段，已顺延');
    expect(screen.getByTestId('outbox-note-34').textContent).toBe('未授权微信订阅；未开通短信通知');
    expect(screen.getByTestId('outbox-note-35').textContent).toBe('账单已缴清，提醒已撤回');
    expect(screen.getByTestId('outbox-note-36').textContent).toBe('odd_code');
    // Finance reads the log; pushing again is the admin's (retryMessage needs MESSAGING_MANAGE).
    expect(screen.queryByTestId('outbox-retry-31')).toBeNull();
    const row = screen.getByTestId('outbox-status-31').closest('tr') as HTMLElement;
    fireEvent.click(within(row).getByRole('button'));
    const deliveries = await screen.findByTestId('outbox-deliveries-31');
    expect(within(deliveries).getByText('138****5678')).toBeTruthy();
    expect(within(deliveries).getByText('isv.BUSINESS_LIMIT_CONTROL')).toBeTruthy();
    expect(within(deliveries).getByTestId('delivery-91').getAttribute('data-status')).toBe('FAILED');
  });

  it('reads the campaign filter from the link a campaign gives', async () => {
    const calls = answer([]);
    renderWithProviders(<OutboxPage />, { api: staffApi('COLLECTOR'), route: '/outbox?campaign=11' });
    await waitFor(() => expect(calls.some((c) => c.operation === 'OutboxPageList')).toBe(true));
    expect(calls.find((c) => c.operation === 'OutboxPageList')?.variables).toMatchObject({ campaignId: '11', first: 20, offset: 0 });
  });

  it('an admin pushes a failed message again', async () => {
    const calls = answer([FAILED, SENT], () => ({ message: { id: '31', status: 'PENDING' }, errors: [] }));
    renderWithProviders(<OutboxPage />, { api: staffApi('TENANT_ADMIN') });
    fireEvent.click(await screen.findByTestId('outbox-retry-31'));
    expect(screen.queryByTestId('outbox-retry-32')).toBeNull();
    await waitFor(() => expect(calls.find((c) => c.operation === 'OutboxPageRetry')?.variables).toEqual({ id: '31' }));
    expect(await screen.findByText('已重新排队发送')).toBeTruthy();
  });
});
