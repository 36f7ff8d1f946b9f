// @access reports
// 收款 per day and per month, by channel (WeChat, Alipay, cash, POS, transfer): chart and table with totals.
// Each view exports its own report (.xlsx, a background job).
import { Alert, DatePicker, Segmented, Skeleton, Space } from 'antd';
import dayjs from 'dayjs';
import { useMemo, useState } from 'react';
import { useGraphQL } from '../../api/hooks';
import { useT } from '../../i18n';
import { ReportsCollectionsByDayDoc, ReportsCollectionsByMonthDoc } from './documents';
import type { PeriodFigures } from './figures';
import { PeriodCollections } from './PeriodCollections';
import { lastDays, RangePicker, type Range } from './pickers';
import { ReportExport } from './ReportExport';

function ByDay({ range }: { range: Range }) {
  const { data, error, isLoading } = useGraphQL(ReportsCollectionsByDayDoc, { dateFrom: range[0], dateTo: range[1] });
  const periods = useMemo<PeriodFigures[]>(() => (data?.collectionsByDay.days ?? []).map((d) => ({ ...d, period: d.date })), [data]);
  if (error) return <Alert type="error" showIcon message={error.message} />;
  if (isLoading) return <Skeleton active />;
  return <PeriodCollections periods={periods} testId="collections-day" />;
}

function ByMonth({ months }: { months: Range }) {
  const { data, error, isLoading } = useGraphQL(ReportsCollectionsByMonthDoc, { monthFrom: months[0], monthTo: months[1] });
  const periods = useMemo<PeriodFigures[]>(() => (data?.collectionsByMonth.months ?? []).map((m) => ({ ...m, period: m.month })), [data]);
  if (error) return <Alert type="error" showIcon message={error.message} />;
  if (isLoading) return <Skeleton active />;
  return <PeriodCollections periods={periods} testId="collections-month" />;
}

export function CollectionsTab() {
  const t = useT();
  const [range, setRange] = useState<Range>(() => lastDays(30));
  const [months, setMonths] = useState<Range>(() => [dayjs().subtract(11, 'month').format('YYYY-MM'), dayjs().format('YYYY-MM')]);
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
        {by === 'day' ? (
          <>
            <RangePicker value={range} onChange={setRange} />
            <ReportExport testId="export-collections-day" params={{ kind: 'COLLECTIONS_BY_DAY', dateFrom: range[0], dateTo: range[1] }} />
          </>
        ) : (
          <>
            <DatePicker.RangePicker
              picker="month"
              allowClear={false}
              value={[dayjs(`${months[0]}-01`), dayjs(`${months[1]}-01`)]}
              disabledDate={(d) => d.isAfter(dayjs(), 'month')}
              onChange={(v) => v?.[0] && v[1] && setMonths([v[0].format('YYYY-MM'), v[1].format('YYYY-MM')])}
              data-testid="report-months"
            />
            <ReportExport testId="export-collections-month" params={{ kind: 'COLLECTIONS_BY_MONTH', monthFrom: months[0], monthTo: months[1] }} />
          </>
        )}
      </Space>
      {by === 'day' ? <ByDay range={range} /> : <ByMonth months={months} />}
    </Space>
  );
}
