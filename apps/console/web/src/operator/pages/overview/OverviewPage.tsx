// @access op.overview
// Platform overview for operators: companies by status, houses, residents and 收缴率 across companies, money
// collected per day by channel across companies, and the newest companies' 收缴率. Every figure comes from the
// companies' periodically refreshed public-schema summaries (platformFigures, platformCollectionsByDay,
// tenants { summary }), never from a visit to each company's schema.
import { Alert, Card, Col, Empty, Row, Segmented, Skeleton, Space, Statistic, Typography } from 'antd';
import dayjs from 'dayjs';
import { useMemo, useState } from 'react';
import { useGraphQL } from '../../../api/hooks';
import { EChart, type EChartsOption } from '../../../charts/EChart';
import { graphql } from '../../../gql/platform';
import type { CollectionChannel, TenantStatus } from '../../../gql/platform/graphql';
import { useT } from '../../../i18n';
import { formatFen } from '../../../lib/money';
import { CHANNEL_COLORS, CHANNEL_LABELS } from '../../../pages/dashboard/labels';

const Figures = graphql(`
  query OverviewFigures {
    platformFigures {
      tenantCount
      tenants { status count }
      houses
      residents
      billedFen
      collectedFen
      collectionRate
      refreshedAt
    }
  }
`);

const ByDay = graphql(`
  query OverviewCollectionsByDay($dateFrom: Date!, $dateTo: Date!) {
    platformCollectionsByDay(dateFrom: $dateFrom, dateTo: $dateTo) {
      date
      collectedFen
      refundedFen
      channels { channel collectedFen payments tenants }
    }
  }
`);

const Companies = graphql(`
  query OverviewCompanies {
    tenants(status: ACTIVE, first: 20) {
      totalCount
      items { id name slug summary { houses billedFen collectedFen collectionRate seasonName } }
    }
  }
`);

const STATUS_COLORS: Record<TenantStatus, string> = { ACTIVE: '#52c41a', SUSPENDED: '#fa8c16', CLOSED: '#bfbfbf' };
const CHANNELS: readonly CollectionChannel[] = ['WECHAT', 'ALIPAY', 'CASH', 'POS', 'TRANSFER'];

function CollectionsChart() {
  const t = useT();
  const [span, setSpan] = useState<30 | 90>(30);
  const today = dayjs();
  const vars = { dateFrom: today.subtract(span - 1, 'day').format('YYYY-MM-DD'), dateTo: today.format('YYYY-MM-DD') };
  const { data, error, isLoading } = useGraphQL(ByDay, vars);
  const days = useMemo(() => data?.platformCollectionsByDay ?? [], [data]);
  const totals = useMemo(
    () => days.reduce((acc, d) => ({ collected: acc.collected + d.collectedFen, refunded: acc.refunded + d.refundedFen }), { collected: 0, refunded: 0 }),
    [days],
  );
  const option = useMemo<EChartsOption>(
    () => ({
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: days.map((d) => d.date.slice(5)) },
      yAxis: { type: 'value', name: t('元', 'CNY') },
      series: CHANNELS.map((channel) => ({
        type: 'bar',
        stack: 'collected',
        name: t(...CHANNEL_LABELS[channel]),
        itemStyle: { color: CHANNEL_COLORS[channel] },
        data: days.map((d) => (d.channels.find((c) => c.channel === channel)?.collectedFen ?? 0) / 100),
      })),
    }),
    [days, t],
  );
  return (
    <Card
      title={t('各公司每日收款合计（按渠道）', 'Collected per day across companies, by channel')}
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
      {isLoading ? (
        <Skeleton active />
      ) : (
        <>
          <div style={{ marginBottom: 8 }} data-testid="platform-collections-totals">
            {t('收款', 'Collected')} {formatFen(totals.collected)} · {t('退款', 'Refunded')} {formatFen(totals.refunded)}
          </div>
          <EChart option={option} height={340} testId="chart-platform-collections" />
        </>
      )}
    </Card>
  );
}

