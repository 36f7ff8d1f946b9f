// @access reports
// 收款 per day and per month, by channel (WeChat, Alipay, cash, POS, transfer): chart and table with totals.
import { Alert, Segmented, Skeleton, Space } from 'antd';
import { useMemo, useState } from 'react';
import { useGraphQL } from '../../api/hooks';
import { useT } from '../../i18n';
import { ReportsCollectionsByDayDoc } from './documents';
import type { PeriodFigures } from './figures';
import { PeriodCollections } from './PeriodCollections';
import { lastDays, RangePicker, type Range } from './pickers';

function ByDay({ range }: { range: Range }) {
  const { data, error, isLoading } = useGraphQL(ReportsCollectionsByDayDoc, { dateFrom: range[0], dateTo: range[1] });
  const periods = useMemo<PeriodFigures[]>(
    () => (data?.collectionsByDay.days ?? []).map((d) => ({ ...d, period: d.date })),
    [data],
  );
  if (error) return <Alert type="error" showIcon message={error.message} />;
  if (isLoading) return <Skeleton active />;
  return <PeriodCollections periods={periods} testId="collections-day" />;
}

export function CollectionsTab() {
  const t = useT();
  const [range, setRange] = useState<Range>(() => lastDays(30));
  const [by, setBy] = useState<'day' | 'month'>('day');
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="report-collections">
      <Space wrap>
        <Segmented
          value={by}
          onChange={(v) => setBy(v as 'day' | 'month')}
          options={[
            { value: 'day', label: t('按日', 'By day') },
            { value: 'month', label: t('按月', 'By month') },
          ]}
          data-testid="collections-by"
        />
        {by === 'day' && <RangePicker value={range} onChange={setRange} />}
      </Space>
      {by === 'day' ? <ByDay range={range} /> : null}
    </Space>
  );
}
