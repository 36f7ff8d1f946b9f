// @access imports
// Bulk import of the house ledger (admin): download the template, upload a file (REST, Bearer token), check it
// (a dry run: the errors by row and column, or what it would create and update), import it with a live progress
// bar, read the results. Past jobs are listed below with their reports.
import { DownloadOutlined, InboxOutlined } from '@ant-design/icons';
import type { ActionType, ProColumns } from '@ant-design/pro-components';
import { Alert, App, Button, Card, Checkbox, Progress, Space, Steps, Typography, Upload } from 'antd';
import { useRef, useState, type RefObject } from 'react';
import { Link } from 'react-router-dom';
import { ApiError, request } from '../../api/client';
import { downloadFile, uploadFile } from '../../api/files';
import { ExportButton } from '../../components/export/ExportButton';
import { pageArgs, tablePage, type ProTableParams } from '../../components/table';
import { graphql } from '../../gql/tenant';
import type { ImportPageHistoryQuery } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { ImportJobReport, ImportJobStatusTag, useImportJob, type ImportJobView } from './ImportJobReport';
import DataTable from '../../components/DataTable';

export const StartHouseImportDoc = graphql(`
  mutation ImportPageStart($uploadId: ID!, $dryRun: Boolean!, $createMissing: Boolean!) {
    startHouseImport(uploadId: $uploadId, dryRun: $dryRun, createMissing: $createMissing) {
      job { id status dryRun }
      errors { field message code }
    }
  }
`);

export const ImportPageExportDoc = graphql(`
  mutation ImportPageExport {
    startHouseExport {
      job { id }
      errors { field message code }
    }
  }
`);

export const ImportJobsDoc = graphql(`
  query ImportPageHistory($first: Int, $offset: Int) {
    importJobs(first: $first, offset: $offset) {
      totalCount
      items {
        id
        status
        dryRun
        createMissing
        fileName
        totalRows
        createdCount
        updatedCount
        errorCount
        requestedBy
        createdAt
        finishedAt
      }
    }
  }
`);

export const UPLOAD_PATH = '/files/imports/';
export const TEMPLATE_PATH = (kind: 'xlsx' | 'csv') => `/files/houses/template.${kind}`;
export const CLEAR_MARKER = '<清空>';
const MAX_MB = 50;

interface Uploaded {
  uploadId: string;
  fileName: string;
  fileKind: string;
  size: number;
}

type JobRow = ImportPageHistoryQuery['importJobs']['items'][number];

function Rules() {
  const t = useT();
  return (
    <Typography.Paragraph data-testid="import-rules" style={{ marginBottom: 0 }}>
      <ul style={{ paddingLeft: 20, margin: 0 }}>
        <li>{t('只导入第一个工作表；第 1 行为表头，列名不能修改，列的顺序可以调整。', 'Only the first sheet is read; row 1 holds the headers (keep their names; their order may change).')}</li>
        <li>{t('户号已存在的房屋会被更新，新户号会被新建。', 'Existing 户号 are updated; new ones are created.')}</li>
        <li>
          <Typography.Text strong>{t('选填项留空表示不修改', 'An empty optional cell changes nothing')}</Typography.Text>
          {t('：已有房屋的该项保持原值（新房屋用默认值）。', ': an existing house keeps its value (a new house gets the default).')}
        </li>
        <li>
          {t('要清空已有房屋的某个选填项（单元、套内面积、热表编号、户主电话、证件号码），请在该格填写 ', 'To clear an optional value of an existing house (单元, 套内面积, 热表编号, 户主电话, 证件号码), write ')}
          <Typography.Text code data-testid="clear-marker">
            {CLEAR_MARKER}
          </Typography.Text>
          {t('。必填项和类别、低保特困、供热状态不能清空。', ' in the cell. Required columns and 类别, 低保特困, 供热状态 cannot be cleared.')}
        </li>
        <li>{t('户主电话和证件号码不能是脱敏号码（如 138****5678）：请填写完整号码，或留空表示不修改。', 'Phone and ID numbers cannot be masked ones (138****5678): write the full number, or leave the cell empty to keep it.')}</li>
        <li>{t('任意一行有错误时整个文件都不会导入：先检查，按错误报告修改后重新上传。', 'One bad row and nothing is imported: check first, fix the file as the report says, upload again.')}</li>
      </ul>
    </Typography.Paragraph>
  );
}

