// @access reports
// Counter money per collector over a range of days: by method (cash, POS, transfer), what they handed back,
// and the net, with a chart of the net per collector.
import { Alert, Skeleton, Space, Table } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useMemo, useState } from 'react';
import { useGraphQL } from '../../api/hooks';
import { EChart, type EChartsOption } from '../../charts/EChart';
import type { CounterMethod, ReportsCollectorsQuery } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { CHANNEL_COLORS, CHANNEL_LABELS } from '../dashboard/labels';
import { ReportsCollectorsDoc } from './documents';
import { chartYuan } from './figures';
import { lastDays, RangePicker, type Range } from './pickers';
import { ReportExport } from './ReportExport';

type Row = NonNullable<ReportsCollectorsQuery['counterCollectionByCollector']>[number];
const METHODS: readonly CounterMethod[] = ['CASH', 'POS', 'TRANSFER'];

export function CollectorsTab() {
  const t = useT();
  const [range, setRange] = useState<Range>(() => lastDays(30));
  const { data, error, isLoading } = useGraphQL(ReportsCollectorsDoc, { dateFrom: range[0], dateTo: range[1] });
  const rows = useMemo(() => data?.counterCollectionByCollector ?? [], [data]);
  const option = useMemo<EChartsOption>(
    () => ({
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: rows.map((r) => r.collectorName) },
      yAxis: { type: 'value', name: t('元', 'CNY') },
      series: METHODS.map((m) => ({
        type: 'bar',
        stack: 'collected',
        name: t(...CHANNEL_LABELS[m]),
        itemStyle: { color: CHANNEL_COLORS[m] },
        data: rows.map((r) => chartYuan(r.methods.find((x) => x.method === m)?.collectedFen ?? 0)),
      })),
    }),
    [rows, t],
  );
  const money = (f: number) => formatFen(f);
  const columns: ColumnsType<Row> = [
    { title: t('收费员', 'Collector'), dataIndex: 'collectorName' },
    ...METHODS.map((m) => ({
      title: t(...CHANNEL_LABELS[m]),
      key: m,
      align: 'right' as const,
      render: (_: unknown, r: Row) => money(r.methods.find((x) => x.method === m)?.collectedFen ?? 0),
    })),
    { title: t('笔数', 'Payments'), dataIndex: 'count', align: 'right' },
    { title: t('收款合计', 'Collected'), dataIndex: 'collectedFen', align: 'right', render: money },
    { title: t('退款', 'Handed back'), dataIndex: 'refundedFen', align: 'right', render: money },
    { title: t('净额', 'Net'), dataIndex: 'netFen', align: 'right', render: money },
  ];
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="report-collectors">
      <Space wrap>
        <RangePicker value={range} onChange={setRange} />
        <ReportExport testId="export-collectors" params={{ kind: 'COUNTER_BY_COLLECTOR', dateFrom: range[0], dateTo: range[1] }} />
      </Space>
      {error && <Alert type="error" showIcon message={error.message} />}
      {isLoading ? (
        <Skeleton active />
      ) : (
        <>
          <EChart option={option} height={300} testId="chart-collectors" />
          <Table<Row> rowKey="collectorId" size="small" columns={columns} dataSource={rows} pagination={false} data-testid="table-collectors" />
        </>
      )}
    </Space>
  );
}
