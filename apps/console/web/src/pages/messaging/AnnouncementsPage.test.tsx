import { configure, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import dayjs from 'dayjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeGraphQL, type GraphQLCall } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import { announcementInput, scheduleProblems } from './AnnouncementEditor';
import AnnouncementsPage, { announcementFilter } from './AnnouncementsPage';
import { signIn, staffApi } from './testSupport';

configure({ asyncUtilTimeout: 8000 });

const zh = (z: string) => z;
const ROW = {
  id: '7',
  title: '停热检修通知',
  body: '<p>12月10日 9:00–15:00 停热检修。</p>',
  summary: '12月10日 9:00–15:00 停热检修。',
  audience: 'COMMUNITIES',
  communityIds: ['1'],
  buildingIds: [],
  status: 'PUBLISHED',
  pinned: true,
  publishAt: '2026-12-01T08:00:00+08:00',
  expiresAt: null,
  readCount: 12,
  targetCount: 40,
  createdBy: '管理员',
  createdAt: '2026-12-01T07:00:00+08:00',
  updatedAt: '2026-12-01T07:00:00+08:00',
};
const DRAFT = { ...ROW, id: '8', title: '缴费提示草稿', status: 'DRAFT', pinned: false, audience: 'ALL', communityIds: [], publishAt: null, readCount: 0, targetCount: 0 };

function answer(rows: unknown[], handlers: Record<string, (call: GraphQLCall) => unknown> = {}) {
  return fakeGraphQL((call) => {
    if (call.operation === 'AnnouncementsPageList') return { data: { announcementsAdmin: { total: rows.length, items: rows } } };
    if (call.operation === 'AnnouncementsPageCommunities') return { data: { communities: { totalCount: 2, items: [{ id: '1', name: '幸福里' }, { id: '2', name: '和平苑' }] } } };
    const handler = handlers[call.operation];
    if (handler) return { data: handler(call) };
    return { data: {} };
  });
}

describe('announcement helpers', () => {
  it('sends only the ids the chosen audience uses, and the expiry as an instant', () => {
    const expires = dayjs('2026-12-31T18:00:00+08:00');
    expect(
      announcementInput({ title: ' 通知 ', body: '<p>x</p>', audience: 'ALL', communityIds: ['1'], buildingIds: ['3'], pinned: true, expiresAt: expires, publish: 'now' }),
    ).toEqual({ title: '通知', body: '<p>x</p>', audience: 'ALL', communityIds: [], buildingIds: [], pinned: true, expiresAt: expires.toISOString() });
    expect(announcementInput({ title: 't', body: 'b', audience: 'BUILDINGS', buildingIds: ['3'], publish: 'draft' }).buildingIds).toEqual(['3']);
  });

  it('refuses a schedule in the past and an expiry before publishing', () => {
    const now = dayjs('2026-12-07T10:00:00+08:00');
    expect(scheduleProblems({ publish: 'schedule', publishAt: now.subtract(1, 'hour') }, now, zh).publishAt).toBe('定时发布须晚于现在');
    expect(scheduleProblems({ publish: 'schedule', publishAt: null }, now, zh).publishAt).toBe('请选择发布时间');
    expect(scheduleProblems({ publish: 'schedule', publishAt: now.add(2, 'day'), expiresAt: now.add(1, 'day') }, now, zh).expiresAt).toBe('过期时间须晚于发布时间');
    expect(scheduleProblems({ publish: 'now', expiresAt: now.add(1, 'day') }, now, zh)).toEqual({});
  });

  it('turns the search form into the API filter', () => {
    expect(announcementFilter({ status: 'DRAFT', search: '  ' })).toEqual({ status: 'DRAFT', search: null });
  });
});

describe('AnnouncementsPage', () => {
  beforeEach(signIn);
  afterEach(() => vi.unstubAllGlobals());

  it('lists announcements with pinned flag, status, read / reached counts and the actions their state allows', async () => {
    answer([ROW, DRAFT]);
    renderWithProviders(<AnnouncementsPage />, { api: staffApi('TENANT_ADMIN') });
    expect((await screen.findByTestId('announcement-reads-7')).textContent).toBe('12 / 40');
    expect(screen.getByTestId('announcement-pinned-7')).toBeTruthy();
    expect(screen.queryByTestId('announcement-pinned-8')).toBeNull();
    expect(screen.getByTestId('announcement-status-7').textContent).toBe('已发布');
    expect(screen.getByTestId('announcement-reads-8').textContent).toBe('—');
    expect(screen.getByTestId('announcement-withdraw-7')).toBeTruthy();
    expect(screen.queryByTestId('announcement-delete-7')).toBeNull(); // published ones are withdrawn, not deleted
    expect(screen.getByTestId('announcement-delete-8')).toBeTruthy();
    expect(screen.getByTestId('announcement-publish-8')).toBeTruthy();
  });

  it('checks the form before sending: title, text, and communities for a community audience', async () => {
    const calls = answer([]);
    renderWithProviders(<AnnouncementsPage />, { api: staffApi('TENANT_ADMIN') });
    fireEvent.click(await screen.findByTestId('announcement-new'));
    fireEvent.click(await screen.findByTestId('announcement-save'));
    expect(await screen.findByText('请填写标题')).toBeTruthy();
    expect(await screen.findByText('请填写正文')).toBeTruthy();
    fireEvent.click(screen.getByTestId('announcement-audience-COMMUNITIES'));
    fireEvent.click(screen.getByTestId('announcement-save'));
    expect(await screen.findByText('请选择至少一个小区')).toBeTruthy();
    expect(calls.some((c) => c.operation === 'AnnouncementsPageCreate')).toBe(false);
  });

  it('saves a draft, then publishes it; the API’s refusal lands on its field', async () => {
    let createTries = 0;
    const calls = answer([], {
      AnnouncementsPageCreate: () =>
        ++createTries === 1
          ? { createAnnouncement: { announcement: null, errors: [{ field: 'title', message: '标题不能超过 60 个字。', code: 'TOO_LONG' }] } }
          : { createAnnouncement: { announcement: { id: '9', status: 'DRAFT' }, errors: [] } },
      AnnouncementsPagePublish: () => ({ publishAnnouncement: { announcement: { id: '9', status: 'PUBLISHED', publishAt: null, targetCount: 3 }, errors: [] } }),
    });
    renderWithProviders(<AnnouncementsPage />, { api: staffApi('TENANT_ADMIN') });
    fireEvent.click(await screen.findByTestId('announcement-new'));
    fireEvent.change(await screen.findByTestId('announcement-title'), { target: { value: '供暖调试通知' } });
    const area = screen.getByTestId('announcement-body-area');
    area.innerHTML = '<p>11月10日起注水调试。</p>';
    fireEvent.input(area);
    fireEvent.click(screen.getByTestId('announcement-save'));
    expect(await screen.findByText('标题不能超过 60 个字。')).toBeTruthy();
    expect(calls.some((c) => c.operation === 'AnnouncementsPagePublish')).toBe(false);
    fireEvent.click(screen.getByTestId('announcement-save'));
    await waitFor(() => expect(calls.some((c) => c.operation === 'AnnouncementsPagePublish')).toBe(true));
    expect(calls.filter((c) => c.operation === 'AnnouncementsPageCreate')[1].variables).toEqual({
      input: { title: '供暖调试通知', body: '<p>11月10日起注水调试。</p>', audience: 'ALL', communityIds: [], buildingIds: [], pinned: false, expiresAt: null },
    });
    expect(calls.find((c) => c.operation === 'AnnouncementsPagePublish')?.variables).toEqual({ id: '9', publishAt: null });
  });

  it('withdraws a published announcement after confirming', async () => {
    const calls = answer([ROW], { AnnouncementsPageWithdraw: () => ({ withdrawAnnouncement: { announcement: { id: '7', status: 'WITHDRAWN' }, errors: [] } }) });
    renderWithProviders(<AnnouncementsPage />, { api: staffApi('TENANT_ADMIN') });
    await userEvent.setup({ delay: null }).click(await screen.findByTestId('announcement-withdraw-7'));
    const tip = await screen.findByRole('tooltip');
    fireEvent.click(within(tip).getByTestId('announcement-withdraw-confirm'));
    await waitFor(() => expect(calls.find((c) => c.operation === 'AnnouncementsPageWithdraw')?.variables).toEqual({ id: '7' }));
  });
});
