import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '../../auth/session';
import { fakeGraphQL, type GraphQLCall } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import { ImportJobReport, jobPercent, useImportJob, type ImportJobView } from './ImportJobReport';

const BASE: ImportJobView = {
  id: 'job-1',
  status: 'RUNNING',
  dryRun: false,
  createMissing: false,
  fileName: 'houses.xlsx',
  totalRows: 10000,
  processedRows: 2500,
  createdCount: 0,
  updatedCount: 0,
  newCommunities: 0,
  newBuildings: 0,
  newUnits: 0,
  errorCount: 0,
  createdAt: '2026-12-07T12:00:00+08:00',
  finishedAt: null,
};

function Harness({ id, onFinished }: { id: string; onFinished?: (job: ImportJobView) => void }) {
  const { job } = useImportJob(id, onFinished);
  return job ? <ImportJobReport job={job} /> : null;
}

describe('jobPercent', () => {
  it('counts rows while running, never 100 before the end, 100 once finished', () => {
    expect(jobPercent({ status: 'QUEUED', processedRows: 0, totalRows: 0 })).toBe(0);
    expect(jobPercent({ status: 'RUNNING', processedRows: 2500, totalRows: 10000 })).toBe(25);
    expect(jobPercent({ status: 'RUNNING', processedRows: 10400, totalRows: 10000 })).toBe(99); // the total was an estimate
    expect(jobPercent({ status: 'SUCCEEDED', processedRows: 10, totalRows: 10 })).toBe(100);
    expect(jobPercent({ status: 'FAILED', processedRows: 3, totalRows: 10 })).toBe(100);
  });
});

describe('an import job as it runs', () => {
  beforeEach(() => {
    window.sessionStorage.clear();
    session.set('admin-token', 3600);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('polls importJob until the job ends, moving the bar, then shows the counts once', async () => {
    const states: ImportJobView[] = [
      BASE,
      { ...BASE, processedRows: 7500 },
      { ...BASE, status: 'SUCCEEDED', processedRows: 10000, createdCount: 9000, updatedCount: 1000, finishedAt: '2026-12-07T12:01:00+08:00' },
    ];
    let polled = 0;
    const calls = fakeGraphQL((call: GraphQLCall) =>
      call.operation === 'ImportPageJob' ? { data: { importJob: states[Math.min(polled++, states.length - 1)] } } : { data: {} },
    );
    const finished = vi.fn();
    renderWithProviders(<Harness id="job-1" onFinished={finished} />);
    const bar = await screen.findByTestId('import-progress');
    expect(bar.getAttribute('data-percent')).toBe('25');
    expect(bar.textContent).toContain('2500 / 10000');
    await waitFor(() => expect(screen.getByTestId('import-progress').getAttribute('data-percent')).toBe('75'), { timeout: 5000 });
    await waitFor(() => expect(screen.getByTestId('import-job-status').getAttribute('data-status')).toBe('SUCCEEDED'), { timeout: 5000 });
    expect(screen.getByTestId('import-progress').getAttribute('data-percent')).toBe('100');
    expect(screen.getByTestId('import-created').textContent).toBe('9000');
    expect(screen.getByTestId('import-updated').textContent).toBe('1000');
    const polls = calls.filter((c) => c.operation === 'ImportPageJob').length;
    expect(polls).toBe(3);
    await new Promise((r) => setTimeout(r, 1000)); // one poll interval and more: a finished job is not asked again
    expect(calls.filter((c) => c.operation === 'ImportPageJob').length).toBe(polls);
    expect(finished).toHaveBeenCalledTimes(1);
    expect(finished.mock.calls[0][0].status).toBe('SUCCEEDED');
  });

  it('lists a failed check\'s errors by row, column and message, a page at a time', async () => {
    const failed: ImportJobView = { ...BASE, dryRun: true, status: 'FAILED', errorCount: 1234, processedRows: 10000 };
    const errorPage = (offset: number) =>
      Array.from({ length: 20 }, (_, i) => ({
        row: offset + i + 2,
        column: i % 2 ? '户主电话' : null,
        message: `第 ${offset + i + 2} 行有问题`,
        code: 'INVALID_PHONE',
      }));
    const calls = fakeGraphQL((call: GraphQLCall) => {
      if (call.operation === 'ImportPageJob') return { data: { importJob: failed } };
      if (call.operation === 'ImportPageJobErrors') {
        const offset = Number(call.variables.offset);
        return { data: { importJob: { id: 'job-1', errorCount: 1234, errors: errorPage(offset) } } };
      }
      return { data: {} };
    });
    const user = userEvent.setup({ delay: null });
    renderWithProviders(<Harness id="job-1" />);
    const table = await screen.findByTestId('import-errors');
    expect(screen.getByTestId('import-error-summary').textContent).toContain('1234');
    const firstRow = await within(table).findByText('第 2 行有问题');
    const cells = firstRow.closest('tr')?.querySelectorAll('td') ?? [];
    expect([...cells].map((c) => c.textContent)).toEqual(['2', '—', '第 2 行有问题']);
    expect(within(table).getByText('第 3 行有问题').closest('tr')?.textContent).toContain('户主电话');
    expect(table.textContent).toContain('共 1234 处错误，这里列出前 1000 处');
    // 1000 stored errors at 20 a page: the pager ends at page 50.
    expect(within(table).getByTitle('50')).toBeTruthy();
    await user.click(within(table).getByTitle('2'));
    expect(await within(table).findByText('第 22 行有问题')).toBeTruthy();
    const asked = calls.filter((c) => c.operation === 'ImportPageJobErrors').map((c) => c.variables);
    expect(asked).toEqual([
      { id: 'job-1', first: 20, offset: 0 },
      { id: 'job-1', first: 20, offset: 20 },
    ]);
    expect(screen.queryByTestId('import-counts')).toBeNull();
  });
});