export default function OverviewPage() {
  const t = useT();
  const figures = useGraphQL(Figures, {});
  const companies = useGraphQL(Companies, {});
  const f = figures.data?.platformFigures;

  const statusOption = useMemo<EChartsOption>(() => {
    const statusText: Record<TenantStatus, string> = { ACTIVE: t('正常', 'Active'), SUSPENDED: t('已暂停', 'Suspended'), CLOSED: t('已关闭', 'Closed') };
    return {
      tooltip: { trigger: 'item' },
      legend: { bottom: 0 },
      series: [
        {
          type: 'pie',
          radius: ['45%', '70%'],
          label: { formatter: '{b}: {c}' },
          data: (f?.tenants ?? []).filter((s) => s.count > 0).map((s) => ({ name: statusText[s.status], value: s.count, itemStyle: { color: STATUS_COLORS[s.status] } })),
        },
      ],
    };
  }, [f, t]);

  const rated = useMemo(() => (companies.data?.tenants.items ?? []).filter((c) => c.summary && c.summary.billedFen > 0), [companies.data]);
  const rateOption = useMemo<EChartsOption>(
    () => ({
      tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => `${v}%` },
      grid: { left: 8, right: 40, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
      yAxis: { type: 'category', data: rated.map((c) => c.name), inverse: true },
      series: [
        {
          type: 'bar',
          name: t('收缴率', 'Collection rate'),
          data: rated.map((c) => Number(c.summary!.collectionRate)),
          itemStyle: { color: '#d4380d' },
          label: { show: true, position: 'right', formatter: '{c}%' },
        },
      ],
    }),
    [rated, t],
  );

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="operator-overview">
      <Card
        title={t('平台概况', 'Platform at a glance')}
        extra={
          f?.refreshedAt ? (
            <Typography.Text type="secondary">
              {t('数据更新于', 'Figures as of')} {dayjs(f.refreshedAt).format('YYYY-MM-DD HH:mm')}
            </Typography.Text>
          ) : null
        }
      >
        {figures.error && <Alert type="error" showIcon message={figures.error.message} />}
        <Row gutter={16} data-testid="platform-figures">
          <Col xs={12} md={4}>
            <Statistic title={t('供热公司', 'Companies')} value={f?.tenantCount ?? '—'} loading={figures.isLoading} />
          </Col>
          <Col xs={12} md={4}>
            <Statistic title={t('房屋', 'Houses')} value={f?.houses ?? '—'} loading={figures.isLoading} />
          </Col>
          <Col xs={12} md={4}>
            <Statistic title={t('居民', 'Residents')} value={f?.residents ?? '—'} loading={figures.isLoading} />
          </Col>
          <Col xs={12} md={4}>
            <Statistic title={t('应收（各公司最新采暖季）', 'Billed (latest seasons)')} value={f ? formatFen(f.billedFen) : '—'} loading={figures.isLoading} />
          </Col>
          <Col xs={12} md={4}>
            <Statistic title={t('实收', 'Collected')} value={f ? formatFen(f.collectedFen) : '—'} loading={figures.isLoading} />
          </Col>
          <Col xs={12} md={4}>
            <Statistic title={t('收缴率', 'Collection rate')} value={f ? Number(f.collectionRate) : '—'} precision={2} suffix="%" loading={figures.isLoading} />
          </Col>
        </Row>
      </Card>
      <CollectionsChart />
      <Row gutter={16}>
        <Col xs={24} lg={10}>
          <Card title={t('公司状态', 'Companies by status')}>
            {f ? <EChart option={statusOption} height={300} testId="chart-tenant-status" /> : <Skeleton active />}
          </Card>
        </Col>
        <Col xs={24} lg={14}>
          <Card title={t('最新 20 家正常公司的收缴率', 'Collection rate of the newest 20 active companies')}>
            {companies.error && <Alert type="error" showIcon message={companies.error.message} />}
            {companies.isLoading ? (
              <Skeleton active />
            ) : rated.length ? (
              <EChart option={rateOption} height={Math.max(240, rated.length * 36)} testId="chart-tenant-rates" />
            ) : (
              <Empty description={t('还没有已出账的公司', 'No company has billed yet')} />
            )}
          </Card>
        </Col>
      </Row>
    </Space>
  );
}
