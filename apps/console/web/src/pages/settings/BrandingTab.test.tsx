import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '../../auth/session';
import { fakeGraphQL, type GraphQLCall } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import BrandingTab from './BrandingTab';

const SAVED = {
  displayName: '幸福供热',
  logoUrl: '',
  themeColor: '#D9480F',
  servicePhone: '95598',
  appId: 'wx0123456789abcdef',
  apiBaseUrl: 'https://demo.example.com',
  complete: false,
  missing: ['LOGO', 'APP_SECRET'],
};

const ADMIN_API = {
  login: vi.fn(),
  me: async () => ({ id: '1', username: 'admin', displayName: '管理员', role: 'TENANT_ADMIN' as const }),
  refresh: vi.fn(),
  logout: vi.fn(),
  changePassword: vi.fn(),
};

function api(saveErrors: unknown[] = []) {
  return (call: GraphQLCall) => {
    if (call.operation === 'SettingsBranding') return { data: { branding: SAVED } };
    if (call.operation === 'SettingsUpdateBranding')
      return { data: { updateBranding: { branding: saveErrors.length ? null : { ...SAVED, ...(call.variables.input as object) }, errors: saveErrors } } };
    return { data: {} };
  };
}

async function open() {
  const user = userEvent.setup({ delay: null });
  renderWithProviders(<BrandingTab />, { api: ADMIN_API });
  const form = await screen.findByTestId('branding-form');
  return { user, form };
}

describe('BrandingTab', () => {
  beforeEach(() => {
    window.sessionStorage.clear();
    session.set('admin-token', 3600);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('shows the contrast against white text as the colour is typed, and the preview follows', async () => {
    fakeGraphQL(api());
    await open();
    const badge = screen.getByTestId('contrast-ratio');
    expect(badge.dataset.ratio).toBe('4.30');
    expect(badge.dataset.pass).toBe('yes');
    expect(screen.getByTestId('miniprogram-preview').dataset.theme).toBe('#D9480F');

    fireEvent.change(screen.getByTestId('branding-theme-color'), { target: { value: '#FA8C16' } });
    await waitFor(() => expect(screen.getByTestId('contrast-ratio').dataset.pass).toBe('no'));
    expect(screen.getByTestId('contrast-ratio').dataset.ratio).toBe('2.38');
    expect(await screen.findByText(/对比度 2\.38:1，低于 3:1/)).toBeTruthy();
    expect(screen.getByTestId('miniprogram-preview').dataset.theme).toBe('#FA8C16');

    fireEvent.change(screen.getByTestId('branding-display-name'), { target: { value: '温暖热力' } });
    expect(within(screen.getByTestId('miniprogram-preview')).getByTestId('preview-name').textContent).toBe('温暖热力');
  });

  it('says which parts a build still needs, and which secret is set without showing it', async () => {
    fakeGraphQL(api());
    await open();
    expect(screen.getByTestId('branding-missing').textContent).toContain('标志');
    expect(screen.getByTestId('branding-missing').textContent).toContain('小程序 AppSecret');
    expect(screen.queryByTestId('branding-has-app-secret')).toBeNull();
  });

  it('sends nothing while the colour is too light, then only what changed; API errors land on their field', async () => {
    const calls = fakeGraphQL(api([{ field: 'servicePhone', message: '请输入有效的客服电话。', code: 'INVALID_PHONE' }]));
    const { user } = await open();
    fireEvent.change(screen.getByTestId('branding-theme-color'), { target: { value: '#FA8C16' } });
    await user.click(screen.getByTestId('branding-save'));
    await new Promise((r) => setTimeout(r, 50));
    expect(calls.filter((c) => c.operation === 'SettingsUpdateBranding')).toHaveLength(0);

    fireEvent.change(screen.getByTestId('branding-theme-color'), { target: { value: '#1677ff' } });
    fireEvent.change(screen.getByTestId('branding-service-phone'), { target: { value: '96069' } });
    await user.click(screen.getByTestId('branding-save'));
    expect(await screen.findByText('请输入有效的客服电话。')).toBeTruthy();
    const sent = calls.filter((c) => c.operation === 'SettingsUpdateBranding');
    expect(sent).toHaveLength(1);
    expect(sent[0].variables).toEqual({ input: { themeColor: '#1677FF', servicePhone: '96069' } });
  });
});
