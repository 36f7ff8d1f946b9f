// @access reports
// Statement results over a range of bill dates: each run with its figures and differences per class, and the
// differences themselves (open ones by default), a page at a time; links go to the run in 对账.
import { Alert, Select, Space, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useGraphQL } from '../../api/hooks';
import type { ReportsStatementsQuery, StatementDifferenceStatus } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import {
  DIFF_KIND,
  DIFF_KIND_COLOR,
  DIFF_STATUS,
  DIFF_STATUS_COLOR,
  DIFF_STATUSES,
  MERCHANT_CHANNEL,
  RESOLUTION,
  RUN_STATUS,
  RUN_STATUS_COLOR,
  STATEMENT_KIND,
} from '../reconciliation/labels';
import { ReportsStatementsDoc } from './documents';
import { lastDays, RangePicker, type Range } from './pickers';
import { ReportExport } from './ReportExport';

type Run = ReportsStatementsQuery['statementRuns']['items'][number];
type Diff = ReportsStatementsQuery['statementDifferences']['items'][number];
const PAGE = 20;

export function StatementsTab() {
  const t = useT();
  const [range, setRange] = useState<Range>(() => lastDays(31));
  const [status, setStatus] = useState<StatementDifferenceStatus | 'ALL'>('OPEN');
  const [page, setPage] = useState(1);
  const { data, error, isLoading } = useGraphQL(ReportsStatementsDoc, {
    dateFrom: range[0],
    dateTo: range[1],
    status: status === 'ALL' ? null : status,
    offset: (page - 1) * PAGE,
    limit: PAGE,
  });
  const money = (f: number | null) => formatFen(f);
  const runColumns: ColumnsType<Run> = [
    { title: t('账单日期', 'Bill date'), dataIndex: 'billDate', render: (d: string, r) => <Link to={`/reconciliation/${r.id}`}>{d}</Link> },
    { title: t('渠道', 'Channel'), dataIndex: 'channel', render: (c: Run['channel'], r) => `${t(...MERCHANT_CHANNEL[c])} · ${t(...STATEMENT_KIND[r.kind])}` },
    { title: t('状态', 'Status'), dataIndex: 'status', render: (s: Run['status']) => <Tag color={RUN_STATUS_COLOR[s]}>{t(...RUN_STATUS[s])}</Tag> },
    { title: t('一致', 'Matched'), dataIndex: 'matchedCount', align: 'right', render: (n: number | null) => n ?? '—' },
    { title: t('渠道收款', 'Bill paid'), dataIndex: 'channelPaidFen', align: 'right', render: money },
    { title: t('本地收款', 'Ledger paid'), dataIndex: 'localPaidFen', align: 'right', render: money },
    { title: t('渠道退款', 'Bill refunds'), dataIndex: 'channelRefundedFen', align: 'right', render: money },
    { title: t('本地退款', 'Ledger refunds'), dataIndex: 'localRefundedFen', align: 'right', render: money },
    {
      title: t('差异', 'Differences'),
      key: 'counts',
      render: (_, r) => (
        <Space size={[4, 4]} wrap>
          {r.differenceCounts.map((c) => (
            <Tag key={c.kind} color={DIFF_KIND_COLOR[c.kind]}>
              {t(...DIFF_KIND[c.kind])} {c.total}
            </Tag>
          ))}
        </Space>
      ),
    },
    { title: t('待处理', 'Open'), dataIndex: 'openDifferenceCount', align: 'right', render: (n: number) => (n ? <Typography.Text type="danger">{n}</Typography.Text> : 0) },
  ];
  const diffColumns: ColumnsType<Diff> = [
    { title: t('账单日期', 'Bill date'), dataIndex: 'billDate', render: (d: string, r) => <Link to={`/reconciliation/${r.runId}`}>{d}</Link> },
    { title: t('渠道', 'Channel'), dataIndex: 'channel', render: (c: Diff['channel']) => t(...MERCHANT_CHANNEL[c]) },
    { title: t('类型', 'Kind'), dataIndex: 'kind', render: (k: Diff['kind']) => <Tag color={DIFF_KIND_COLOR[k]}>{t(...DIFF_KIND[k])}</Tag> },
    { title: t('商户订单号', 'Order no.'), dataIndex: 'outTradeNo', render: (v: string, r) => (r.outRefundNo ? `${v} / ${r.outRefundNo}` : v) },
    { title: t('渠道金额', 'Bill'), dataIndex: 'channelAmountFen', align: 'right', render: money },
    { title: t('本地金额', 'Ledger'), dataIndex: 'localAmountFen', align: 'right', render: money },
    {
      title: t('处理', 'Status'),
      dataIndex: 'status',
      render: (s: Diff['status'], r) => (
        <Space size={4} wrap>
          <Tag color={DIFF_STATUS_COLOR[s]}>{t(...DIFF_STATUS[s])}</Tag>
          {r.resolution && t(...RESOLUTION[r.resolution])}
          {r.note && <Typography.Text type="secondary">{r.note}</Typography.Text>}
        </Space>
      ),
    },
  ];
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="report-statements">
      <Space wrap>
        <RangePicker
          value={range}
          onChange={(r) => {
            setRange(r);
            setPage(1);
          }}
        />
        <Select<StatementDifferenceStatus | 'ALL'>
          style={{ width: 160 }}
          value={status}
          onChange={(v) => {
            setStatus(v);
            setPage(1);
          }}
          options={[{ value: 'ALL', label: t('全部差异', 'Every difference') }, ...DIFF_STATUSES.map((s) => ({ value: s, label: t(...DIFF_STATUS[s]) }))]}
          data-testid="statements-status"
        />
        <ReportExport
          testId="export-statements"
          label={t('导出差异', 'Export the differences')}
          params={{ kind: 'STATEMENT_DIFFERENCES', dateFrom: range[0], dateTo: range[1], differenceStatus: status === 'ALL' ? null : status }}
        />
        <ReportExport
          testId="export-statement-runs"
          label={t('导出对账批次', 'Export the runs')}
          params={{ kind: 'STATEMENT_RUNS', dateFrom: range[0], dateTo: range[1] }}
        />
      </Space>
      {error && <Alert type="error" showIcon message={error.message} />}
      <Table<Run>
        rowKey="id"
        size="small"
        loading={isLoading}
        columns={runColumns}
        dataSource={data?.statementRuns.items ?? []}
        pagination={false}
        title={() => t(`对账批次（${data?.statementRuns.totalCount ?? 0}）`, `Statement runs (${data?.statementRuns.totalCount ?? 0})`)}
        data-testid="table-statement-runs"
      />
      <Table<Diff>
        rowKey="id"
        size="small"
        loading={isLoading}
        columns={diffColumns}
        dataSource={data?.statementDifferences.items ?? []}
        pagination={{ current: page, pageSize: PAGE, total: data?.statementDifferences.totalCount ?? 0, showSizeChanger: false, onChange: setPage }}
        title={() => t(`差异（${data?.statementDifferences.totalCount ?? 0}）`, `Differences (${data?.statementDifferences.totalCount ?? 0})`)}
        data-testid="table-statement-differences"
      />
    </Space>
  );
}
