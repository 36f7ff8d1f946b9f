import { configure, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeGraphQL, type GraphQLCall } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import CampaignsPage, { campaignInput, percent, sameInput } from './CampaignsPage';
import { signIn, staffApi } from './testSupport';

configure({ asyncUtilTimeout: 10000 });

const SEASONS = [
  { id: '2', name: '2025-2026', status: 'CLOSED', published: true },
  { id: '3', name: '2026-2027', status: 'OPEN', published: true },
  { id: '4', name: '2027-2028', status: 'DRAFT', published: false },
];
const COMMUNITIES = { totalCount: 2, items: [{ id: '1', name: '幸福里' }, { id: '2', name: '和平苑' }] };
const PREVIEW = { total: 120, alreadySent: 20, byChannel: { wechat: 30, sms: 25, inApp: 45 } };

function campaign(processed: number, status: string) {
  return {
    id: '11',
    kind: 'PAYMENT_DUE',
    season: { id: '3', name: '2026-2027' },
    stage: '1',
    arrearsOnly: true,
    communityIds: [],
    status,
    statusText: status === 'DONE' ? '已完成' : '发送中',
    total: 100,
    enqueued: 100,
    processed,
    error: '',
    createdBy: 'finance',
    createdAt: '2026-12-07T10:00:00+08:00',
    startedAt: '2026-12-07T10:00:01+08:00',
    finishedAt: status === 'DONE' ? '2026-12-07T10:00:09+08:00' : null,
    byChannel: { wechat: 30, sms: 25, inApp: 45, pending: 100 - processed, failed: 0, cancelled: 2 },
  };
}

function answer(extra: (call: GraphQLCall) => unknown = () => undefined) {
  return fakeGraphQL((call) => {
    if (call.operation === 'CampaignsPageSeasons') return { data: { seasons: SEASONS, communities: COMMUNITIES } };
    const data = extra(call);
    if (data) return { data };
    if (call.operation === 'CampaignsPageList') return { data: { campaigns: { total: 0, items: [] } } };
    return { data: {} };
  });
}

describe('campaign helpers', () => {
  it('builds the input the preview and the start share', () => {
    expect(campaignInput({ kind: 'PAYMENT_DUE', seasonId: '3', stage: ' 2 ', arrearsOnly: true })).toEqual({ kind: 'PAYMENT_DUE', seasonId: '3', communityIds: [], arrearsOnly: true, stage: '2' });
    expect(sameInput(campaignInput({ kind: 'PAYMENT_DUE', seasonId: '3' }), campaignInput({ kind: 'PAYMENT_DUE', seasonId: '3', communityIds: ['1'] }))).toBe(false);
  });
  it('shows progress as processed of total, full once done', () => {
    expect(percent({ total: 200, processed: 50, status: 'RUNNING' })).toBe(25);
    expect(percent({ total: 0, processed: 0, status: 'QUEUED' })).toBe(0);
    expect(percent({ total: 0, processed: 0, status: 'DONE' })).toBe(100);
  });
});

