import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '../../auth/session';
import { fakeGraphQL, type GraphQLCall } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import { CreateStaffForm } from './StaffTab';

const ADMIN_API = {
  login: vi.fn(),
  me: async () => ({ id: '1', username: 'admin', displayName: '管理员', role: 'TENANT_ADMIN' as const }),
  refresh: vi.fn(),
  logout: vi.fn(),
  changePassword: vi.fn(),
};

function createAnswer(errors: unknown[]) {
  return (call: GraphQLCall) =>
    call.operation === 'SettingsCreateStaff'
      ? { data: { createStaff: { staff: errors.length ? null : { id: '9', username: call.variables.username, role: call.variables.role }, errors } } }
      : { data: {} };
}

async function openForm(onCreated = vi.fn()) {
  const user = userEvent.setup({ delay: null });
  renderWithProviders(<CreateStaffForm onCreated={onCreated} />, { api: ADMIN_API });
  await user.click(screen.getByTestId('staff-create'));
  const dialog = await screen.findByRole('dialog');
  return { user, dialog, onCreated };
}

function fill(dialog: HTMLElement, values: Record<string, string>) {
  for (const [testId, value] of Object.entries(values)) fireEvent.change(within(dialog).getByTestId(testId), { target: { value } });
}

describe('CreateStaffForm', () => {
  beforeEach(() => {
    window.sessionStorage.clear();
    session.set('admin-token', 3600);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('checks the password as it is typed and sends nothing while a rule fails', async () => {
    const calls = fakeGraphQL(createAnswer([]));
    const { user, dialog } = await openForm();
    fill(dialog, { 'staff-username': 'zhang', 'staff-password': '1234567890', 'staff-password-confirm': '1234567899' });
    expect(await within(dialog).findByText('不能全是数字')).toBeTruthy();
    expect(await within(dialog).findByText('两次输入的密码不一致')).toBeTruthy();
    await user.click(screen.getByTestId('staff-create-submit'));
    await new Promise((r) => setTimeout(r, 50));
    expect(calls.filter((c) => c.operation === 'SettingsCreateStaff')).toHaveLength(0);
  });

  it("puts the API's typed errors on their fields and keeps the dialog open", async () => {
    const calls = fakeGraphQL(
      createAnswer([
        { field: 'username', message: '该用户名已存在。', code: 'DUPLICATE' },
        { field: null, message: '请稍后再试。', code: 'INVALID' },
      ]),
    );
    const { user, dialog, onCreated } = await openForm();
    fill(dialog, { 'staff-username': ' zhang ', 'staff-display-name': '张三', 'staff-password': 'warm-winter-2025', 'staff-password-confirm': 'warm-winter-2025' });
    await user.click(screen.getByTestId('staff-create-submit'));
    expect(await within(dialog).findByText('该用户名已存在。')).toBeTruthy();
    expect(within(dialog).getByTestId('staff-create-error').textContent).toContain('请稍后再试。');
    const sent = calls.filter((c) => c.operation === 'SettingsCreateStaff');
    expect(sent).toHaveLength(1);
    expect(sent[0].variables).toEqual({ username: 'zhang', password: 'warm-winter-2025', role: 'COLLECTOR', displayName: '张三' });
    expect(onCreated).not.toHaveBeenCalled();
  });

  it('closes and tells the table once created', async () => {
    fakeGraphQL(createAnswer([]));
    const { user, dialog, onCreated } = await openForm();
    fill(dialog, { 'staff-username': 'li', 'staff-password': 'warm-winter-2025', 'staff-password-confirm': 'warm-winter-2025' });
    await user.click(screen.getByTestId('staff-create-submit'));
    await waitFor(() => expect(onCreated).toHaveBeenCalledTimes(1));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });
});
