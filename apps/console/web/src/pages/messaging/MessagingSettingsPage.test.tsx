import { configure, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeGraphQL, type GraphQLCall } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import SendingTab from './SendingTab';
import TemplatesTab, { mappingInput } from './TemplatesTab';
import { signIn, staffApi } from './testSupport';

configure({ asyncUtilTimeout: 8000 });

const DUE = {
  kind: 'PAYMENT_DUE',
  isActive: true,
  variables: ['house', 'account_no', 'season', 'amount', 'due_date', 'tip'],
  inAppTitle: '缴费提醒',
  inAppBody: '您的房屋{house}待缴{amount}元。',
  wechatTemplateId: null,
  wechatTitle: '缴费提醒',
  wechatPage: 'pages/bill-detail/bill-detail',
  wechatFields: [
    { key: 'thing1', variable: 'house' },
    { key: 'amount3', variable: 'amount' },
  ],
  smsTemplateCode: null,
  smsText: '您的房屋${house}待缴${amount}元，如已缴纳请忽略。',
  smsParams: [{ key: 'house', variable: 'house' }],
  smsApproval: 'PENDING',
  updatedAt: '2026-12-01T10:00:00+08:00',
};
const SETTINGS = {
  quietStart: '21:00',
  quietEnd: '08:00',
  smsEnabled: true,
  smsSignName: null,
  effectiveSignName: '暖云热力',
  residentDailyCap: 5,
  phoneDailyCap: 10,
  miniprogramState: 'FORMAL',
};

function answer(handlers: Record<string, (call: GraphQLCall) => unknown>) {
  return fakeGraphQL((call) => {
    if (call.operation === 'MessagingSettingsTemplates') return { data: { messageTemplates: [DUE] } };
    if (call.operation === 'MessagingSettingsGeneral') return { data: { messagingSettings: SETTINGS } };
    const handler = handlers[call.operation];
    return { data: handler ? handler(call) : {} };
  });
}

describe('message templates', () => {
  beforeEach(signIn);
  afterEach(() => vi.unstubAllGlobals());

  it('drops blank mapping rows and trims keys', () => {
    expect(mappingInput([{ key: ' thing1 ', variable: 'house' }, { key: '', variable: 'amount' }, undefined])).toEqual([{ key: 'thing1', variable: 'house' }]);
  });

  it('shows the dunning-wording refusal on the SMS text and sends the mappings as rows', async () => {
    const calls = answer({
      MessagingSettingsSaveTemplate: () => ({
        updateMessageTemplate: { template: null, errors: [{ field: 'smsText', message: '内容不能包含“催缴”：请使用中性的账单、缴费通知用语。', code: 'FORBIDDEN_WORDING' }] },
      }),
    });
    renderWithProviders(<TemplatesTab />, { api: staffApi('TENANT_ADMIN') });
    expect((await screen.findByTestId('template-wechat-PAYMENT_DUE')).textContent).toContain('未关联');
    fireEvent.click(screen.getByTestId('template-edit-PAYMENT_DUE'));
    const drawer = await screen.findByRole('dialog');
    fireEvent.change(within(drawer).getByTestId('template-sms-text'), { target: { value: '请尽快缴费，逾期催缴。' } });
    fireEvent.change(within(drawer).getByTestId('template-wechat-id'), { target: { value: ' sbxABC ' } });
    fireEvent.click(screen.getByTestId('template-save'));
    expect(await screen.findByText('内容不能包含“催缴”：请使用中性的账单、缴费通知用语。')).toBeTruthy();
    expect(calls.find((c) => c.operation === 'MessagingSettingsSaveTemplate')?.variables).toEqual({
      kind: 'PAYMENT_DUE',
      input: {
        isActive: true,
        inAppTitle: '缴费提醒',
        inAppBody: '您的房屋{house}待缴{amount}元。',
        wechatTemplateId: 'sbxABC',
        wechatFields: [
          { key: 'thing1', variable: 'house' },
          { key: 'amount3', variable: 'amount' },
        ],
        smsTemplateCode: '',
        smsText: '请尽快缴费，逾期催缴。',
        smsParams: [{ key: 'house', variable: 'house' }],
        smsApproval: 'PENDING',
      },
    });
  });

  it('syncs WeChat templates and says which kinds were linked', async () => {
    answer({
      MessagingSettingsSyncWechat: () => ({
        syncWechatTemplates: {
          results: [
            { kind: 'PAYMENT_DUE', title: '缴费提醒', templateId: 'sbx1', status: 'linked', missing: [] },
            { kind: 'TICKET_UPDATE', title: '工单进度通知', templateId: null, status: 'not_found', missing: [] },
          ],
          errors: [],
        },
      }),
    });
    renderWithProviders(<TemplatesTab />, { api: staffApi('TENANT_ADMIN') });
    fireEvent.click(await screen.findByTestId('templates-sync-wechat'));
    expect((await screen.findByTestId('templates-sync-PAYMENT_DUE')).getAttribute('data-status')).toBe('linked');
    expect(screen.getByTestId('templates-sync-TICKET_UPDATE').textContent).toContain('小程序中没有同名模板');
  });
});

describe('sending rules', () => {
  beforeEach(signIn);
  afterEach(() => vi.unstubAllGlobals());

  it('shows the quiet hours and caps, refuses a one-letter signature, and saves', async () => {
    const calls = answer({ MessagingSettingsSave: () => ({ updateMessagingSettings: { settings: SETTINGS, errors: [] } }) });
    renderWithProviders(<SendingTab />, { api: staffApi('TENANT_ADMIN') });
    const cap = (await screen.findByTestId('messaging-resident-cap')) as HTMLInputElement;
    await waitFor(() => expect(cap.value).toBe('5'));
    expect(screen.getByText(/当前：【暖云热力】/)).toBeTruthy();
    fireEvent.change(screen.getByTestId('messaging-sms-sign'), { target: { value: '暖' } });
    fireEvent.click(screen.getByTestId('messaging-settings-save'));
    expect(await screen.findByText('签名为 2–12 个字')).toBeTruthy();
    expect(calls.some((c) => c.operation === 'MessagingSettingsSave')).toBe(false);
    fireEvent.change(screen.getByTestId('messaging-sms-sign'), { target: { value: '暖云供热' } });
    fireEvent.change(cap, { target: { value: '3' } });
    fireEvent.click(screen.getByTestId('messaging-settings-save'));
    await waitFor(() => expect(calls.some((c) => c.operation === 'MessagingSettingsSave')).toBe(true));
    expect(calls.find((c) => c.operation === 'MessagingSettingsSave')?.variables).toEqual({
      input: { quietStart: '21:00', quietEnd: '08:00', smsEnabled: true, smsSignName: '暖云供热', residentDailyCap: 3, phoneDailyCap: 10, miniprogramState: 'FORMAL' },
    });
  });
});
