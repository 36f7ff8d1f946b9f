import { configure, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeGraphQL, type GraphQLCall } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import OptOutsPage, { optOutFilter } from './OptOutsPage';
import { signIn, staffApi } from './testRoles';

configure({ asyncUtilTimeout: 8000 });

const SEASON = { id: '3', name: '2026-2027 采暖季', heatingStart: '2026-11-15', heatingEnd: '2027-03-15' };
const APP = {
  id: '11',
  no: 'B20261001-000011',
  kind: 'OPT_OUT',
  house: { id: '1', accountNo: 'A0001', address: '幸福小区 1-1-101' },
  season: SEASON,
  applicantName: '王五',
  contactPhone: '13800000000',
  reason: '长期外出',
  effectiveDate: '2026-11-15',
  status: 'SUBMITTED',
  statusText: '待审核',
  reviewNote: '',
  reviewedBy: null,
  sealedBy: null,
  photos: [{ id: 'p9', url: '/files/services/photos/p9?exp=1&sig=y', width: 600, height: 800 }],
  reviewedAt: null,
  sealNo: '',
  sealedAt: null,
  submittedAt: '2026-10-01T09:00:00+08:00',
  adjustmentFen: 0,
};

function answer(apps: unknown[], review?: (call: GraphQLCall) => unknown) {
  return fakeGraphQL((call) => {
    if (call.operation === 'OptOutsPageSeasons') return { data: { seasons: [SEASON] } };
    if (call.operation === 'OptOutsPageList') return { data: { optOutApplications: { totalCount: apps.length, items: apps } } };
    if (call.operation === 'OptOutReview') return { data: { reviewOptOut: review?.(call) } };
    return { data: {} };
  });
}

describe('OptOutsPage', () => {
  beforeEach(signIn);
  afterEach(() => vi.unstubAllGlobals());

  it('turns the search form into the API filter', () => {
    expect(optOutFilter({ search: ' A0001 ', status: 'APPROVED', kind: '', seasonId: '3' })).toEqual({ search: 'A0001', status: 'APPROVED', kind: null, seasonId: '3' });
  });

  it('a collector approves a submitted application; no seal for a collector', async () => {
    const calls = answer([APP], () => ({ application: { id: '11', status: 'APPROVED' }, errors: [] }));
    renderWithProviders(<OptOutsPage />, { api: staffApi('COLLECTOR') });
    expect((await screen.findByTestId('optout-status-B20261001-000011')).textContent).toBe('待审核');
    expect(screen.getByTestId('optout-create')).toBeTruthy();
    expect(screen.getByTestId('optout-photos-B20261001-000011').querySelector('img')?.getAttribute('src')).toBe(APP.photos[0].url);
    await userEvent.setup({ delay: null }).click(screen.getByTestId('optout-approve-B20261001-000011'));
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByTestId('optout-review-note'), { target: { value: '同意' } });
    fireEvent.click(screen.getByTestId('optout-review-ok'));
    await waitFor(() => expect(calls.some((c) => c.operation === 'OptOutReview')).toBe(true));
    expect(calls.find((c) => c.operation === 'OptOutReview')?.variables).toEqual({ id: '11', approve: true, note: '同意' });
    expect(screen.queryByTestId('optout-seal-B20261001-000011')).toBeNull();
  });

  it('rejecting needs a note; a technician only seals approved applications', async () => {
    answer([APP, { ...APP, id: '12', no: 'B2', status: 'APPROVED', statusText: '已批准，待施封' }]);
    renderWithProviders(<OptOutsPage />, { api: staffApi('TECHNICIAN') });
    await screen.findByTestId('optout-seal-B2');
    expect(screen.queryByTestId('optout-approve-B20261001-000011')).toBeNull();
    expect(screen.queryByTestId('optout-create')).toBeNull();
  });

  it('a rejection without a note is refused before it is sent', async () => {
    const calls = answer([APP]);
    renderWithProviders(<OptOutsPage />, { api: staffApi('TENANT_ADMIN') });
    await userEvent.setup({ delay: null }).click(await screen.findByTestId('optout-reject-B20261001-000011'));
    await screen.findByRole('dialog');
    fireEvent.click(screen.getByTestId('optout-review-ok'));
    expect(await screen.findByText('驳回须说明原因')).toBeTruthy();
    expect(calls.some((c) => c.operation === 'OptOutReview')).toBe(false);
  });
});
