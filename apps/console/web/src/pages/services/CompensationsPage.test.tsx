import { configure, fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeGraphQL } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import CompensationsPage, { settledText } from './CompensationsPage';
import { signIn, staffApi } from './testRoles';

configure({ asyncUtilTimeout: 8000 });

const LINE = { room: null, temp: '16.5', below: '1.5', pct: '30', days: 12, amountFen: 2880, text: '室温16.5℃，低于标准1.5℃，12天，退费30%，¥28.80' };
const COMP = {
  id: '21',
  house: { id: '1', accountNo: 'A0001', address: '幸福小区 1-1-101', communityId: '1' },
  season: { id: '3', name: '2026-2027 采暖季' },
  amountFen: 12880,
  days: 16,
  lines: [LINE, { ...LINE, temp: '14.0', below: '4.0', pct: '50', days: 4, amountFen: 10000, text: '室温14.0℃，低于标准4.0℃，4天，退费50%，¥100.00' }],
  explanation: '室温16.5℃…；室温14.0℃…',
  status: 'PENDING_APPROVAL',
  statusText: '待财务审批',
  method: null,
  creditedFen: 0,
  carriedFen: 0,
  refundedFen: 0,
  approvedBy: null,
  approvedAt: null,
  reviewNote: '',
  createdAt: '2026-12-20T10:00:00+08:00',
};

function answer(items: unknown[]) {
  return fakeGraphQL((call) => {
    if (call.operation === 'CompensationsPageList') return { data: { compensations: { totalCount: items.length, items } } };
    if (call.operation === 'CompensationApprove') return { data: { approveCompensation: { compensation: { id: '21', status: 'CREDITED' }, errors: [] } } };
    if (call.operation === 'CompensationReject')
      return { data: { rejectCompensation: { compensation: null, errors: [{ field: null, message: '该补偿已审批', code: 'NOT_ALLOWED_IN_STATE' }] } } };
    return { data: {} };
  });
}

describe('CompensationsPage', () => {
  beforeEach(signIn);
  afterEach(() => vi.unstubAllGlobals());

  it('says how the money went, only the parts that happened', () => {
    const t = (zh: string) => zh;
    expect(settledText({ creditedFen: 1200, carriedFen: 300, refundedFen: 0 }, t)).toBe('抵扣账单 ¥12.00，下季抵扣 ¥3.00');
    expect(settledText({ creditedFen: 0, carriedFen: 0, refundedFen: 0 }, t)).toBe('—');
  });

  it('finance expands the explanation lines and approves', async () => {
    const calls = answer([COMP]);
    renderWithProviders(<CompensationsPage />, { api: staffApi('FINANCE') });
    expect((await screen.findByTestId('compensation-amount-21')).textContent).toBe('¥128.80');
    expect(screen.getByTestId('compensation-status-21').textContent).toBe('待财务审批');
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole('button', { name: /展开行|Expand row/ }));
    const lines = await screen.findByTestId('compensation-lines-21');
    expect(within(lines).getByText(LINE.text)).toBeTruthy();
    expect(within(lines).getByText('¥100.00')).toBeTruthy();
    await user.click(screen.getByTestId('compensation-approve-21'));
    await screen.findByRole('dialog');
    fireEvent.click(screen.getByTestId('compensation-review-ok'));
    await waitFor(() => expect(calls.find((c) => c.operation === 'CompensationApprove')?.variables).toEqual({ id: '21', note: '' }));
  });

  it('a rejection needs a note and shows the API’s refusal', async () => {
    const calls = answer([COMP]);
    renderWithProviders(<CompensationsPage />, { api: staffApi('TENANT_ADMIN') });
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByTestId('compensation-reject-21'));
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(screen.getByTestId('compensation-review-ok'));
    expect(await screen.findByText('驳回须说明原因')).toBeTruthy();
    fireEvent.change(within(dialog).getByTestId('compensation-review-note'), { target: { value: '住户原因' } });
    fireEvent.click(screen.getByTestId('compensation-review-ok'));
    expect(await screen.findByText('该补偿已审批')).toBeTruthy();
    expect(calls.find((c) => c.operation === 'CompensationReject')?.variables).toEqual({ id: '21', note: '住户原因' });
  });
});