describe('CampaignsPage', () => {
  beforeEach(signIn);
  afterEach(() => vi.unstubAllGlobals());

  it('previews the counts per channel, starts only after confirming, and polls the progress until done', async () => {
    let started = false;
    let listReads = 0;
    const calls = answer((call) => {
      if (call.operation === 'CampaignsPagePreview') return { campaignPreview: PREVIEW };
      if (call.operation === 'CampaignsPageStart') {
        started = true;
        return { startCampaign: { campaign: { id: '11', status: 'QUEUED' }, errors: [] } };
      }
      if (call.operation === 'CampaignsPageList' && started) {
        listReads += 1;
        const row = listReads === 1 ? campaign(0, 'RUNNING') : listReads === 2 ? campaign(40, 'RUNNING') : campaign(100, 'DONE');
        return { campaigns: { total: 1, items: [row] } };
      }
      return undefined;
    });
    renderWithProviders(<CampaignsPage />, { api: staffApi('FINANCE') });
    // The open season is chosen; nothing can start before a preview.
    await waitFor(() => expect(screen.getByTestId('campaign-season').textContent).toContain('2026-2027'));
    expect(screen.getByTestId('campaign-start').hasAttribute('disabled')).toBe(true);
    fireEvent.click(screen.getByTestId('campaign-preview'));
    await screen.findByTestId('campaign-preview-result');
    expect(screen.getByTestId('campaign-preview-wechat').textContent).toContain('30');
    expect(screen.getByTestId('campaign-preview-sms').textContent).toContain('25');
    expect(screen.getByTestId('campaign-preview-inapp').textContent).toContain('45');
    expect(screen.getByTestId('campaign-preview-already').textContent).toContain('20');
    expect(calls.find((c) => c.operation === 'CampaignsPagePreview')?.variables).toEqual({
      input: { kind: 'PAYMENT_DUE', seasonId: '3', communityIds: [], arrearsOnly: true, stage: '1' },
    });
    fireEvent.click(screen.getByTestId('campaign-start'));
    fireEvent.click(await screen.findByTestId('campaign-start-confirm'));
    await waitFor(() => expect(started).toBe(true));
    expect(calls.find((c) => c.operation === 'CampaignsPageStart')?.variables).toEqual(calls.find((c) => c.operation === 'CampaignsPagePreview')?.variables);
    // Polled while running: 0 → 40 → 100 %, then no more reads.
    await waitFor(() => expect(screen.getByTestId('campaign-progress-11').getAttribute('data-percent')).toBe('40'));
    await waitFor(() => expect(screen.getByTestId('campaign-status-11').getAttribute('data-status')).toBe('DONE'));
    expect(screen.getByTestId('campaign-progress-11').getAttribute('data-percent')).toBe('100');
    // A withdrawn reminder (the bill was paid) is counted as cancelled, not as failed.
    expect(screen.getByTestId('campaign-channels-11').textContent).toContain('失败 0 · 已取消 2');
    const reads = listReads;
    await new Promise((r) => setTimeout(r, 2500));
    expect(listReads).toBe(reads);
  });

  it('a changed choice needs a new preview; a refusal of the start is shown and nothing is polled', async () => {
    const calls = answer((call) => {
      if (call.operation === 'CampaignsPagePreview') return { campaignPreview: PREVIEW };
      if (call.operation === 'CampaignsPageStart')
        return { startCampaign: { campaign: null, errors: [{ field: null, message: '同一采暖季的缴费提醒正在发送，请等它完成。', code: 'CAMPAIGN_RUNNING' }] } };
      return undefined;
    });
    renderWithProviders(<CampaignsPage />, { api: staffApi('TENANT_ADMIN') });
    await waitFor(() => expect(screen.getByTestId('campaign-season').textContent).toContain('2026-2027'));
    fireEvent.click(screen.getByTestId('campaign-preview'));
    await screen.findByTestId('campaign-preview-result');
    fireEvent.change(screen.getByTestId('campaign-stage'), { target: { value: '2' } });
    expect(await screen.findByTestId('campaign-preview-stale')).toBeTruthy();
    expect(screen.getByTestId('campaign-start').hasAttribute('disabled')).toBe(true);
    fireEvent.click(screen.getByTestId('campaign-preview'));
    await screen.findByTestId('campaign-preview-result');
    fireEvent.click(screen.getByTestId('campaign-start'));
    fireEvent.click(await screen.findByTestId('campaign-start-confirm'));
    expect((await screen.findByTestId('campaign-error')).textContent).toContain('正在发送');
    expect(calls.filter((c) => c.operation === 'CampaignsPagePreview').map((c) => (c.variables.input as { stage: string }).stage)).toEqual(['1', '2']);
  });

  it('cancels a running campaign after confirming and shows it as 已取消; finished ones have no cancel', async () => {
    let cancelled = false;
    const done = { ...campaign(100, 'DONE'), id: '12' };
    const calls = answer((call) => {
      if (call.operation === 'CampaignsPageCancel') {
        cancelled = true;
        return { cancelCampaign: { campaign: { id: '11', status: 'CANCELLED', statusText: '已取消' }, errors: [] } };
      }
      if (call.operation === 'CampaignsPageList') {
        const row = cancelled ? { ...campaign(40, 'CANCELLED'), statusText: '已取消', byChannel: { wechat: 30, sms: 10, inApp: 0, pending: 0, failed: 0, cancelled: 60 } } : campaign(40, 'RUNNING');
        return { campaigns: { total: 2, items: [row, done] } };
      }
      return undefined;
    });
    renderWithProviders(<CampaignsPage />, { api: staffApi('FINANCE') });
    const button = await screen.findByTestId('campaign-cancel-11');
    expect(screen.queryByTestId('campaign-cancel-12')).toBeNull();
    fireEvent.click(button);
    // Nothing is sent before the confirmation.
    const confirm = await screen.findByTestId('campaign-cancel-confirm-11');
    expect(calls.some((c) => c.operation === 'CampaignsPageCancel')).toBe(false);
    fireEvent.click(confirm);
    await waitFor(() => expect(screen.getByTestId('campaign-status-11').getAttribute('data-status')).toBe('CANCELLED'));
    expect(calls.find((c) => c.operation === 'CampaignsPageCancel')?.variables).toEqual({ id: '11' });
    expect(screen.getByTestId('campaign-status-11').textContent).toBe('已取消');
    expect(screen.getByTestId('campaign-channels-11').textContent).toContain('失败 0 · 已取消 60');
    expect(screen.queryByTestId('campaign-cancel-11')).toBeNull();
  });

  it('a refused cancel is shown and the list is read again', async () => {
    let reads = 0;
    let refused = false;
    answer((call) => {
      if (call.operation === 'CampaignsPageCancel') {
        refused = true;
        return { cancelCampaign: { campaign: null, errors: [{ field: 'id', message: '这次通知已经结束，不能取消。', code: 'NOT_ALLOWED_IN_STATE' }] } };
      }
      if (call.operation === 'CampaignsPageList') {
        reads += 1;
        return { campaigns: { total: 1, items: [refused ? campaign(100, 'DONE') : campaign(40, 'QUEUED')] } };
      }
      return undefined;
    });
    renderWithProviders(<CampaignsPage />, { api: staffApi('TENANT_ADMIN') });
    fireEvent.click(await screen.findByTestId('campaign-cancel-11'));
    fireEvent.click(await screen.findByTestId('campaign-cancel-confirm-11'));
    expect(await screen.findByText('这次通知已经结束，不能取消。')).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId('campaign-status-11').getAttribute('data-status')).toBe('DONE'));
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(screen.queryByTestId('campaign-cancel-11')).toBeNull();
  });

  it('refuses a batch name the API would not take, before previewing', async () => {
    const calls = answer();
    renderWithProviders(<CampaignsPage />, { api: staffApi('TENANT_ADMIN') });
    await waitFor(() => expect(screen.getByTestId('campaign-season').textContent).toContain('2026-2027'));
    fireEvent.change(screen.getByTestId('campaign-stage'), { target: { value: '第二轮 提醒' } });
    fireEvent.click(screen.getByTestId('campaign-preview'));
    expect(await screen.findByText('批次只能用字母、数字、-、_ 和 .，最多 32 位')).toBeTruthy();
    expect(calls.some((c) => c.operation === 'CampaignsPagePreview')).toBe(false);
  });
});
