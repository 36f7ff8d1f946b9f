// @access reports
// Arrears aging of a season: principal owed on it and the published seasons before it, by age in seasons.
import { Alert, Skeleton, Space, Table, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useMemo, useState } from 'react';
import { useGraphQL } from '../../api/hooks';
import { EChart, type EChartsOption } from '../../charts/EChart';
import type { ReportsArrearsAgingQuery } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { AGE_LABELS } from '../dashboard/labels';
import { ReportsArrearsAgingDoc } from './documents';
import { chartYuan } from './figures';
import { SeasonPicker } from './pickers';
import { ReportExport } from './ReportExport';

type Bucket = ReportsArrearsAgingQuery['arrearsAging']['buckets'][number];

export function AgingTab() {
  const t = useT();
  const [seasonId, setSeasonId] = useState<string>();
  const { data, error, isLoading } = useGraphQL(ReportsArrearsAgingDoc, { seasonId: seasonId ?? '' }, { enabled: !!seasonId });
  const aging = data?.arrearsAging;
  const buckets = useMemo(() => aging?.buckets ?? [], [aging]);
  const option = useMemo<EChartsOption>(
    () => ({
      tooltip: { trigger: 'axis' },
      grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: buckets.map((b) => t(...AGE_LABELS[b.age])), axisLabel: { interval: 0 } },
      yAxis: { type: 'value', name: t('元', 'CNY') },
      series: [{ type: 'bar', name: t('欠费本金', 'Principal owed'), data: buckets.map((b) => chartYuan(b.outstandingFen)), itemStyle: { color: '#fa541c' } }],
    }),
    [buckets, t],
  );
  const columns: ColumnsType<Bucket> = [
    { title: t('账龄', 'Age'), dataIndex: 'age', render: (a: Bucket['age']) => t(...AGE_LABELS[a]) },
    { title: t('户数', 'Houses'), dataIndex: 'houseCount', align: 'right' },
    { title: t('账单数', 'Bills'), dataIndex: 'billCount', align: 'right' },
    { title: t('欠费本金', 'Principal owed'), dataIndex: 'outstandingFen', align: 'right', render: (f: number) => formatFen(f) },
  ];
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="report-aging">
      <Space wrap>
        <SeasonPicker value={seasonId} onChange={setSeasonId} />
        {seasonId && <ReportExport testId="export-aging" params={{ kind: 'ARREARS_AGING', seasonId }} />}
      </Space>
      {error && <Alert type="error" showIcon message={error.message} />}
      {isLoading || !aging ? (
        <Skeleton active />
      ) : (
        <>
          <Typography.Text data-testid="aging-total">
            {t(`截至 ${aging.asOf}：欠费 ${aging.houseCount} 户，共 ${formatFen(aging.outstandingFen)}`, `As of ${aging.asOf}: ${aging.houseCount} houses owe ${formatFen(aging.outstandingFen)}`)}
          </Typography.Text>
          <EChart option={option} height={300} testId="chart-aging" />
          <Table<Bucket> rowKey="age" size="small" columns={columns} dataSource={buckets} pagination={false} data-testid="table-aging" />
        </>
      )}
    </Space>
  );
}
