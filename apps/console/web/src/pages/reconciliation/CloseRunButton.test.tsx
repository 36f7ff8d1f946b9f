import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '../../auth/session';
import { fakeGraphQL } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import { CloseRunButton } from './CloseRunButton';

const run = { id: '7', status: 'MATCHED' as const, canClose: false, openDifferenceCount: 2 };

describe('CloseRunButton', () => {
  beforeEach(() => {
    window.sessionStorage.clear();
    session.set('finance-token', 3600);
  });

  it('is disabled, saying why, while differences are open or the run is not matched', () => {
    fakeGraphQL(() => ({ data: {} }));
    const { rerender } = renderWithProviders(<CloseRunButton run={run} onClosed={vi.fn()} />);
    expect(screen.getByTestId('run-close').hasAttribute('disabled')).toBe(true);
    expect(screen.getByTestId('run-close-reason').dataset.reason).toBe('还有 2 条差异未处理');
    rerender(<CloseRunButton run={{ ...run, status: 'PARSED', openDifferenceCount: 0 }} onClosed={vi.fn()} />);
    expect(screen.getByTestId('run-close-reason').dataset.reason).toBe('比对完成后才能关闭');
    rerender(<CloseRunButton run={{ ...run, status: 'CLOSED', openDifferenceCount: 0 }} onClosed={vi.fn()} />);
    expect(screen.getByTestId('run-close-reason').dataset.reason).toBe('批次已关闭');
  });

  it('closes a matched run with no open difference after a confirmation; a refusal is shown', async () => {
    let refuse = true;
    const calls = fakeGraphQL((call) =>
      call.operation !== 'ReconCloseRun'
        ? { data: {} }
        : refuse
          ? { data: { closeStatementRun: { run: null, errors: [{ field: 'id', code: 'OPEN_DIFFERENCES', message: '还有 1 条差异未处理，处理完后才能关闭批次。' }] } } }
          : { data: { closeStatementRun: { run: { id: '7', status: 'CLOSED', canClose: false, closedAt: '2026-12-07T10:00:00+08:00', closedBy: '财务' }, errors: [] } } },
    );
    const onClosed = vi.fn();
    const user = userEvent.setup({ delay: null });
    renderWithProviders(<CloseRunButton run={{ ...run, canClose: true, openDifferenceCount: 0 }} onClosed={onClosed} />);
    expect(screen.queryByTestId('run-close-reason')).toBeNull();
    await user.click(screen.getByTestId('run-close'));
    await user.click(await screen.findByTestId('run-close-confirm'));
    expect(await screen.findByText('还有 1 条差异未处理，处理完后才能关闭批次。')).toBeTruthy();
    expect(onClosed).not.toHaveBeenCalled();
    refuse = false;
    await user.click(screen.getByTestId('run-close'));
    await user.click(await screen.findByTestId('run-close-confirm'));
    await waitFor(() => expect(onClosed).toHaveBeenCalledTimes(1));
    expect(calls.filter((c) => c.operation === 'ReconCloseRun').map((c) => c.variables)).toEqual([{ id: '7' }, { id: '7' }]);
  });
});
