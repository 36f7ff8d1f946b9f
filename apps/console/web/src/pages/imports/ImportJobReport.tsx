// @access imports
// One import job (or dry run) as it runs and when it is done: a progress bar polled from importJob(id), the
// counts, and the errors as a server-paginated table (row as Excel shows it, column header, message).
import { useQuery } from '@tanstack/react-query';
import { Alert, Descriptions, Progress, Space, Table, Tag, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { ApiError, request } from '../../api/client';
import { graphql } from '../../gql/tenant';
import type { ImportJobStatus, ImportPageJobQuery } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';

export const ImportJobStatusDoc = graphql(`
  query ImportPageJob($id: ID!) {
    importJob(id: $id) {
      id
      status
      dryRun
      createMissing
      fileName
      totalRows
      processedRows
      createdCount
      updatedCount
      newCommunities
      newBuildings
      newUnits
      errorCount
      createdAt
      finishedAt
    }
  }
`);

export const ImportJobErrorsDoc = graphql(`
  query ImportPageJobErrors($id: ID!, $first: Int, $offset: Int) {
    importJob(id: $id) {
      id
      errorCount
      errors(first: $first, offset: $offset) { row column message code }
    }
  }
`);

export type ImportJobView = NonNullable<ImportPageJobQuery['importJob']>;

/** Errors the job keeps (errorCount counts them all). */
export const STORED_ERRORS = 1000;
const POLL_MS = 700;
const ERRORS_PAGE = 20;

export function isActive(status: ImportJobStatus): boolean {
  return status === 'QUEUED' || status === 'RUNNING';
}

/** Percent for the bar: rows done of the (estimated) total, 100 only once the job has finished. */
export function jobPercent(job: Pick<ImportJobView, 'status' | 'processedRows' | 'totalRows'>): number {
  if (!isActive(job.status)) return 100;
  if (job.totalRows <= 0) return 0;
  return Math.min(99, Math.floor((job.processedRows / job.totalRows) * 100));
}

/** Polls the job until it finishes; `onFinished` runs once with its final state. */
export function useImportJob(id: string | null, onFinished?: (job: ImportJobView) => void) {
  const query = useQuery({
    queryKey: ['importJob', id],
    enabled: !!id,
    queryFn: () => request(ImportJobStatusDoc, { id: id as string }),
    refetchInterval: (q) => {
      const job = q.state.data?.importJob;
      return job && isActive(job.status) ? POLL_MS : false;
    },
    staleTime: 0,
  });
  const job = query.data?.importJob ?? null;
  const callback = useRef(onFinished);
  callback.current = onFinished;
  const finished = job && !isActive(job.status) ? job : null;
  const finishedKey = finished ? finished.id + finished.status : null;
  useEffect(() => {
    if (finished) callback.current?.(finished); // once per job reaching its end
  }, [finishedKey]);
  return { job, error: query.error, isPending: query.isPending && !!id };
}

function ErrorTable({ job }: { job: ImportJobView }) {
  const t = useT();
  const [page, setPage] = useState(1);
  const { data, isFetching, error } = useQuery({
    queryKey: ['importJobErrors', job.id, page],
    queryFn: () => request(ImportJobErrorsDoc, { id: job.id, first: ERRORS_PAGE, offset: (page - 1) * ERRORS_PAGE }),
    placeholderData: (previous) => previous,
  });
  const listed = Math.min(job.errorCount, STORED_ERRORS);
  if (error) return <Alert type="error" showIcon message={error instanceof ApiError ? error.message : String(error)} />;
  return (
    <div data-testid="import-errors">
      <Table
        size="small"
        rowKey={(e) => `${e.row ?? 'file'}-${e.column ?? ''}-${e.code}-${e.message}`}
        loading={isFetching}
        dataSource={data?.importJob?.errors ?? []}
        pagination={{ current: page, pageSize: ERRORS_PAGE, total: listed, showSizeChanger: false, onChange: setPage }}
        columns={[
          {
            title: t('行', 'Row'),
            dataIndex: 'row',
            width: 80,
            render: (row: number | null) => (row === null ? t('整个文件', 'File') : row),
          },
          { title: t('列', 'Column'), dataIndex: 'column', width: 120, render: (c: string | null) => c ?? '—' },
          { title: t('问题', 'Problem'), dataIndex: 'message' },
        ]}
        footer={
          job.errorCount > STORED_ERRORS
            ? () =>
                t(
                  `共 ${job.errorCount} 处错误，这里列出前 ${STORED_ERRORS} 处。`,
                  `${job.errorCount} errors in all; the first ${STORED_ERRORS} are listed.`,
                )
            : undefined
        }
      />
    </div>
  );
}

const STATUS_COLORS: Record<ImportJobStatus, string> = { QUEUED: 'default', RUNNING: 'processing', SUCCEEDED: 'success', FAILED: 'error' };

export function useStatusText(): (job: Pick<ImportJobView, 'status' | 'dryRun'>) => string {
  const t = useT();
  return ({ status, dryRun }) => {
    if (status === 'QUEUED') return t('排队中', 'Queued');
    if (status === 'RUNNING') return dryRun ? t('检查中', 'Checking') : t('导入中', 'Importing');
    if (status === 'SUCCEEDED') return dryRun ? t('检查通过', 'No errors') : t('导入完成', 'Imported');
    return dryRun ? t('发现错误', 'Errors found') : t('导入失败', 'Failed');
  };
}

export function ImportJobStatusTag({ job }: { job: Pick<ImportJobView, 'status' | 'dryRun'> }) {
  const statusText = useStatusText();
  return <Tag color={STATUS_COLORS[job.status]}>{statusText(job)}</Tag>;
}

/** The progress bar, then the outcome: what was (or would be) written, or every error. */
export function ImportJobReport({ job }: { job: ImportJobView }) {
  const t = useT();
  const active = isActive(job.status);
  const percent = jobPercent(job);
  const would = job.dryRun ? t('将', 'would be ') : t('已', '');
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid={`import-job-${job.dryRun ? 'dry-run' : 'import'}`}>
      <Space wrap>
        <Typography.Text strong>{job.dryRun ? t('检查（试导入）', 'Check (dry run)') : t('导入', 'Import')}</Typography.Text>
        <Typography.Text type="secondary">{job.fileName}</Typography.Text>
        <span data-testid="import-job-status" data-status={job.status}>
          <ImportJobStatusTag job={job} />
        </span>
      </Space>
      <Progress
        percent={percent}
        status={active ? 'active' : job.status === 'FAILED' ? 'exception' : 'success'}
        data-testid="import-progress"
        data-percent={percent}
        format={(p) => (active ? `${job.processedRows} / ${job.totalRows || '?'}` : `${p}%`)}
      />
      {!active && job.status === 'SUCCEEDED' && (
        <Descriptions size="small" column={{ xs: 1, md: 3 }} bordered data-testid="import-counts">
          <Descriptions.Item label={t('数据行', 'Rows')}>{job.totalRows}</Descriptions.Item>
          <Descriptions.Item label={t(`${would}新建房屋`, `Houses ${would}created`)}>
            <span data-testid="import-created">{job.createdCount}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t(`${would}更新房屋`, `Houses ${would}updated`)}>
            <span data-testid="import-updated">{job.updatedCount}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t(`${would}新建小区`, `Communities ${would}created`)}>{job.newCommunities}</Descriptions.Item>
          <Descriptions.Item label={t(`${would}新建楼`, `Buildings ${would}created`)}>{job.newBuildings}</Descriptions.Item>
          <Descriptions.Item label={t(`${would}新建单元`, `Units ${would}created`)}>{job.newUnits}</Descriptions.Item>
        </Descriptions>
      )}
      {!active && job.status === 'FAILED' && (
        <>
          <Alert
            type="error"
            showIcon
            data-testid="import-error-summary"
            message={t(
              `发现 ${job.errorCount} 处错误，整个文件都没有导入。请按下表修改文件后重新上传。`,
              `${job.errorCount} errors: nothing in the file was imported. Fix the file as listed and upload it again.`,
            )}
          />
          <ErrorTable job={job} />
        </>
      )}
    </Space>
  );
}
