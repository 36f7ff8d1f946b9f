import { configure, fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '../../auth/session';
import { fakeGraphQL, type GraphQLCall } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import InvoiceTab from './InvoiceTab';

configure({ asyncUtilTimeout: 5000 });

const SETTINGS = {
  enabled: true,
  sellerTaxNo: '91110108MA01ABCD2X',
  sellerName: '示例热力有限公司',
  sellerAddressPhone: '北京市海淀区 010-12345678',
  sellerBankAccount: '工商银行 0200001234567890',
  drawer: '张会计',
  provider: 'NUONUO',
  appKey: 'SD63236305',
  hasAppSecret: true,
  hasAccessToken: true,
  policy: 'ON_REQUEST',
  updatedAt: '2026-12-07T09:00:00+08:00',
};
const ITEM = (lineKind: string, lineKindLabel: string, category: string, saved: Record<string, unknown> | null) => ({
  id: saved ? `${lineKind}-${category}` : null,
  lineKind,
  lineKindLabel,
  category,
  configured: !!saved,
  goodsName: null,
  taxCode: null,
  taxRate: null,
  favouredPolicy: null,
  favouredPolicyName: null,
  unit: null,
  ...(saved ?? {}),
});
const ITEMS = [
  ITEM('HEATING_FEE', '采暖费', 'RESIDENTIAL', { goodsName: '*供热*采暖费', taxCode: '1100301010000000000', taxRate: '0', favouredPolicy: '03', favouredPolicyName: '免税', unit: '平方米' }),
  ITEM('HEATING_FEE', '采暖费', 'NON_RESIDENTIAL', null),
];

type Answer = (call: GraphQLCall) => ReturnType<Parameters<typeof fakeGraphQL>[0]>;

function open(settings: typeof SETTINGS | null, answer: Answer = () => ({ data: {} })) {
  const calls = fakeGraphQL((call) =>
    call.operation === 'SettingsInvoice' ? { data: { invoiceSettings: settings, feeItemTaxes: ITEMS } } : answer(call),
  );
  renderWithProviders(<InvoiceTab />);
  return { sent: (op: string) => calls.filter((c) => c.operation === op).map((c) => c.variables) };
}

const errorOf = (testId: string) =>
  screen.getByTestId(testId).closest('.ant-form-item')?.querySelector('.ant-form-item-explain-error')?.textContent ?? null;
/** An option of the open dropdown (a row's selected value carries the same title). */
const option = (title: string) =>
  waitFor(() => {
    const found = [...document.querySelectorAll<HTMLElement>('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option')].find(
      (o) => o.title === title,
    );
    if (!found) throw new Error(`no option ${title}`);
    return found;
  });
const SAVED = { data: { saveInvoiceSettings: { settings: { enabled: true, hasAppSecret: true, hasAccessToken: true }, errors: [] } } };

describe('InvoiceTab', () => {
  beforeEach(() => {
    window.sessionStorage.clear();
    session.set('admin-token', 3600);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('never shows a stored secret: empty fields saying 已设置, and saving untouched sends none', async () => {
    const { sent } = open(SETTINGS, () => SAVED);
    const secret = (await screen.findByTestId('invoice-app-secret')) as HTMLInputElement;
    const token = screen.getByTestId('invoice-access-token') as HTMLInputElement;
    expect(secret.value).toBe('');
    expect(token.value).toBe('');
    expect(secret.placeholder).toBe('已设置；留空保持不变，填写则替换');
    expect(screen.getByTestId('invoice-has-app-secret').textContent).toBe('已设置');
    expect(screen.getByTestId('invoice-has-access-token').textContent).toBe('已设置');
    expect((screen.getByTestId('invoice-app-key') as HTMLInputElement).value).toBe('SD63236305');
    await userEvent.setup({ delay: null }).click(screen.getByTestId('invoice-settings-save'));
    await waitFor(() => expect(sent('SettingsSaveInvoiceSettings')).toHaveLength(1));
    const input = sent('SettingsSaveInvoiceSettings')[0].input as Record<string, unknown>;
    expect(input).not.toHaveProperty('appSecret');
    expect(input).not.toHaveProperty('accessToken');
    expect(input).toMatchObject({ enabled: true, sellerTaxNo: '91110108MA01ABCD2X', drawer: '张会计', appKey: 'SD63236305', policy: 'ON_REQUEST' });
  });

  it('a typed secret is sent once and the field is cleared after saving', async () => {
    const { sent } = open(SETTINGS, () => SAVED);
    fireEvent.change(await screen.findByTestId('invoice-app-secret'), { target: { value: ' new-app-secret ' } });
    await userEvent.setup({ delay: null }).click(screen.getByTestId('invoice-settings-save'));
    await waitFor(() => expect(sent('SettingsSaveInvoiceSettings')).toHaveLength(1));
    expect(sent('SettingsSaveInvoiceSettings')[0].input).toMatchObject({ appSecret: 'new-app-secret' });
    expect(sent('SettingsSaveInvoiceSettings')[0].input).not.toHaveProperty('accessToken');
    await waitFor(() => expect((screen.getByTestId('invoice-app-secret') as HTMLInputElement).value).toBe(''));
  });

  it('first setup asks for both secrets; the API’s field errors land under their fields', async () => {
    const { sent } = open(null, () => ({
      data: { saveInvoiceSettings: { settings: null, errors: [{ field: 'sellerTaxNo', message: '税号格式不正确。', code: 'INVALID_TAX_NO' }] } },
    }));
    const user = userEvent.setup({ delay: null });
    expect(((await screen.findByTestId('invoice-app-secret')) as HTMLInputElement).placeholder).toBe('尚未设置');
    expect(screen.getByTestId('invoice-has-app-secret').textContent).toBe('未设置');
    await user.click(screen.getByTestId('invoice-settings-save'));
    await waitFor(() => expect(errorOf('invoice-app-secret')).toBe('请填写 AppSecret'));
    expect(errorOf('invoice-access-token')).toBe('请填写授权令牌');
    expect(sent('SettingsSaveInvoiceSettings')).toHaveLength(0);
    fireEvent.change(screen.getByTestId('invoice-seller-name'), { target: { value: '示例热力' } });
    fireEvent.change(screen.getByTestId('invoice-seller-tax-no'), { target: { value: '91110108ma01abcd2x' } });
    fireEvent.change(screen.getByTestId('invoice-drawer'), { target: { value: '张会计' } });
    fireEvent.change(screen.getByTestId('invoice-app-key'), { target: { value: 'SD1' } });
    fireEvent.change(screen.getByTestId('invoice-app-secret'), { target: { value: 's' } });
    fireEvent.change(screen.getByTestId('invoice-access-token'), { target: { value: 'a' } });
    await user.click(screen.getByTestId('invoice-settings-save'));
    await waitFor(() => expect(errorOf('invoice-seller-tax-no')).toBe('税号格式不正确。'));
    expect(sent('SettingsSaveInvoiceSettings')[0].input).toMatchObject({ sellerTaxNo: '91110108MA01ABCD2X', appSecret: 's', accessToken: 'a' });
  });

  it('fee items: stored values shown, unset rows flagged; a short tax code and 0% without 免税/不征税 are refused as typed', async () => {
    const { sent } = open(SETTINGS);
    const row = 'fee-item-HEATING_FEE-NON_RESIDENTIAL';
    expect(((await screen.findByTestId('fee-item-HEATING_FEE-RESIDENTIAL-tax-code')) as HTMLInputElement).value).toBe('1100301010000000000');
    expect(screen.queryByTestId('fee-item-HEATING_FEE-RESIDENTIAL-unset')).toBeNull();
    screen.getByTestId(`${row}-unset`);
    const user = userEvent.setup({ delay: null });
    fireEvent.change(screen.getByTestId(`${row}-goods-name`), { target: { value: '*供热*采暖费' } });
    fireEvent.change(screen.getByTestId(`${row}-tax-code`), { target: { value: '110030101' } });
    await user.click(screen.getByTestId(`${row}-save`));
    await waitFor(() => expect(errorOf(`${row}-tax-code`)).toBe('税收分类编码应为 19 位数字'));
    fireEvent.change(screen.getByTestId(`${row}-tax-code`), { target: { value: '1100301010000000000' } });
    await user.click(screen.getByTestId(`${row}-tax-rate`).closest('.ant-select')?.querySelector('.ant-select-selector') as HTMLElement);
    await user.click(await option('0%'));
    await user.click(screen.getByTestId(`${row}-save`));
    await waitFor(() => expect(errorOf(`${row}-policy`)).toBe('税率为 0 时须选择免税（03）或不征税（04）'));
    expect(sent('SettingsSaveFeeItemTax')).toHaveLength(0);
  });

  it('fee items: sends the row’s values; the API’s errors land under their fields', async () => {
    const { sent } = open(SETTINGS, (call) =>
      call.operation === 'SettingsSaveFeeItemTax'
        ? { data: { saveFeeItemTax: { feeItemTax: null, errors: [{ field: 'taxCode', message: '税收分类编码不存在。', code: 'INVALID_TAX_CODE' }] } } }
        : { data: {} },
    );
    const row = 'fee-item-HEATING_FEE-NON_RESIDENTIAL';
    const user = userEvent.setup({ delay: null });
    fireEvent.change(await screen.findByTestId(`${row}-goods-name`), { target: { value: '*供热*采暖费' } });
    fireEvent.change(screen.getByTestId(`${row}-tax-code`), { target: { value: '1100301010000000000' } });
    await user.click(screen.getByTestId(`${row}-tax-rate`).closest('.ant-select')?.querySelector('.ant-select-selector') as HTMLElement);
    await user.click(await option('9%'));
    await user.click(screen.getByTestId(`${row}-save`));
    await waitFor(() => expect(errorOf(`${row}-tax-code`)).toBe('税收分类编码不存在。'));
    expect(sent('SettingsSaveFeeItemTax')).toEqual([
      {
        input: {
          lineKind: 'HEATING_FEE',
          category: 'NON_RESIDENTIAL',
          goodsName: '*供热*采暖费',
          taxCode: '1100301010000000000',
          taxRate: '0.09',
          favouredPolicy: '',
          unit: '',
        },
      },
    ]);
  });
});
