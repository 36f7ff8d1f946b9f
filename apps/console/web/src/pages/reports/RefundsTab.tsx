// @access reports
// Refunds asked for in a range of days, by channel and status (count, amount), with the totals.
import { Alert, Skeleton, Space, Statistic, Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useState } from 'react';
import { useGraphQL } from '../../api/hooks';
import type { ReportsRefundsQuery } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { CHANNEL_LABELS } from '../dashboard/labels';
import { REFUND_STATUS, REFUND_STATUS_COLOR } from '../orders/labels';
import { ReportsRefundsDoc } from './documents';
import { lastDays, RangePicker, type Range } from './pickers';
import { ReportExport } from './ReportExport';

type Row = ReportsRefundsQuery['refundReport']['rows'][number];

export function RefundsTab() {
  const t = useT();
  const [range, setRange] = useState<Range>(() => lastDays(30));
  const { data, error, isLoading } = useGraphQL(ReportsRefundsDoc, { dateFrom: range[0], dateTo: range[1] });
  const report = data?.refundReport;
  const columns: ColumnsType<Row> = [
    { title: t('渠道', 'Channel'), dataIndex: 'channel', render: (c: Row['channel']) => t(...CHANNEL_LABELS[c]) },
    { title: t('状态', 'Status'), dataIndex: 'status', render: (s: Row['status']) => <Tag color={REFUND_STATUS_COLOR[s]}>{t(...REFUND_STATUS[s])}</Tag> },
    { title: t('笔数', 'Refunds'), dataIndex: 'count', align: 'right' },
    { title: t('金额', 'Amount'), dataIndex: 'amountFen', align: 'right', render: (f: number) => formatFen(f) },
  ];
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="report-refunds">
      <Space wrap>
        <RangePicker value={range} onChange={setRange} />
        <ReportExport testId="export-refunds" params={{ kind: 'REFUND_REPORT', dateFrom: range[0], dateTo: range[1] }} />
      </Space>
      {error && <Alert type="error" showIcon message={error.message} />}
      {isLoading || !report ? (
        <Skeleton active />
      ) : (
        <>
          <Space size="large" data-testid="refunds-totals">
            <Statistic title={t('退款笔数', 'Refunds')} value={report.count} />
            <Statistic title={t('申请金额', 'Asked for')} value={formatFen(report.amountFen)} />
            <Statistic title={t('已退款', 'Refunded')} value={formatFen(report.succeededFen)} />
          </Space>
          <Table<Row> rowKey={(r) => `${r.channel}-${r.status}`} size="small" columns={columns} dataSource={report.rows} pagination={false} data-testid="table-refunds" />
        </>
      )}
    </Space>
  );
}
