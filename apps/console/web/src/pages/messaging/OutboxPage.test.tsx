import { configure, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeGraphQL, type GraphQLCall } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import OutboxPage, { outboxFilter, retryable } from './OutboxPage';
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

describe('OutboxPage', () => {
  beforeEach(signIn);
  afterEach(() => vi.unstubAllGlobals());

  it('shows each message’s status, channel and why it waits, and its push attempts when opened', async () => {
    answer([FAILED, SENT, QUIET]);
    renderWithProviders(<OutboxPage />, { api: staffApi('FINANCE') });
    expect((await screen.findByTestId('outbox-status-31')).getAttribute('data-status')).toBe('FAILED');
    expect(screen.getByTestId('outbox-channel-32').textContent).toBe('微信');
    expect(screen.getByTestId('outbox-note-33').textContent).toBe('免打扰时段，已顺延');
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
