import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router-dom';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Role } from '../../access';
import { session } from '../../auth/session';
import { useAuth } from '../../auth/AuthProvider';
import type { AuthApi } from '../../auth/types';
import { fakeGraphQL, type GraphQLCall } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import HouseDetail from './HouseDetail';

const HOUSE = {
  id: '7',
  accountNo: 'H10007',
  address: '幸福里小区1号楼1单元301',
  community: '幸福里小区',
  building: '1号楼',
  unit: '1单元',
  room: '301',
  buildingArea: '78.08',
  usableArea: null,
  category: 'RESIDENTIAL',
  lowIncome: 'NONE',
  meterNo: '',
  heatingStatus: 'NORMAL',
  ownerName: '郭明磊',
  ownerPhone: '134****7604',
  ownerIdNo: '',
};

function api(role: Role): AuthApi {
  return {
    login: vi.fn(),
    me: async () => ({ id: '1', username: role.toLowerCase(), displayName: '', role }),
    refresh: vi.fn(),
    logout: vi.fn(),
    changePassword: vi.fn(),
  };
}

const BILL = { id: '31', season: '2026-2027', status: 'PARTIALLY_PAID', principalFen: 187408, paidFen: 100000, issuedAt: '2026-10-20T10:00:00+08:00', amountDue: { totalFen: 87408 } };
const ORDER = {
  id: '5', outTradeNo: 'HC20261101', channel: 'COUNTER', counterMethod: 'CASH', status: 'PAID', amountFen: 100000,
  refundedFen: 0, paidAt: '2026-11-01T09:30:00+08:00', createdAt: '2026-11-01T09:30:00+08:00', receiptNo: 'R-0001',
};
const RESIDENT = { residentId: '3', displayName: '小郭', phoneMasked: '138****5678', role: 'OWNER', boundAt: '2026-09-01T08:00:00+08:00' };

/** The API for house 7, its bill, payment, bound resident and status history (which changes record). */
function server(statusErrors: unknown[] = []) {
  let status = 'NORMAL';
  const changes: unknown[] = [];
  return fakeGraphQL((call: GraphQLCall) => {
    switch (call.operation) {
      case 'HouseDetail':
        return { data: { house: call.variables.id === '7' ? { ...HOUSE, heatingStatus: status } : null } };
      case 'HouseDetailBills':
        return { data: { bills: { totalCount: 1, items: [BILL] } } };
      case 'HouseDetailPayments':
        return { data: { paymentOrders: { totalCount: 1, items: [ORDER] } } };
      case 'HouseDetailResidents':
        return { data: { houseResidents: [RESIDENT] } };
      case 'HouseDetailStatusChanges':
        return { data: { houseStatusChanges: { totalCount: changes.length, items: changes } } };
      case 'HouseHeatingStatusChange': {
        if (statusErrors.length) return { data: { changeHeatingStatus: { house: null, errors: statusErrors } } };
        const v = call.variables as { status: string; reason: string; effectiveDate: string };
        changes.unshift({ id: String(changes.length + 1), fromStatus: status, toStatus: v.status, reason: v.reason, effectiveDate: v.effectiveDate, changedBy: 'collector', createdAt: '2026-12-07T10:00:00+08:00' });
        status = v.status;
        return { data: { changeHeatingStatus: { house: { id: '7', heatingStatus: status }, errors: [] } } };
      }
      default:
        return { data: {} };
    }
  });
}

/** The role is known (me() answered): from here on, an absent button is absent for good. */
function SignedIn() {
  const { status, me } = useAuth();
  return status === 'signedIn' ? <span data-testid="signed-in">{me?.role}</span> : null;
}

function renderDetail(role: Role, id = '7') {
  return renderWithProviders(
    <>
      <SignedIn />
      <Routes>
        <Route path="/houses/:id" element={<HouseDetail />} />
      </Routes>
    </>,
    { api: api(role), route: `/houses/${id}` },
  );
}

