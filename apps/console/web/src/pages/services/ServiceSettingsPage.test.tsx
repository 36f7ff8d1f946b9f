import { configure, fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeGraphQL, type GraphQLCall } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import GeneralTab, { fenToYuanText } from './GeneralTab';
import RulesTab from './RulesTab';
import { signIn, staffApi } from './testRoles';

configure({ asyncUtilTimeout: 8000 });

const TEMPLATE = {
  id: null,
  name: '天津市供热用热条例',
  city: '天津',
  effectiveFrom: null,
  effectiveTo: null,
  standardTemp: '18.0',
  bands: [
    { to: '2', pct: '20' },
    { to: null, pct: '50' },
  ],
  bandEdge: 'UPPER',
  feeBase: 'FULL',
  responseHours: 24,
  graceHours: 48,
  noMeasureFrom: null,
  noMeasureTo: null,
  minPoints: 1,
  heightM: '1.4',
  procedure: '',
  refundDeadline: '',
  source: '天津市供热用热条例',
};
const RULE = { ...TEMPLATE, id: '1', name: '北京市供热采暖管理办法', city: '北京', effectiveFrom: '2020-01-01', bandEdge: 'LOWER' };

describe('service settings', () => {
  beforeEach(signIn);
  afterEach(() => vi.unstubAllGlobals());

  it('writes fen as yuan', () => {
    expect(fenToYuanText(10000)).toBe('100.00');
    expect(fenToYuanText(5)).toBe('0.05');
  });

  it('a rule from a city template: the API’s overlap refusal lands on the date field', async () => {
    const calls = fakeGraphQL((call: GraphQLCall) => {
      if (call.operation === 'ServiceSettingsRules') return { data: { qualityRules: [RULE], cityRuleTemplates: [TEMPLATE] } };
      if (call.operation === 'ServiceSettingsSaveRule')
        return {
          data: {
            saveQualityRule: {
              rule: null,
              errors: [{ field: 'effectiveFrom', message: '与室温标准“北京市供热采暖管理办法”（2020-01-01 起）的生效期重叠。', code: 'OVERLAPPING_RULE' }],
            },
          },
        };
      return { data: {} };
    });
    renderWithProviders(<RulesTab />, { api: staffApi('TENANT_ADMIN') });
    expect(await screen.findByText('[0, 2) 20%，≥ 2 50%')).toBeTruthy(); // the Beijing rule's bands, lower edges
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByTestId('rule-from-template'));
    await user.click(await screen.findByTestId('rule-template-0'));
    expect(((await screen.findByTestId('rule-name')) as HTMLInputElement).value).toBe('天津市供热用热条例');
    // A template has no dates: the new rule needs its own before anything is sent.
    fireEvent.click(screen.getByTestId('rule-save'));
    expect(await screen.findByText('请填写生效日期')).toBeTruthy();
    expect(calls.some((c) => c.operation === 'ServiceSettingsSaveRule')).toBe(false);
    const date = screen.getByTestId('rule-effective-from').querySelector('input') ?? screen.getByTestId('rule-effective-from');
    await user.click(date);
    await user.type(date, '2026-11-15{enter}');
    fireEvent.click(screen.getByTestId('rule-save'));
    expect(await screen.findByText(/生效期重叠/)).toBeTruthy();
    const sent = calls.find((c) => c.operation === 'ServiceSettingsSaveRule');
    expect(sent?.variables).toMatchObject({ id: null, input: { name: '天津市供热用热条例', effectiveFrom: '2026-11-15', bands: [{ to: '2', pct: '20' }, { to: null, pct: '50' }] } });
  });

  it('saves the approval threshold typed in yuan as fen', async () => {
    const calls = fakeGraphQL((call: GraphQLCall) => {
      const settings = { autoCloseDays: 7, reopenDays: 15, approvalThresholdFen: 10000, paidCompensation: 'NEXT_BILL', optOutDeadlineDays: 30, optOutRequiresNoArrears: true };
      if (call.operation === 'ServiceSettingsGeneral') return { data: { serviceSettings: settings } };
      if (call.operation === 'ServiceSettingsSave') return { data: { saveServiceSettings: { settings, errors: [] } } };
      return { data: {} };
    });
    renderWithProviders(<GeneralTab />, { api: staffApi('TENANT_ADMIN') });
    const threshold = (await screen.findByTestId('settings-threshold')) as HTMLInputElement;
    await waitFor(() => expect(threshold.value).toBe('100.00'));
    fireEvent.change(threshold, { target: { value: '250.5' } });
    fireEvent.click(screen.getByTestId('settings-save'));
    await waitFor(() => expect(calls.some((c) => c.operation === 'ServiceSettingsSave')).toBe(true));
    expect(calls.find((c) => c.operation === 'ServiceSettingsSave')?.variables).toEqual({
      input: { autoCloseDays: 7, reopenDays: 15, approvalThresholdFen: 25050, paidCompensation: 'NEXT_BILL', optOutDeadlineDays: 30, optOutRequiresNoArrears: true },
    });
  });
});
