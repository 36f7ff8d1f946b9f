import { configure, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '../../auth/session';
import { fakeGraphQL, type GraphQLCall } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import { SessionBanner } from './SessionBanner';

configure({ asyncUtilTimeout: 5000 });

interface Session {
  state: string;
  message: string | null;
  action: string | null;
  faceQrUrl: string | null;
  checkedAt: string | null;
  creditTotalFen: number | null;
  creditRemainingFen: number | null;
  creditCheckedAt: string | null;
}

const BASE: Omit<Session, 'state'> = {
  message: null,
  action: null,
  faceQrUrl: null,
  checkedAt: '2026-12-07T09:30:00+08:00',
  creditTotalFen: 100000000,
  creditRemainingFen: 87654321,
  creditCheckedAt: '2026-12-07T09:30:00+08:00',
};
const LOGIN_ACTION = '电子税务局登录已失效：请开票人登录诺诺开票平台，按提示完成电子税务局登录（短信验证）。恢复后待开发票将自动开具。';
const FACE_ACTION = '需要开票人人脸认证：请点击“获取人脸认证二维码”，用个人所得税或电子税务局 App 扫码认证。认证后待开发票将自动开具。';
const QR = 'https://sandbox.example/sandbox/nuonuo/face/3f9a2c';
const QR_IMAGE = 'data:image/png;base64,iVBORw0KGgo=';


function show(first: Session, canAct: boolean, answers: Partial<Record<'InvoicesRefreshSession' | 'InvoicesFaceQr', () => Session>> = {}) {
  let current = first;
  const calls = fakeGraphQL((call: GraphQLCall) => {
    if (call.operation === 'InvoicesPageSession') return { data: { invoiceSession: current } };
    if (call.operation === 'InvoicesRefreshSession' || call.operation === 'InvoicesFaceQr') {
      current = (answers[call.operation] as () => Session)();
      const field = call.operation === 'InvoicesRefreshSession' ? 'refreshInvoiceSession' : 'invoiceFaceQr';
      return { data: { [field]: { session: current, errors: [] } } };
    }
    return { data: {} };
  });
  renderWithProviders(<SessionBanner canAct={canAct} />);
  return { sent: (op: string) => calls.filter((c) => c.operation === op) };
}

const banner = () => screen.findByTestId('invoice-session');
const buttons = () => [...screen.getByTestId('invoice-session').querySelectorAll('button.ant-btn')].map((b) => b.textContent?.replace(/\s/g, ''));

describe('SessionBanner', () => {
  beforeEach(() => {
    window.sessionStorage.clear();
    session.set('finance-token', 3600);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('OK: says issuing works, shows the credit line, offers only a refresh', async () => {
    show({ ...BASE, state: 'OK' }, true);
    expect((await banner()).dataset.state).toBe('OK');
    expect(screen.getByTestId('invoice-session-title').textContent).toBe('开票通道正常：电子税务局已登录，可以开票');
    expect(screen.getByTestId('invoice-credit-total').textContent).toBe('¥1,000,000.00');
    expect(screen.getByTestId('invoice-credit-remaining').textContent).toBe('¥876,543.21');
    expect(screen.queryByTestId('invoice-credit-low')).toBeNull();
    expect(buttons()).toEqual(['刷新状态']);
  });

  it('login lapsed: the API’s instructions and a refresh that asks the provider now and shows its answer', async () => {
    const { sent } = show({ ...BASE, state: 'LOGIN_REQUIRED', message: '电子税务局登录已失效', action: LOGIN_ACTION }, true, {
      InvoicesRefreshSession: () => ({ ...BASE, state: 'OK' }),
    });
    expect((await banner()).dataset.state).toBe('LOGIN_REQUIRED');
    expect(screen.getByTestId('invoice-session-title').textContent).toBe('电子税务局登录已失效，开票已暂停');
    expect(screen.getByTestId('invoice-session-action').textContent).toBe(LOGIN_ACTION);
    expect(screen.getByTestId('invoice-session-message').textContent).toContain('电子税务局登录已失效');
    expect(buttons()).toEqual(['刷新状态']);
    await userEvent.setup({ delay: null }).click(screen.getByTestId('invoice-session-refresh'));
    await waitFor(() => expect(screen.getByTestId('invoice-session').dataset.state).toBe('OK'));
    expect(sent('InvoicesRefreshSession')).toHaveLength(1);
  });

  it('login lapsed without the API’s text: the steps name the provider’s console and the refresh', async () => {
    show({ ...BASE, state: 'LOGIN_REQUIRED' }, true);
    await banner();
    const steps = [...screen.getByTestId('invoice-session-steps').querySelectorAll('li')].map((li) => li.textContent);
    expect(steps[0]).toContain('电子税务局账号');
    expect(steps[1]).toContain('刷新状态');
  });

  it('face verification due: fetches the QR code, draws the provider’s URL as a QR code, then refreshes', async () => {
    const { sent } = show({ ...BASE, state: 'FACE_REQUIRED', action: FACE_ACTION }, true, {
      InvoicesFaceQr: () => ({ ...BASE, state: 'FACE_REQUIRED', action: FACE_ACTION, faceQrUrl: QR }),
      InvoicesRefreshSession: () => ({ ...BASE, state: 'OK' }),
    });
    expect((await banner()).dataset.state).toBe('FACE_REQUIRED');
    expect(screen.getByTestId('invoice-session-action').textContent).toBe(FACE_ACTION);
    expect(buttons()).toEqual(['获取人脸认证二维码', '刷新状态']);
    expect(screen.queryByTestId('invoice-face-qr')).toBeNull();
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByTestId('invoice-face-qr-get'));
    const qr = await screen.findByTestId('invoice-face-qr');
    expect(qr.dataset.url).toBe(QR);
    expect(qr.querySelector('svg')).not.toBeNull();
    expect(buttons()).toEqual(['重新获取二维码', '刷新状态']);
    await user.click(screen.getByTestId('invoice-session-refresh'));
    await waitFor(() => expect(screen.getByTestId('invoice-session').dataset.state).toBe('OK'));
    expect(screen.queryByTestId('invoice-face-qr')).toBeNull();
    expect(sent('InvoicesFaceQr')).toHaveLength(1);
  });

  it('a picture of the code from the provider is shown as it is', async () => {
    show({ ...BASE, state: 'FACE_REQUIRED', action: FACE_ACTION, faceQrUrl: QR_IMAGE }, true);
    const img = await screen.findByTestId('invoice-face-qr');
    expect(img.tagName).toBe('IMG');
    expect(img.getAttribute('src')).toBe(QR_IMAGE);
  });

  it('a collector is told whom to ask and gets no buttons', async () => {
    show({ ...BASE, state: 'FACE_REQUIRED', action: FACE_ACTION }, false);
    await banner();
    expect(screen.getByTestId('invoice-session-ask').textContent).toBe('请联系财务或管理员处理（开票人需在场）。');
    expect(screen.queryByTestId('invoice-session-action')).toBeNull();
    expect(buttons()).toEqual([]);
  });

  it('not checked yet, and a credit line nearly used up', async () => {
    show({ ...BASE, state: 'UNKNOWN', checkedAt: null, creditRemainingFen: 500000 }, true);
    await banner();
    expect(screen.getByTestId('invoice-session-title').textContent).toBe('尚未获取开票通道状态');
    expect(screen.getByTestId('invoice-credit-low').textContent).toContain('授信额度即将用完');
    expect(buttons()).toEqual(['刷新状态']);
  });

  it('speaks English when asked', async () => {
    fakeGraphQL(() => ({ data: { invoiceSession: { ...BASE, state: 'LOGIN_REQUIRED' } } }));
    renderWithProviders(<SessionBanner canAct />, { lang: 'en' });
    await banner();
    expect(screen.getByTestId('invoice-session-title').textContent).toBe('The tax bureau login has lapsed: issuing is paused');
    expect(buttons()).toEqual(['Refreshstatus']);
  });
});
