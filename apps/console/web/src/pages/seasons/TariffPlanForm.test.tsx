import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '../../auth/session';
import { fakeGraphQL } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import { TariffPlanForm } from './TariffPlanForm';

const season = { heatingStart: '2027-11-15', lateFeeStart: '2028-01-01' };

function fieldOf(testid: string): HTMLElement {
  return screen.getByTestId(testid).closest('.ant-form-item') as HTMLElement;
}

describe('TariffPlanForm', () => {
  beforeEach(() => {
    window.sessionStorage.clear();
    session.set('staff-token', 3600);
  });

  it('checks as it is typed, sends decimals as strings, and puts the API errors on their fields', async () => {
    const user = userEvent.setup({ delay: null });
    const calls = fakeGraphQL((call) =>
      call.operation === 'SaveTariffPlan'
        ? { data: { saveTariffPlan: { plan: null, errors: [{ field: 'category', code: 'DUPLICATE', message: '该采暖季已有此类别和计价方式的收费标准。' }] } } }
        : { data: {} },
    );
    const onSaved = vi.fn();
    renderWithProviders(<TariffPlanForm open seasonId="7" season={season} plan={null} onClose={() => undefined} onSaved={onSaved} />);

    await user.type(screen.getByTestId('plan-name'), '居民面积计费');
    await user.type(screen.getByTestId('plan-areaUnitPrice'), '-1');
    expect(await within(fieldOf('plan-areaUnitPrice')).findByText('价格不能为负数')).toBeTruthy();
    await user.clear(screen.getByTestId('plan-areaUnitPrice'));
    await user.type(screen.getByTestId('plan-areaUnitPrice'), '24.12345');
    expect(await within(fieldOf('plan-areaUnitPrice')).findByText('最多 4 位小数')).toBeTruthy();
    await user.clear(screen.getByTestId('plan-areaUnitPrice'));
    await user.type(screen.getByTestId('plan-areaUnitPrice'), '24.50');
    await user.clear(screen.getByTestId('plan-earlyDiscountPct'));
    await user.type(screen.getByTestId('plan-earlyDiscountPct'), '3');
    // The discount window appears with the rate, and its end is required.
    expect(await screen.findByTestId('plan-earlyDiscountUntil')).toBeTruthy();
    await user.click(screen.getByTestId('plan-save'));
    expect(await within(fieldOf('plan-earlyDiscountUntil')).findByText('请填写早缴优惠截止日')).toBeTruthy();
    expect(calls.filter((c) => c.operation === 'SaveTariffPlan')).toHaveLength(0);

    await user.clear(screen.getByTestId('plan-earlyDiscountPct'));
    await user.type(screen.getByTestId('plan-earlyDiscountPct'), '0');
    await user.click(screen.getByTestId('plan-save'));
    await waitFor(() => expect(calls.filter((c) => c.operation === 'SaveTariffPlan')).toHaveLength(1));
    const sent = calls.find((c) => c.operation === 'SaveTariffPlan')!.variables as { seasonId: string; input: Record<string, unknown> };
    expect(sent.seasonId).toBe('7');
    expect(sent.input).toMatchObject({ name: '居民面积计费', areaUnitPrice: '24.5', category: 'RESIDENTIAL', pricing: 'AREA', lateFeeDailyPermille: '0' });
    expect(Object.values(sent.input).some((v) => typeof v === 'number')).toBe(false); // no JS numbers on the wire
    expect(await within(fieldOf('plan-category')).findByText('该采暖季已有此类别和计价方式的收费标准。')).toBeTruthy();
    expect(onSaved).not.toHaveBeenCalled();
  });
});
