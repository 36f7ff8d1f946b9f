import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '../../auth/session';
import { fakeGraphQL, type GraphQLCall } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import { HouseEditForm, houseChanges, validPhone, type EditableHouse, type HouseFormValues } from './HouseEditForm';

const HOUSE: EditableHouse = {
  id: '7',
  accountNo: 'H10007',
  room: '301',
  buildingArea: '78.08',
  usableArea: '60.90',
  category: 'RESIDENTIAL',
  lowIncome: 'NONE',
  meterNo: '',
  ownerName: '郭明磊',
  ownerPhone: '13471397604',
  ownerIdNo: '',
};

function values(over: Partial<HouseFormValues> = {}): HouseFormValues {
  return { ...HOUSE, buildingArea: 78.08, usableArea: 60.9, ...over };
}

describe('houseChanges', () => {
  it('sends nothing when nothing changed (numbers and their strings are the same area)', () => {
    expect(houseChanges(HOUSE, values())).toEqual({});
    expect(houseChanges(HOUSE, values({ buildingArea: '78.080', ownerName: ' 郭明磊 ' }))).toEqual({});
  });
  it('sends only the changed fields, trimmed, areas with two decimals', () => {
    expect(houseChanges(HOUSE, values({ ownerName: '郭明', buildingArea: 80, lowIncome: 'DIBAO' }))).toEqual({
      ownerName: '郭明',
      buildingArea: '80.00',
      lowIncome: 'DIBAO',
    });
  });
  it('clears an emptied optional field (null area, empty text)', () => {
    expect(houseChanges(HOUSE, values({ usableArea: null, ownerPhone: '' }))).toEqual({ usableArea: null, ownerPhone: '' });
  });
});

describe('validPhone', () => {
  it('accepts what the API accepts', () => {
    for (const ok of ['13800138000', '+8613800138000', '010-12345678', '0571 8888 8888', '02112345678']) expect(validPhone(ok), ok).toBe(true);
    for (const bad of ['138****8000', '12345', '23800138000', '10-1234567']) expect(validPhone(bad), bad).toBe(false);
  });
});

const ADMIN_API = {
  login: vi.fn(),
  me: async () => ({ id: '1', username: 'admin', displayName: '管理员', role: 'TENANT_ADMIN' as const }),
  refresh: vi.fn(),
  logout: vi.fn(),
  changePassword: vi.fn(),
};

function saveAnswer(errors: unknown[]) {
  return (call: GraphQLCall) =>
    call.operation === 'HouseEditSave'
      ? { data: { updateHouse: { house: errors.length ? null : { ...HOUSE, ...(call.variables.input as object) }, errors } } }
      : { data: {} };
}

async function openForm() {
  const user = userEvent.setup({ delay: null });
  renderWithProviders(<HouseEditForm house={HOUSE} />, { api: ADMIN_API });
  await user.click(screen.getByTestId('house-edit'));
  const drawer = await screen.findByRole('dialog');
  return { user, drawer };
}

describe('HouseEditForm', () => {
  beforeEach(() => {
    window.sessionStorage.clear();
    session.set('admin-token', 3600);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('checks a phone as it is typed and sends nothing while it is wrong', async () => {
    const calls = fakeGraphQL(saveAnswer([]));
    const { user, drawer } = await openForm();
    fireEvent.change(within(drawer).getByLabelText('户主电话'), { target: { value: '138****7604' } });
    expect(await within(drawer).findByText(/请输入有效的手机号或固定电话/)).toBeTruthy();
    await user.click(within(drawer).getByRole('button', { name: /保\s*存/ }));
    await new Promise((r) => setTimeout(r, 50));
    expect(calls.filter((c) => c.operation === 'HouseEditSave')).toHaveLength(0);
  });

  it('sends only what changed and puts the API\'s typed errors on their fields', async () => {
    const calls = fakeGraphQL(
      saveAnswer([
        { field: 'ownerName', message: '内容过长。', code: 'INVALID' },
        { field: null, message: '请稍后再试。', code: 'INVALID' },
      ]),
    );
    const { user, drawer } = await openForm();
    fireEvent.change(within(drawer).getByLabelText('户主姓名'), { target: { value: '郭明' } });
    await user.click(within(drawer).getByRole('button', { name: /保\s*存/ }));
    expect(await within(drawer).findByText('内容过长。')).toBeTruthy();
    expect(within(drawer).getByRole('alert').textContent).toContain('请稍后再试。');
    const sent = calls.filter((c) => c.operation === 'HouseEditSave');
    expect(sent).toHaveLength(1);
    expect(sent[0].variables).toEqual({ id: '7', input: { ownerName: '郭明' } });
    expect(sent[0].headers.Authorization).toBe('Bearer admin-token');
  });

  it('closes once saved', async () => {
    fakeGraphQL(saveAnswer([]));
    const { user, drawer } = await openForm();
    fireEvent.change(within(drawer).getByLabelText('建筑面积（㎡）'), { target: { value: '80.5' } });
    await user.click(within(drawer).getByRole('button', { name: /保\s*存/ }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });
});
