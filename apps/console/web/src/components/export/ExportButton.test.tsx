import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { session } from '../../auth/session';
import { fakeGraphQL, type GraphQLCall } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import { ExportButton, exportPercent, type ExportJobView } from './ExportButton';

const JOB: ExportJobView = {
  id: 'exp-1',
  kind: 'HOUSES',
  status: 'RUNNING',
  masked: true,
  totalRows: 240,
  processedRows: 120,
  fileName: '房屋台账-20261207-1200.xlsx',
  size: 0,
  error: '',
  downloadUrl: null,
  expiresAt: null,
};
const READY: ExportJobView = { ...JOB, status: 'SUCCEEDED', processedRows: 240, size: 20480, downloadUrl: '/files/exports/exp-1/' };

/** GraphQL through fakeGraphQL; GETs of /files/… answer the file (and are recorded). */
function network(states: ExportJobView[]) {
  let polled = 0;
  const calls = fakeGraphQL((call: GraphQLCall) =>
    call.operation === 'ExportButtonJob' ? { data: { exportJob: states[Math.min(polled++, states.length - 1)] } } : { data: {} },
  );
  const graphqlFetch = globalThis.fetch;
  const files: { path: string; auth: string }[] = [];
  vi.stubGlobal('fetch', async (path: string, init: RequestInit) => {
    if (!path.startsWith('/files/')) return graphqlFetch(path, init);
    files.push({ path, auth: (init.headers as Record<string, string>).Authorization });
    return new Response('xlsx', { status: 200, headers: { 'Content-Disposition': "attachment; filename*=utf-8''houses.xlsx" } });
  });
  return { calls, files };
}

describe('exportPercent', () => {
  it('follows the rows and says 100 only when the file is ready', () => {
    expect(exportPercent({ status: 'QUEUED', processedRows: 0, totalRows: 0 })).toBe(0);
    expect(exportPercent({ status: 'RUNNING', processedRows: 120, totalRows: 240 })).toBe(50);
    expect(exportPercent({ status: 'RUNNING', processedRows: 240, totalRows: 240 })).toBe(99);
    expect(exportPercent({ status: 'SUCCEEDED', processedRows: 240, totalRows: 240 })).toBe(100);
    expect(exportPercent({ status: 'FAILED', processedRows: 10, totalRows: 240 })).toBe(0);
  });
});

describe('ExportButton', () => {
  const clicked: string[] = [];
  beforeEach(() => {
    window.sessionStorage.clear();
    session.set('staff-token', 3600);
    clicked.length = 0;
    URL.createObjectURL = vi.fn(() => 'blob:x');
    URL.revokeObjectURL = vi.fn();
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download);
    });
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it('starts the job, shows its progress, and downloads the file once with the token when ready', async () => {
    const { calls, files } = network([JOB, READY]);
    const start = vi.fn(async () => ({ job: { id: 'exp-1' }, errors: [] }));
    const user = userEvent.setup({ delay: null });
    renderWithProviders(<ExportButton start={start} testId="houses-export" />);
    await user.click(screen.getByTestId('houses-export'));
    expect(start).toHaveBeenCalledTimes(1);
    const bar = await screen.findByTestId('houses-export-progress');
    expect(bar.getAttribute('data-status')).toBe('RUNNING');
    expect(bar.textContent).toContain('120 / 240');
    await waitFor(() => expect(screen.getByTestId('houses-export-progress').getAttribute('data-status')).toBe('SUCCEEDED'), { timeout: 5000 });
    await waitFor(() => expect(clicked).toEqual(['houses.xlsx']));
    expect(files).toEqual([{ path: '/files/exports/exp-1/', auth: 'Bearer staff-token' }]);
    expect(screen.getByTestId('houses-export-ready').textContent).toContain('240 行');
    expect(screen.getByText('电话和证件号码已按您的角色脱敏。')).toBeTruthy();
    const polls = calls.filter((c) => c.operation === 'ExportButtonJob').length;
    await new Promise((r) => setTimeout(r, 1300)); // longer than a poll: a finished job is not asked again
    expect(calls.filter((c) => c.operation === 'ExportButtonJob').length).toBe(polls);
    expect(files).toHaveLength(1);
    await user.click(screen.getByTestId('houses-export-download'));
    await waitFor(() => expect(files).toHaveLength(2));
  });

  it('says why when the export cannot start, and starts no polling', async () => {
    const { calls } = network([JOB]);
    const user = userEvent.setup({ delay: null });
    renderWithProviders(
      <ExportButton start={async () => ({ job: null, errors: [{ field: 'filter', message: '筛选条件无效。', code: 'INVALID' }] })} />,
    );
    await user.click(screen.getByTestId('export'));
    expect(await screen.findByText('筛选条件无效。')).toBeTruthy();
    expect(screen.queryByTestId('export-dialog')).toBeNull();
    expect(calls.some((c) => c.operation === 'ExportButtonJob')).toBe(false);
  });

  it('shows a failed job\'s reason and downloads nothing', async () => {
    const { files } = network([{ ...JOB, status: 'FAILED', error: '导出时发生内部错误。' }]);
    const user = userEvent.setup({ delay: null });
    renderWithProviders(<ExportButton start={async () => ({ job: { id: 'exp-1' }, errors: [] })} />);
    await user.click(screen.getByTestId('export'));
    expect(await screen.findByText('导出时发生内部错误。')).toBeTruthy();
    expect(files).toEqual([]);
    expect(clicked).toEqual([]);
  });
});