describe('HouseDetail', () => {
  beforeEach(() => {
    window.sessionStorage.clear();
    session.set('token', 3600);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('shows each role only the actions access.ts gives it', async () => {
    for (const [role, edit, status] of [
      ['TENANT_ADMIN', true, true],
      ['COLLECTOR', false, true],
      ['TECHNICIAN', false, false],
      ['FINANCE', false, false],
    ] as const) {
      server();
      const view = renderDetail(role);
      expect((await screen.findByTestId('house-detail-account-no')).textContent).toBe('H10007');
      expect((await screen.findByTestId('signed-in')).textContent).toBe(role);
      expect(screen.queryByTestId('heating-status-H10007') !== null, role).toBe(status);
      expect(screen.queryByTestId('house-edit') !== null, role).toBe(edit);
      expect(screen.getByTestId('house-detail-phone').textContent).toBe('134****7604');
      // Payments only for the roles that may see payments (technicians may not).
      expect(screen.queryByTestId('house-tab-payments') !== null, role).toBe(role !== 'TECHNICIAN');
      view.unmount();
    }
  });

  it('lists the house\'s bills, payments and bound residents (phone masked) in its tabs', async () => {
    const calls = server();
    const user = userEvent.setup({ delay: null });
    renderDetail('FINANCE');
    const bill = await screen.findByTestId('house-bill-31', {}, { timeout: 5000 });
    const billRow = bill.closest('tr')?.textContent ?? '';
    expect(billRow).toContain('2026-2027');
    expect(billRow).toContain('部分缴费');
    expect(billRow).toContain('¥1,874.08');
    expect(billRow).toContain('¥874.08');
    await user.click(screen.getByTestId('house-tab-payments'));
    const receipt = await screen.findByText('R-0001', {}, { timeout: 5000 });
    expect(receipt.closest('tr')?.textContent).toContain('¥1,000.00');
    expect(receipt.closest('tr')?.textContent).toContain('柜台 · 现金');
    await user.click(screen.getByTestId('house-tab-residents'));
    expect((await screen.findByText('小郭', {}, { timeout: 5000 })).closest('tr')?.textContent).toContain('138****5678');
    expect(calls.find((c) => c.operation === 'HouseDetailBills')?.variables).toEqual({ houseId: '7', first: 10, offset: 0 });
    expect(calls.find((c) => c.operation === 'HouseDetailPayments')?.variables).toEqual({ houseId: '7', first: 10, offset: 0 });
  });

  it('says so when there is no such house', async () => {
    server();
    renderDetail('FINANCE', '999');
    expect(await screen.findByText('找不到该房屋')).toBeTruthy();
  });

  it('changes the heating status with a reason, checked as typed, and shows the new status', async () => {
    const calls = server();
    const user = userEvent.setup({ delay: null });
    renderDetail('COLLECTOR');
    await user.click(await screen.findByTestId('heating-status-H10007'));
    const dialog = await screen.findByRole('dialog');
    await user.click(within(dialog).getByRole('button', { name: /确认变更/ }));
    expect(await within(dialog).findByText('请填写原因')).toBeTruthy();
    expect(calls.some((c) => c.operation === 'HouseHeatingStatusChange')).toBe(false);
    fireEvent.change(within(dialog).getByLabelText('原因'), { target: { value: ' 房屋空置 ' } });
    await user.click(within(dialog).getByRole('button', { name: /确认变更/ }));
    await waitFor(() => expect(screen.getByTestId('house-detail-status').textContent).toBe('报停'));
    const sent = calls.find((c) => c.operation === 'HouseHeatingStatusChange');
    expect(sent?.variables).toMatchObject({ id: '7', status: 'OPTED_OUT', reason: '房屋空置' });
    expect(sent?.variables.effectiveDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // The history tab asks again after the change and shows it.
    await user.click(screen.getByTestId('house-tab-status'));
    const history = await screen.findByTestId('house-status-history');
    await waitFor(() => expect(within(history).getByText('房屋空置').closest('tr')?.textContent).toContain('正常供热 → 报停'));
  });

  it('puts the API\'s refusal on the field it names', async () => {
    server([{ field: 'status', message: '房屋已是该状态。', code: 'INVALID_STATUS' }]);
    const user = userEvent.setup({ delay: null });
    renderDetail('TENANT_ADMIN');
    await user.click(await screen.findByTestId('heating-status-H10007'));
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText('原因'), { target: { value: '业主申请' } });
    await user.click(within(dialog).getByRole('button', { name: /确认变更/ }));
    expect(await within(dialog).findByText('房屋已是该状态。')).toBeTruthy();
    expect(screen.getByTestId('house-detail-status').textContent).toBe('正常供热');
  });
});