function JobHistory({ onOpen, reloadRef }: { onOpen: (id: string) => void; reloadRef: RefObject<ActionType> }) {
  const t = useT();
  const columns: ProColumns<JobRow>[] = [
    { title: t('开始时间', 'Started'), dataIndex: 'createdAt', valueType: 'dateTime', width: 170 },
    { title: t('文件', 'File'), dataIndex: 'fileName', ellipsis: true },
    { title: t('类型', 'Kind'), dataIndex: 'dryRun', width: 90, render: (_, r) => (r.dryRun ? t('检查', 'Check') : t('导入', 'Import')) },
    { title: t('状态', 'Status'), dataIndex: 'status', width: 110, render: (_, r) => <ImportJobStatusTag job={r} /> },
    { title: t('行数', 'Rows'), dataIndex: 'totalRows', align: 'right', width: 80 },
    { title: t('新建', 'Created'), dataIndex: 'createdCount', align: 'right', width: 80 },
    { title: t('更新', 'Updated'), dataIndex: 'updatedCount', align: 'right', width: 80 },
    { title: t('错误', 'Errors'), dataIndex: 'errorCount', align: 'right', width: 80 },
    { title: t('操作人', 'By'), dataIndex: 'requestedBy', width: 110 },
    {
      title: t('操作', 'Actions'),
      valueType: 'option',
      width: 90,
      render: (_, r) => [
        <a key="open" onClick={() => onOpen(r.id)}>
          {t('查看报告', 'Report')}
        </a>,
      ],
    },
  ];
  return (
    <DataTable<JobRow, ProTableParams>
      rowKey="id"
      actionRef={reloadRef}
      headerTitle={t('导入记录', 'Import history')}
      columns={columns}
      search={false}
      options={{ reload: true, density: false, setting: false }}
      pagination={{ defaultPageSize: 10, showSizeChanger: false }}
      data-testid="import-history"
      request={async (params) => tablePage((await request(ImportJobsDoc, pageArgs(params))).importJobs)}
    />
  );
}

