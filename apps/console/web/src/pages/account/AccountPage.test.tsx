import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '../../auth/session';
import { fakeGraphQL, type GraphQLCall } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import { ChangePasswordForm } from './AccountPage';

const ME = { data: { me: { id: '1', username: 'finance', displayName: '财务', role: 'FINANCE' } } };

function answer(result: { token: string | null; expiresIn: number | null; errors: unknown[] }) {
  return (call: GraphQLCall) =>
    call.operation === 'StaffMe' ? ME : { data: { changeMyPassword: result } };
}

// getByRole walks the accessibility tree (slow in jsdom with antd): find the button by its text instead.
const submitButton = () => screen.getByText('修改密码').closest('button') as HTMLButtonElement;

async function fill(user: ReturnType<typeof userEvent.setup>, old: string, next: string, confirm: string) {
  // Pasted (one change event per field): antd validates on every change, typing key by key is slow in jsdom.
  for (const [label, text] of [['当前密码', old], ['新密码', next], ['确认新密码', confirm]]) {
    await user.click(screen.getByLabelText(label));
    await user.paste(text);
  }
  await user.click(submitButton());
}

describe('ChangePasswordForm', () => {
  beforeEach(() => {
    window.sessionStorage.clear();
    session.set('old-token', 3600);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('checks the fields as the user types and sends nothing while they are wrong', async () => {
    const calls = fakeGraphQL(answer({ token: 'x', expiresIn: 60, errors: [] }));
    const user = userEvent.setup({ delay: null });
    renderWithProviders(<ChangePasswordForm />);
    await user.click(submitButton());
    expect(await screen.findByText('请输入当前密码')).toBeTruthy();
    await fill(user, 'old-password-1', 'short', 'different');
    expect(await screen.findByText('至少 10 个字符')).toBeTruthy();
    expect(await screen.findByText('两次输入的密码不一致')).toBeTruthy();
    expect(calls.filter((c) => c.operation === 'StaffChangeMyPassword')).toHaveLength(0);
  });

  it('shows the API\'s typed errors on their fields, and whole-input errors above the form', async () => {
    const calls = fakeGraphQL(
      answer({
        token: null,
        expiresIn: null,
        errors: [
          { field: 'oldPassword', message: '当前密码不正确。', code: 'INVALID_CREDENTIALS', retryAfter: null },
          { field: 'newPassword', message: '这个密码太常见了。', code: 'WEAK_PASSWORD', retryAfter: null },
          { field: null, message: '请稍后再试。', code: 'TOO_MANY_ATTEMPTS', retryAfter: 30 },
        ],
      }),
    );
    const user = userEvent.setup({ delay: null });
    renderWithProviders(<ChangePasswordForm />);
    await fill(user, 'wrong-password', 'password1234', 'password1234');
    expect(await screen.findByText('当前密码不正确。')).toBeTruthy();
    expect(screen.getByText('这个密码太常见了。')).toBeTruthy();
    expect(document.querySelector('.ant-alert')?.textContent).toContain('请稍后再试。');
    const sent = calls.find((c) => c.operation === 'StaffChangeMyPassword');
    expect(sent?.variables).toEqual({ oldPassword: 'wrong-password', newPassword: 'password1234' });
    expect(sent?.headers.Authorization).toBe('Bearer old-token');
    expect(session.token()).toBe('old-token');
  });

  it('carries on with the fresh token the API returns', async () => {
    fakeGraphQL(answer({ token: 'new-token', expiresIn: 7200, errors: [] }));
    const user = userEvent.setup({ delay: null });
    renderWithProviders(<ChangePasswordForm />);
    await fill(user, 'old-password-1', 'a-much-better-one-42', 'a-much-better-one-42');
    await waitFor(() => expect(session.token()).toBe('new-token'));
    expect((screen.getByLabelText('当前密码') as HTMLInputElement).value).toBe('');
  });
});
