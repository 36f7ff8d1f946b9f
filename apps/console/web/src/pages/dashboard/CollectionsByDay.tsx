// @access dashboard.collections
import { Alert, Card, Segmented, Skeleton } from 'antd';
import dayjs from 'dayjs';
import { useMemo, useState } from 'react';
import { useGraphQL } from '../../api/hooks';
import { EChart, type EChartsOption } from '../../charts/EChart';
import { graphql } from '../../gql/tenant';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { CHANNEL_COLORS, CHANNEL_LABELS } from './labels';

const Collections = graphql(`
  query DashboardCollectionsByDay($dateFrom: Date!, $dateTo: Date!) {
    collectionsByDay(dateFrom: $dateFrom, dateTo: $dateTo) {
      collectedFen
      refundedFen
      netFen
      totals { channel collectedFen count }
      days { date netFen channels { channel collectedFen refundedFen netFen } }
    }
  }
`);

/** Money collected per day and channel (stacked), over the last 30 or 90 days. */
export function CollectionsByDay() {
  const t = useT();
  const [span, setSpan] = useState<30 | 90>(30);
  const today = dayjs();
  const vars = { dateFrom: today.subtract(span - 1, 'day').format('YYYY-MM-DD'), dateTo: today.format('YYYY-MM-DD') };
  const { data, error, isLoading } = useGraphQL(Collections, vars);
  const result = data?.collectionsByDay;

  const option = useMemo<EChartsOption>(() => {
    const days = result?.days ?? [];
    const channels = (result?.totals ?? []).map((c) => c.channel);
    return {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: days.map((d) => d.date.slice(5)) },
      yAxis: { type: 'value', name: t('元', 'CNY') },
      series: channels.map((channel) => ({
        type: 'bar',
        stack: 'collected',
        name: t(...CHANNEL_LABELS[channel]),
        itemStyle: { color: CHANNEL_COLORS[channel] },
        data: days.map((d) => (d.channels.find((c) => c.channel === channel)?.collectedFen ?? 0) / 100),
      })),
    };
  }, [result, t]);

  return (
    <Card
      title={t('每日收款（按渠道）', 'Collected per day, by channel')}
      extra={
        <Segmented
          value={span}
          onChange={(v) => setSpan(v as 30 | 90)}
          options={[
            { value: 30, label: t('近 30 天', 'Last 30 days') },
            { value: 90, label: t('近 90 天', 'Last 90 days') },
          ]}
        />
      }
    >
      {error && <Alert type="error" showIcon message={error.message} />}
      {isLoading || !result ? (
        <Skeleton active />
      ) : (
        <>
          <div style={{ marginBottom: 8 }} data-testid="collections-totals">
            {t('收款', 'Collected')} {formatFen(result.collectedFen)} · {t('退款', 'Refunded')} {formatFen(result.refundedFen)} ·{' '}
            {t('净额', 'Net')} {formatFen(result.netFen)}
          </div>
          <EChart option={option} height={340} testId="chart-collections-by-day" />
        </>
      )}
    </Card>
  );
}
