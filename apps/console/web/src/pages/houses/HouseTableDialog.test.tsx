import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '../../auth/session';
import type { AuthApi } from '../../auth/types';
import { fakeGraphQL, type GraphQLCall } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import HouseTable from './HouseTable';

const row = (n: number) => ({
  id: String(n), accountNo: `H1000${n}`, address: `幸福里小区1号楼1单元30${n}`, community: '幸福里小区', building: '1号楼',
  unit: '1单元', room: `30${n}`, buildingArea: '78.08', category: 'RESIDENTIAL', lowIncome: 'NONE',
  heatingStatus: 'NORMAL', ownerName: `户主${n}`, ownerPhone: '134****7604',
});

const admin: AuthApi = {
  login: vi.fn(),
  me: async () => ({ id: '1', username: 'admin', displayName: '', role: 'TENANT_ADMIN' }),
  refresh: vi.fn(),
  logout: vi.fn(),
  changePassword: vi.fn(),
};

describe('HouseTable heating status', () => {
  beforeEach(() => {
    window.sessionStorage.clear();
    session.set('token', 3600);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('opens one dialog for the row clicked, changes that house and reloads the page', async () => {
    const rows = [row(1), row(2), row(3)];
    const calls = fakeGraphQL((call: GraphQLCall) => {
      if (call.operation === 'HousesPageList') return { data: { houses: { totalCount: rows.length, items: rows } } };
      if (call.operation === 'HouseHeatingStatusChange') {
        const target = rows.find((r) => r.id === call.variables.id)!;
        target.heatingStatus = call.variables.status as string;
        return { data: { changeHeatingStatus: { house: { id: target.id, heatingStatus: target.heatingStatus }, errors: [] } } };
      }
      return { data: { communities: { items: [] } } };
    });
    const user = userEvent.setup({ delay: null });
    renderWithProviders(<HouseTable />, { api: admin, route: '/houses' });
    await user.click(await screen.findByTestId('heating-status-H10002', {}, { timeout: 10000 }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText(/H10002/)).toBeTruthy();
    expect(screen.getAllByRole('dialog')).toHaveLength(1);
    fireEvent.change(within(dialog).getByLabelText('原因'), { target: { value: '房屋空置' } });
    await user.click(within(dialog).getByRole('button', { name: /确认变更/ }));
    await waitFor(() => expect(screen.getByTestId('house-status-H10002').textContent).toBe('报停'));
    expect(calls.filter((c) => c.operation === 'HouseHeatingStatusChange').map((c) => c.variables))
      .toEqual([expect.objectContaining({ id: '2', status: 'OPTED_OUT', reason: '房屋空置' })]);
    expect(screen.getByTestId('house-status-H10001').textContent).toBe('正常供热');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });
});
