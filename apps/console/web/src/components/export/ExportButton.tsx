// @access houses, bills, orders, reports, invoices
// "Export to Excel" for any list: the page starts its own export job (startHouseExport / startBillExport /
// startPaymentExport with the filter the list shows) and hands the answer over; this button then polls
// exportJob(id) with a progress bar and downloads the file (GET downloadUrl with the token) when it is ready.
// The dialog may be closed meanwhile: the job goes on on the server and the file still downloads here.
//
//   const start = async () => (await request(StartHouseExportDoc, { filter })).startHouseExport;
//   <ExportButton start={start} testId="houses-export" />
import { DownloadOutlined, FileExcelOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, App, Button, Modal, Progress, Space, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { ApiError, request, type PayloadError } from '../../api/client';
import { downloadFile } from '../../api/files';
import { graphql } from '../../gql/tenant';
import type { ExportJobStatus, ExportButtonJobQuery } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';

export const ExportButtonJobDoc = graphql(`
  query ExportButtonJob($id: ID!) {
    exportJob(id: $id) {
      id
      kind
      status
      masked
      totalRows
      processedRows
      fileName
      size
      error
      downloadUrl
      expiresAt
    }
  }
`);

export type ExportJobView = NonNullable<ExportButtonJobQuery['exportJob']>;

/** What a start*Export mutation answers (its payload). */
export interface StartedExport {
  job: { id: string } | null;
  errors: readonly PayloadError[];
}

const POLL_MS = 1000;

export function exportActive(status: ExportJobStatus): boolean {
  return status === 'QUEUED' || status === 'RUNNING';
}

/** Rows written of the rows counted; 100 only once the file is ready. */
export function exportPercent(job: Pick<ExportJobView, 'status' | 'processedRows' | 'totalRows'>): number {
  if (job.status === 'SUCCEEDED') return 100;
  if (!exportActive(job.status) || job.totalRows <= 0) return 0;
  return Math.min(99, Math.floor((job.processedRows / job.totalRows) * 100));
}

function size(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

export function ExportButton({
  start,
  label,
  testId = 'export',
}: {
  start: () => Promise<StartedExport | null | undefined>;
  label?: string;
  testId?: string;
}) {
  const t = useT();
  const { message } = App.useApp();
  const [starting, setStarting] = useState(false);
  const [jobId, setJobId] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const [downloadError, setDownloadError] = useState<string | null>(null);
  const downloaded = useRef<string | null>(null);

  const { data, error } = useQuery({
    queryKey: ['exportJob', jobId],
    enabled: jobId !== null,
    queryFn: () => request(ExportButtonJobDoc, { id: jobId as string }),
    refetchInterval: (q) => {
      const job = q.state.data?.exportJob;
      return !job || exportActive(job.status) ? POLL_MS : false;
    },
    staleTime: 0,
  });
  const job = data?.exportJob ?? null;

  const download = async (j: ExportJobView) => {
    if (!j.downloadUrl) return;
    setDownloadError(null);
    try {
      await downloadFile(j.downloadUrl, j.fileName);
    } catch (err) {
      setDownloadError(err instanceof ApiError ? err.message : String(err));
    }
  };

  // Download once, as soon as the job is ready (whether or not the dialog is still open).
  useEffect(() => {
    if (job?.status === 'SUCCEEDED' && downloaded.current !== job.id) {
      downloaded.current = job.id;
      if (!open) message.success(t(`导出完成：${job.fileName}`, `Export ready: ${job.fileName}`));
      void download(job);
    }
  }, [job?.id, job?.status]);

  const onClick = async () => {
    if (job && exportActive(job.status)) {
      setOpen(true); // one export at a time from this button: show the one running
      return;
    }
    setStarting(true);
    try {
      const answer = await start();
      if (!answer?.job || answer.errors.length) {
        message.error(answer?.errors.map((e) => e.message).join(' ') || t('无法开始导出', 'Could not start the export'));
        return;
      }
      downloaded.current = null;
      setDownloadError(null);
      setJobId(answer.job.id);
      setOpen(true);
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    } finally {
      setStarting(false);
    }
  };

  const running = job !== null && exportActive(job.status);
  const percent = job ? exportPercent(job) : 0;
  return (
    <>
      <Button icon={<FileExcelOutlined />} loading={starting} onClick={() => void onClick()} data-testid={testId}>
        {running ? t(`导出中 ${percent}%`, `Exporting ${percent}%`) : (label ?? t('导出 Excel', 'Export to Excel'))}
      </Button>
      <Modal
        open={open}
        title={t('导出 Excel', 'Export to Excel')}
        onCancel={() => setOpen(false)}
        footer={
          <Button onClick={() => setOpen(false)} data-testid={`${testId}-close`}>
            {running ? t('后台继续', 'Continue in background') : t('关闭', 'Close')}
          </Button>
        }
        destroyOnHidden
      >
        <Space direction="vertical" style={{ width: '100%' }} data-testid={`${testId}-dialog`}>
          {error && <Alert type="error" showIcon message={error instanceof ApiError ? error.message : String(error)} />}
          {!job && !error && <Progress percent={0} status="active" />}
          {job && (
            <>
              <Progress
                percent={percent}
                status={job.status === 'FAILED' || job.status === 'EXPIRED' ? 'exception' : running ? 'active' : 'success'}
                data-testid={`${testId}-progress`}
                data-status={job.status}
                format={(p) => (running && job.totalRows ? `${job.processedRows} / ${job.totalRows}` : `${p}%`)}
              />
              {running && (
                <Typography.Text type="secondary">
                  {t('正在生成文件，完成后自动下载；可以关闭此窗口，导出在后台继续。', 'Writing the file; it downloads when ready. You may close this window: the export goes on.')}
                </Typography.Text>
              )}
              {job.status === 'SUCCEEDED' && (
                <Space direction="vertical">
                  <Typography.Text data-testid={`${testId}-ready`}>
                    {t(`已生成 ${job.fileName}（${job.totalRows} 行，${size(job.size)}）`, `${job.fileName} is ready (${job.totalRows} rows, ${size(job.size)})`)}
                  </Typography.Text>
                  {job.masked && (
                    <Typography.Text type="secondary">
                      {t('电话和证件号码已按您的角色脱敏。', 'Phone and ID numbers are masked for your role.')}
                    </Typography.Text>
                  )}
                  <Button icon={<DownloadOutlined />} onClick={() => void download(job)} data-testid={`${testId}-download`}>
                    {t('再次下载', 'Download again')}
                  </Button>
                </Space>
              )}
              {job.status === 'FAILED' && <Alert type="error" showIcon message={job.error || t('导出失败', 'The export failed')} />}
              {job.status === 'EXPIRED' && <Alert type="warning" showIcon message={t('文件已过期删除，请重新导出。', 'The file has expired; export again.')} />}
              {downloadError && <Alert type="error" showIcon message={downloadError} />}
            </>
          )}
        </Space>
      </Modal>
    </>
  );
}
