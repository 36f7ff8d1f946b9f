import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { session } from '../../auth/session';
import { stubCanvas } from '../../test/canvas';
import { fakeGraphQL } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import { CollectionRateTab } from './CollectionRateTab';

const SEASONS = [
  { id: '1', name: '2025-2026 采暖季', status: 'CLOSED', published: true, heatingStart: '2025-11-15' },
  { id: '2', name: '2026-2027 采暖季', status: 'OPEN', published: true, heatingStart: '2026-11-15' },
  { id: '3', name: '2027-2028 草稿', status: 'DRAFT', published: false, heatingStart: '2027-11-15' },
];
const community = (communityId: string, communityName: string, billedFen: number, collectedFen: number, collectionRate: string) => ({
  communityId,
  communityName,
  billCount: 10,
  paidCount: 6,
  billedFen,
  collectedFen,
  outstandingFen: billedFen - collectedFen,
  collectionRate,
});
const building = (buildingId: string, buildingName: string) => ({
  buildingId,
  buildingName,
  communityId: '7',
  communityName: '阳光小区',
  houseCount: 4,
  billCount: 4,
  paidCount: 3,
  billedFen: 960000,
  collectedFen: 720000,
  outstandingFen: 240000,
  collectionRate: '75.00',
});

const rows = (testId: string) =>
  within(screen.getByTestId(testId))
    .getAllByRole('row')
    .map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent))
    .filter((r) => r.length);

describe('CollectionRateTab', () => {
  beforeEach(() => {
    window.sessionStorage.clear();
    session.set('finance-token', 3600);
    stubCanvas();
  });

  it('shows the current season’s rate per community from the API and a community’s buildings on a click', async () => {
    const calls = fakeGraphQL((call) => {
      if (call.operation === 'ReportsSeasons') return { data: { seasons: SEASONS } };
      if (call.operation === 'ReportsCollectionRate')
        return {
          data: {
            billSummary: { billCount: 20, paidCount: 12, billedFen: 4800000, collectedFen: 3600000, outstandingFen: 1200000, collectionRate: '75.00' },
            collectionByCommunity: [community('7', '阳光小区', 2400000, 2000000, '83.33'), community('8', '幸福家园', 2400000, 1600000, '66.67')],
          },
        };
      if (call.operation === 'ReportsCollectionByBuilding') return { data: { collectionByBuilding: [building('71', '1号楼'), building('72', '2号楼')] } };
      return { data: {} };
    });
    const user = userEvent.setup({ delay: null });
    renderWithProviders(<CollectionRateTab />);
    await screen.findByTestId('table-rate-community');
    // The newest published season, not the draft.
    expect(calls.find((c) => c.operation === 'ReportsCollectionRate')?.variables).toEqual({ seasonId: '2' });
    expect(rows('table-rate-community')).toEqual([
      ['阳光小区', '10', '6', '¥24,000.00', '¥20,000.00', '¥4,000.00', '83.33%'],
      ['幸福家园', '10', '6', '¥24,000.00', '¥16,000.00', '¥8,000.00', '66.67%'],
    ]);
    expect(screen.getByTestId('rate-summary').textContent).toContain('¥48,000.00');
    expect(screen.getByTestId('chart-rate-community').dataset.nonzero).toBe('2');
    await user.click(screen.getByTestId('rate-community-7'));
    await screen.findByText('1号楼');
    expect(calls.find((c) => c.operation === 'ReportsCollectionByBuilding')?.variables).toEqual({ seasonId: '2', communityId: '7' });
    expect(rows('table-rate-building')[0]).toEqual(['1号楼', '4', '4', '3', '¥9,600.00', '¥7,200.00', '¥2,400.00', '75.00%']);
  });
});
