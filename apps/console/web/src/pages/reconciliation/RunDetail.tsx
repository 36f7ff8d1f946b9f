// @access reconciliation
// One statement run (/reconciliation/<id>): its state (polled while it fetches, parses and matches), the bill's
// own summary next to the parsed rows and the ledger, differences by class, and what finance may do with it:
// resolve differences, run it again, close it, download the raw file.
import { DownloadOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Card, Descriptions, Result, Skeleton, Space, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs from 'dayjs';
import { useRef, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ApiError, request } from '../../api/client';
import { downloadFile } from '../../api/files';
import type { ReconRunQuery } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { CloseRunButton } from './CloseRunButton';
import { DifferencesTable, type DifferenceRow, type DifferencesTableHandle } from './DifferencesTable';
import { ReconRunDoc } from './documents';
import { DIFF_KIND, DIFF_KIND_COLOR, MERCHANT_CHANNEL, MERCHANT_CHANNEL_COLOR, RUN_STATUS, RUN_STATUS_COLOR, STATEMENT_KIND } from './labels';
import { ResolveDialog, type ResolveTarget } from './ResolveDialog';
import { isWorking, POLL_MS } from './run';
import { RunExtraActions } from './RunExtraActions';

export type RunView = NonNullable<ReconRunQuery['statementRun']>;

const when = (v: string | null | undefined) => (v ? dayjs(v).format('YYYY-MM-DD HH:mm:ss') : '—');

interface FigureRow {
  key: string;
  label: string;
  summary: number | null;
  channel: number | null;
  local: number | null;
  money: boolean;
}

/** The bill's summary line, its parsed rows and the ledger, figure by figure. */
export function figureRows(run: RunView, t: (zh: string, en: string) => string): FigureRow[] {
  const s = run.summary;
  return [
    { key: 'count', label: t('笔数', 'Rows'), summary: s?.count ?? null, channel: null, local: null, money: false },
    { key: 'paid', label: t('收款', 'Payments'), summary: s?.paidFen ?? null, channel: run.channelPaidFen, local: run.localPaidFen, money: true },
    { key: 'refunded', label: t('退款', 'Refunds'), summary: s?.refundedFen ?? null, channel: run.channelRefundedFen, local: run.localRefundedFen, money: true },
    { key: 'fee', label: t('手续费', 'Fees'), summary: s?.feeFen ?? null, channel: null, local: null, money: true },
  ];
}

export function RunSummary({ run }: { run: RunView }) {
  const t = useT();
  const show = (v: number | null, money: boolean) => (v === null ? '—' : money ? formatFen(v) : String(v));
  const columns: ColumnsType<FigureRow> = [
    { title: t('项目', 'Figure'), dataIndex: 'label' },
    { title: t('账单汇总行', 'Bill summary line'), key: 'summary', align: 'right', render: (_, r) => show(r.summary, r.money) },
    { title: t('账单明细', 'Bill rows'), key: 'channel', align: 'right', render: (_, r) => show(r.channel, r.money) },
    { title: t('本地账', 'Ledger'), key: 'local', align: 'right', render: (_, r) => show(r.local, r.money) },
    {
      title: t('差额（账单 − 本地）', 'Difference (bill − ledger)'),
      key: 'diff',
      align: 'right',
      render: (_, r) => {
        if (r.channel === null || r.local === null) return '—';
        const d = r.channel - r.local;
        return <Typography.Text type={d ? 'danger' : 'success'}>{formatFen(d)}</Typography.Text>;
      },
    },
  ];
  return <Table<FigureRow> rowKey="key" size="small" pagination={false} columns={columns} dataSource={figureRows(run, t)} data-testid="run-figures" />;
}

export default function RunDetail() {
  const t = useT();
  const { id = '' } = useParams();
  const { message } = App.useApp();
  const client = useQueryClient();
  const table = useRef<DifferencesTableHandle>(null);
  const [target, setTarget] = useState<ResolveTarget | null>(null);
  const query = useQuery({
    queryKey: ['ReconRun', id],
    queryFn: async () => (await request(ReconRunDoc, { id })).statementRun,
    refetchInterval: (q) => (isWorking(q.state.data?.status) ? POLL_MS : false),
    staleTime: 0,
  });
  const run = query.data;
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['ReconRun', id] });
    void client.invalidateQueries({ queryKey: ['ReconRuns'] });
    table.current?.reload();
  };

  if (query.isLoading) return <Skeleton active />;
  if (query.error) return <Alert type="error" showIcon message={query.error instanceof ApiError ? query.error.message : String(query.error)} />;
  if (!run)
    return (
      <Result status="404" title={t('找不到该对账批次', 'No such statement run')} extra={<Link to="/reconciliation">{t('返回对账', 'Back to reconciliation')}</Link>} />
    );

  const download = async () => {
    if (!run.fileUrl) return;
    try {
      await downloadFile(run.fileUrl, `${run.channel.toLowerCase()}-${run.kind.toLowerCase()}-${run.billDate}`);
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    }
  };
  const counts = run.differenceCounts;

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="run-detail" data-run-status={run.status}>
      <Card
        title={
          <Space wrap>
            <Link to="/reconciliation" data-testid="run-back">
              {t('对账', 'Reconciliation')}
            </Link>
            <span>/</span>
            <span>
              {run.billDate} · {t(...MERCHANT_CHANNEL[run.channel])} · {t(...STATEMENT_KIND[run.kind])}
            </span>
            <Tag color={RUN_STATUS_COLOR[run.status]} data-testid="run-status" data-status={run.status}>
              {t(...RUN_STATUS[run.status])}
            </Tag>
          </Space>
        }
        extra={
          <Space wrap>
            <RunExtraActions run={run} onChanged={refresh} />
            {run.fileUrl && (
              <Button icon={<DownloadOutlined />} onClick={() => void download()} data-testid="run-download">
                {t('下载原始账单', 'Download the raw bill')}
              </Button>
            )}
            <CloseRunButton run={run} onClosed={refresh} />
          </Space>
        }
      >
        {run.status === 'FAILED' && (
          <Alert
            type="error"
            showIcon
            style={{ marginBottom: 16 }}
            message={t('对账失败', 'The run failed')}
            description={
              <>
                {run.error}
                {/* The provider's or parser's code, for support: named as a code rather than left bare. */}
                {run.errorCode && <Typography.Text type="secondary">{t(`（错误码 ${run.errorCode}）`, ` (code ${run.errorCode})`)}</Typography.Text>}
              </>
            }
            data-testid="run-error"
          />
        )}
        {isWorking(run.status) && (
          <Alert type="info" showIcon style={{ marginBottom: 16 }} message={t('正在获取、解析和比对账单…', 'Fetching, parsing and matching the bill…')} />
        )}
        <Descriptions size="small" column={{ xs: 1, md: 3 }} bordered>
          <Descriptions.Item label={t('渠道', 'Channel')}>
            <Tag color={MERCHANT_CHANNEL_COLOR[run.channel]}>{t(...MERCHANT_CHANNEL[run.channel])}</Tag>
          </Descriptions.Item>
          <Descriptions.Item label={t('商户号', 'Merchant')}>{run.merchantId || '—'}</Descriptions.Item>
          <Descriptions.Item label={t('账单日期', 'Bill date')}>{run.billDate}</Descriptions.Item>
          <Descriptions.Item label={t('发起人', 'Started by')}>{run.startedBy ?? t('定时任务', 'Schedule')}</Descriptions.Item>
          <Descriptions.Item label={t('尝试次数', 'Attempts')}>{run.attempts}</Descriptions.Item>
          <Descriptions.Item label={t('比对一致', 'Matched rows')}>{run.matchedCount ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('下载时间', 'Fetched')}>{when(run.fetchedAt)}</Descriptions.Item>
          <Descriptions.Item label={t('比对时间', 'Matched')}>{when(run.matchedAt)}</Descriptions.Item>
          <Descriptions.Item label={t('关闭', 'Closed')}>
            {run.closedAt ? `${when(run.closedAt)} ${run.closedBy ?? ''}` : '—'}
          </Descriptions.Item>
          {run.fileSha1 && (
            <Descriptions.Item label="SHA1" span={3}>
              <Typography.Text code copyable>
                {run.fileSha1}
              </Typography.Text>
            </Descriptions.Item>
          )}
        </Descriptions>
      </Card>
      <Card title={t('账单与本地账', 'The bill and the ledger')} size="small">
        <RunSummary run={run} />
        {counts.length > 0 && (
          <Space wrap style={{ marginTop: 12 }} data-testid="run-counts">
            {counts.map((c) => (
              <Tag key={c.kind} color={DIFF_KIND_COLOR[c.kind]} data-testid={`run-count-${c.kind}`}>
                {t(...DIFF_KIND[c.kind])} {c.total}
                {c.open ? t(`（待处理 ${c.open}）`, ` (${c.open} open)`) : ''}
              </Tag>
            ))}
            <Typography.Text type={run.openDifferenceCount ? 'danger' : 'secondary'} data-testid="run-open-count">
              {t(`待处理差异 ${run.openDifferenceCount} 条`, `${run.openDifferenceCount} open`)}
            </Typography.Text>
          </Space>
        )}
      </Card>
      <DifferencesTable
        ref={table}
        runId={run.id}
        onResolve={
          run.status === 'MATCHED'
            ? (row: DifferenceRow) =>
                setTarget({
                  id: row.id,
                  kind: row.kind,
                  outTradeNo: row.outTradeNo,
                  outRefundNo: row.outRefundNo,
                  channelAmountFen: row.channelAmountFen,
                  localAmountFen: row.localAmountFen,
                  autoAction: row.autoAction,
                  allowedResolutions: row.allowedResolutions,
                })
            : null
        }
      />
      <ResolveDialog
        difference={target}
        onClose={() => setTarget(null)}
        onDone={() => {
          setTarget(null);
          message.success(t('差异已处理', 'Resolved'));
          refresh();
        }}
      />
    </Space>
  );
}
