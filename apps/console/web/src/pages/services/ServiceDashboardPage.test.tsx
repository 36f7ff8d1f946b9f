import { configure, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stubCanvas } from '../../test/canvas';
import { fakeGraphQL } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import { barOption, categoryLabel } from './dashboard';
import ServiceDashboardPage from './ServiceDashboardPage';
import { signIn, staffApi } from './testRoles';

configure({ asyncUtilTimeout: 8000 });

const DASH = {
  days: 30,
  open: 7,
  respondOverdue: 2,
  resolveOverdue: 1,
  escalated: 1,
  byCategory: [
    { kind: 'REPAIR', category: { id: '1', name: '暖气不热' }, open: 4, overdue: 2, avgRespondHours: 1.5, avgResolveHours: 20.25 },
    { kind: 'TEMPERATURE', category: null, open: 3, overdue: 1, avgRespondHours: null, avgResolveHours: null },
  ],
  byCommunity: [
    { communityId: '1', communityName: '幸福小区', open: 5, overdue: 2 },
    { communityId: '2', communityName: '阳光花园', open: 2, overdue: 0 },
  ],
  daily: [
    { date: '2026-12-06', submitted: 3, resolved: 1 },
    { date: '2026-12-07', submitted: 0, resolved: 2 },
  ],
};

describe('ServiceDashboardPage', () => {
  beforeEach(() => {
    signIn();
    stubCanvas();
  });
  afterEach(() => vi.unstubAllGlobals());

  it('names rows without a category by their kind and sorts bars by open tickets', () => {
    const t = (zh: string) => zh;
    expect(categoryLabel(DASH.byCategory[1] as never, t)).toBe('室温报告');
    expect(categoryLabel({ kind: 'REPAIR', category: null } as never, t)).toBe('报修（未分类）');
    const option = barOption([{ label: 'b', open: 1, overdue: 0 }, { label: 'a', open: 5, overdue: 2 }], t) as { yAxis: { data: string[] } };
    expect(option.yAxis.data).toEqual(['b', 'a']); // the largest at the top of a horizontal bar chart
  });

  it('shows the counters, the charts and the per-community table', async () => {
    const calls = fakeGraphQL((call) => (call.operation === 'ServiceDashboardPage' ? { data: { slaDashboard: DASH } } : { data: {} }));
    renderWithProviders(<ServiceDashboardPage />, { api: staffApi('COLLECTOR') });
    expect((await screen.findByTestId('sla-open')).textContent).toContain('7');
    expect(screen.getByTestId('sla-respond-overdue').textContent).toContain('2');
    expect(screen.getByTestId('chart-tickets-daily').dataset.nonzero).toBe('3');
    expect(screen.getByTestId('chart-tickets-community').dataset.nonzero).toBe('3');
    const community = screen.getByTestId('sla-by-community');
    expect(within(community).getByText('幸福小区')).toBeTruthy();
    expect(within(screen.getByTestId('sla-by-category')).getByText('20.3')).toBeTruthy();
    expect(calls[0].variables).toEqual({ days: 30 });
  });
});