export default function ImportPage() {
  const t = useT();
  const { message } = App.useApp();
  const [uploaded, setUploaded] = useState<Uploaded | null>(null);
  const [uploadPercent, setUploadPercent] = useState<number | null>(null);
  const [createMissing, setCreateMissing] = useState(false);
  const [checkId, setCheckId] = useState<string | null>(null);
  const [importId, setImportId] = useState<string | null>(null);
  const [viewId, setViewId] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const history = useRef<ActionType>(null);

  const reload = () => history.current?.reload();
  const check = useImportJob(checkId, reload);
  const run = useImportJob(importId, (job: ImportJobView) => {
    reload();
    if (job.status === 'SUCCEEDED') {
      message.success(t(`导入完成：新建 ${job.createdCount} 户，更新 ${job.updatedCount} 户`, `Imported: ${job.createdCount} created, ${job.updatedCount} updated`));
      setUploaded(null); // the server deletes an imported upload; the next file starts afresh
    }
  });
  const viewed = useImportJob(viewId);

  const start = async (upload: Uploaded, dryRun: boolean, missing = createMissing) => {
    setProblem(null);
    setStarting(true);
    try {
      const { startHouseImport } = await request(StartHouseImportDoc, { uploadId: upload.uploadId, dryRun, createMissing: missing });
      const errors = startHouseImport?.errors ?? [];
      if (errors.length || !startHouseImport?.job) {
        setProblem(errors.map((e) => e.message).join(' ') || t('无法开始', 'Could not start'));
        if (errors.some((e) => e.code === 'NOT_FOUND')) setUploaded(null);
        return;
      }
      if (dryRun) {
        setCheckId(startHouseImport.job.id);
        setImportId(null);
      } else setImportId(startHouseImport.job.id);
      setViewId(null);
      reload();
    } catch (err) {
      setProblem(err instanceof ApiError ? err.message : String(err));
    } finally {
      setStarting(false);
    }
  };

  const onFile = async (file: File) => {
    setProblem(null);
    setCheckId(null);
    setImportId(null);
    setViewId(null);
    setUploaded(null);
    setUploadPercent(0);
    try {
      const answer = await uploadFile<Uploaded>(UPLOAD_PATH, file, file.name, setUploadPercent);
      setUploaded(answer);
      await start(answer, true); // every upload is checked first
    } catch (err) {
      setProblem(err instanceof ApiError ? err.message : String(err));
    } finally {
      setUploadPercent(null);
    }
  };

  const download = async (kind: 'xlsx' | 'csv') => {
    try {
      await downloadFile(TEMPLATE_PATH(kind), `房屋台账导入模板.${kind}`);
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    }
  };

  const checked = check.job;
  const imported = run.job;
  const canImport = !!uploaded && checked?.status === 'SUCCEEDED' && !imported;
  const step = imported ? (imported.status === 'SUCCEEDED' ? 3 : 2) : checked ? (checked.status === 'SUCCEEDED' ? 2 : 1) : uploaded ? 1 : 0;

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="import-page">
      <Card>
        <Steps
          current={step}
          size="small"
          items={[
            { title: t('下载模板并填写', 'Fill in the template') },
            { title: t('上传并检查', 'Upload and check') },
            { title: t('导入', 'Import') },
            { title: t('完成', 'Done') },
          ]}
        />
      </Card>
      <Card title={t('1. 下载模板', '1. Download the template')}>
        <Space direction="vertical" style={{ width: '100%' }}>
          <Space wrap>
            <Button icon={<DownloadOutlined />} onClick={() => void download('xlsx')} data-testid="template-xlsx">
              {t('Excel 模板 (.xlsx)', 'Excel template (.xlsx)')}
            </Button>
            <Button icon={<DownloadOutlined />} onClick={() => void download('csv')} data-testid="template-csv">
              {t('CSV 模板', 'CSV template')}
            </Button>
            <ExportButton
              testId="ledger-export"
              label={t('导出现有台账（可修改后重新导入）', 'Export the ledger (edit it and import it again)')}
              start={async () => (await request(ImportPageExportDoc)).startHouseExport}
            />
          </Space>
          <Rules />
        </Space>
      </Card>
      <Card title={t('2. 上传并检查', '2. Upload and check')}>
        <Space direction="vertical" size="middle" style={{ width: '100%' }}>
          <Checkbox
            checked={createMissing}
            onChange={(e) => setCreateMissing(e.target.checked)}
            data-testid="import-create-missing"
          >
            {t('自动新建台账中没有的小区、楼、单元（否则作为错误列出）', 'Create 小区/楼/单元 the ledger lacks (otherwise they are listed as errors)')}
            <Typography.Text type="secondary"> (createMissing)</Typography.Text>
          </Checkbox>
          <div data-testid="import-upload">
            <Upload.Dragger
              accept=".xlsx,.csv"
              multiple={false}
              showUploadList={false}
              disabled={uploadPercent !== null || starting}
              beforeUpload={(file) => {
                if (!/\.(xlsx|csv)$/i.test(file.name)) {
                  setProblem(t('只支持 .xlsx 和 .csv 文件', 'Only .xlsx and .csv files'));
                } else if (file.size > MAX_MB * 1024 * 1024) {
                  setProblem(t(`文件不能超过 ${MAX_MB} MB`, `The file must not exceed ${MAX_MB} MB`));
                } else void onFile(file);
                return false; // we upload it ourselves (token, progress)
              }}
            >
              <p className="ant-upload-drag-icon">
                <InboxOutlined />
              </p>
              <p className="ant-upload-text">{t('点击或拖入 .xlsx / .csv 文件', 'Click or drop a .xlsx / .csv file')}</p>
              <p className="ant-upload-hint">{t(`不超过 ${MAX_MB} MB；上传后自动检查`, `Up to ${MAX_MB} MB; checked as soon as it is uploaded`)}</p>
            </Upload.Dragger>
          </div>
          {uploadPercent !== null && <Progress percent={uploadPercent} size="small" data-testid="upload-progress" />}
          {problem && <Alert type="error" showIcon message={problem} data-testid="import-problem" />}
          {uploaded && (
            <Space wrap>
              <Typography.Text data-testid="uploaded-file">
                {t('已上传：', 'Uploaded: ')}
                {uploaded.fileName} ({(uploaded.size / 1024).toFixed(1)} KB)
              </Typography.Text>
              <Button onClick={() => void start(uploaded, true)} loading={starting} disabled={!!imported} data-testid="import-recheck">
                {t('重新检查', 'Check again')}
              </Button>
            </Space>
          )}
          {checked && <ImportJobReport job={checked} />}
        </Space>
      </Card>
      <Card title={t('3. 导入', '3. Import')}>
        <Space direction="vertical" size="middle" style={{ width: '100%' }}>
          {!imported && (
            <Button type="primary" disabled={!canImport} loading={starting} onClick={() => uploaded && void start(uploaded, false)} data-testid="import-start">
              {t('开始导入', 'Import')}
            </Button>
          )}
          {!imported && !canImport && (
            <Typography.Text type="secondary">{t('文件检查通过后才能导入。', 'A file can be imported once its check passes.')}</Typography.Text>
          )}
          {imported && <ImportJobReport job={imported} />}
          {imported?.status === 'SUCCEEDED' && (
            <Space>
              <Link to="/houses" data-testid="import-to-houses">
                {t('查看房屋台账', 'Open the house ledger')}
              </Link>
            </Space>
          )}
        </Space>
      </Card>
      {viewed.job && (
        <Card title={t('导入记录报告', 'Job report')} extra={<a onClick={() => setViewId(null)}>{t('关闭', 'Close')}</a>}>
          <ImportJobReport job={viewed.job} />
        </Card>
      )}
      <JobHistory onOpen={setViewId} reloadRef={history} />
    </Space>
  );
}
