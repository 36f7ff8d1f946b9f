import { fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '../../auth/session';
import { fakeGraphQL, type Handler } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import { ResolveDialog, type ResolveTarget } from './ResolveDialog';

const DIFF: ResolveTarget = {
  id: '31',
  kind: 'AMOUNT_MISMATCH',
  outTradeNo: 'W261206AMOUNT0001',
  outRefundNo: null,
  channelAmountFen: 214801,
  localAmountFen: 214800,
  autoAction: null,
  allowedResolutions: ['ACCEPT_CHANNEL', 'ACCEPT_LOCAL', 'ADJUSTED', 'OTHER'],
};

const errorOf = (testId: string) =>
  screen.getByTestId(testId).closest('.ant-form-item')?.querySelector('.ant-form-item-explain-error')?.textContent ?? null;

function open(answer: Handler, difference: ResolveTarget = DIFF) {
  const calls = fakeGraphQL((call) => (call.operation === 'ReconResolveDifference' ? answer(call) : { data: {} }));
  const onDone = vi.fn();
  renderWithProviders(<ResolveDialog difference={difference} onClose={vi.fn()} onDone={onDone} />);
  return { onDone, sent: () => calls.filter((c) => c.operation === 'ReconResolveDifference').map((c) => c.variables) };
}

async function choose(label: string) {
  const user = userEvent.setup({ delay: null });
  await user.click(screen.getByTestId('resolve-resolution').querySelector('.ant-select-selector') as HTMLElement);
  await user.click(await screen.findByTitle(label));
}

describe('ResolveDialog', () => {
  beforeEach(() => {
    window.sessionStorage.clear();
    session.set('finance-token', 3600);
  });

  it('offers only the resolutions the API allows, and asks for both a resolution and a note of 2+ characters before sending', async () => {
    const { sent } = open(() => ({ data: {} }));
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByTestId('resolve-submit'));
    await waitFor(() => expect(errorOf('resolve-note')).toBe('请填写处理说明'));
    expect(errorOf('resolve-resolution')).toBe('请选择处理方式');
    await user.click(screen.getByTestId('resolve-resolution').querySelector('.ant-select-selector') as HTMLElement);
    const offered = [...document.querySelectorAll('.ant-select-item-option')].map((o) => o.textContent);
    expect(offered).toEqual(['以渠道为准', '以本地为准', '已调账', '其他']);
    await user.click(screen.getByTitle('以渠道为准'));
    fireEvent.change(screen.getByTestId('resolve-note'), { target: { value: ' 对 ' } });
    await waitFor(() => expect(errorOf('resolve-note')).toBe('至少 2 个字'));
    await user.click(screen.getByTestId('resolve-submit'));
    expect(sent()).toHaveLength(0);
  });

  it('sends the resolution and the trimmed note; the API’s errors show on their fields, the rest above the form', async () => {
    let answer: 'field' | 'general' | 'ok' = 'field';
    const { onDone, sent } = open(() => {
      if (answer === 'field')
        return { data: { resolveStatementDifference: { difference: null, errors: [{ field: 'note', code: 'INVALID', message: '处理说明需为 2–255 个字。' }] } } };
      if (answer === 'general')
        return { data: { resolveStatementDifference: { difference: null, errors: [{ field: 'id', code: 'CONCURRENT_CHANGE', message: '该差异已被他人处理。' }] } } };
      return {
        data: {
          resolveStatementDifference: {
            difference: { id: '31', status: 'RESOLVED', resolution: 'ACCEPT_CHANNEL', note: '银行到账为准', resolvedBy: '财务', resolvedAt: '2026-12-07T10:00:00+08:00', allowedResolutions: [] },
            errors: [],
          },
        },
      };
    });
    const user = userEvent.setup({ delay: null });
    await choose('以渠道为准');
    fireEvent.change(screen.getByTestId('resolve-note'), { target: { value: '  银行到账为准 ' } });
    await user.click(screen.getByTestId('resolve-submit'));
    await waitFor(() => expect(errorOf('resolve-note')).toBe('处理说明需为 2–255 个字。'));
    answer = 'general';
    await user.click(screen.getByTestId('resolve-submit'));
    expect((await screen.findByTestId('resolve-error')).textContent).toContain('该差异已被他人处理。');
    answer = 'ok';
    await user.click(screen.getByTestId('resolve-submit'));
    await waitFor(() => expect(onDone).toHaveBeenCalledWith(expect.objectContaining({ id: '31', status: 'RESOLVED' })));
    expect(sent()).toEqual([
      { id: '31', resolution: 'ACCEPT_CHANNEL', note: '银行到账为准' },
      { id: '31', resolution: 'ACCEPT_CHANNEL', note: '银行到账为准' },
      { id: '31', resolution: 'ACCEPT_CHANNEL', note: '银行到账为准' },
    ]);
  });

  it('shows what the system already did as a tag and its text, without the machine prefix', async () => {
    open(() => ({ data: {} }), { ...DIFF, kind: 'LOCAL_ONLY', autoAction: 'queried: 渠道查询已支付，入账未完成（账单已关闭），请人工核实。' });
    const auto = await screen.findByTestId('resolve-auto-action');
    expect(auto.querySelector('.ant-tag-blue')?.textContent).toBe('已查询渠道');
    expect(auto.textContent).toBe('已查询渠道渠道查询已支付，入账未完成（账单已关闭），请人工核实。');
  });
});
