// @access dashboard
// The staff dashboard: the season's 收缴率 overall and per community, arrears by age, and — for the roles
// that may see them (access.ts) — money collected per day by channel, jobs in progress and recent refunds.
import { Alert, Card, Col, Empty, Row, Select, Skeleton, Space, Statistic } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useGraphQL } from '../../api/hooks';
import { useCan } from '../../auth/useCan';
import { EChart, type EChartsOption } from '../../charts/EChart';
import { graphql } from '../../gql/tenant';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { CollectionsByDay } from './CollectionsByDay';
import { BillRunsInProgress } from './BillRunsInProgress';
import { ImportsInProgress } from './ImportsInProgress';
import { RecentRefunds } from './RecentRefunds';
import { AGE_LABELS } from './labels';

const Seasons = graphql(`
  query DashboardSeasons {
    seasons { id name status published heatingStart }
  }
`);

const SeasonFigures = graphql(`
  query DashboardSeasonFigures($seasonId: ID!) {
    billSummary(seasonId: $seasonId) { billCount paidCount billedFen collectedFen outstandingFen collectionRate }
    collectionByCommunity(seasonId: $seasonId) { communityId communityName billCount paidCount collectedFen outstandingFen collectionRate }
    arrearsAging(seasonId: $seasonId) { asOf houseCount outstandingFen buckets { age houseCount billCount outstandingFen } }
  }
`);

const yuan = (fen: number) => Math.round(fen) / 100;

export default function DashboardPage() {
  const t = useT();
  const can = useCan();
  const seasons = useGraphQL(Seasons, {});
  const list = seasons.data?.seasons ?? [];
  // The season being collected: the newest published one (a draft has no bills to collect yet).
  const current = useMemo(
    () => [...list].sort((a, b) => b.heatingStart.localeCompare(a.heatingStart)).find((s) => s.published) ?? list[0],
    [list],
  );
  const [seasonId, setSeasonId] = useState<string | undefined>();
  useEffect(() => {
    if (!seasonId && current) setSeasonId(current.id);
  }, [current, seasonId]);
  const figures = useGraphQL(SeasonFigures, { seasonId: seasonId ?? '' }, { enabled: !!seasonId });
  const summary = figures.data?.billSummary;
  const communities = figures.data?.collectionByCommunity ?? [];
  const aging = figures.data?.arrearsAging;

  const communityOption = useMemo<EChartsOption>(
    () => ({
      tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => `${v}%` },
      grid: { left: 8, right: 24, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
      yAxis: { type: 'category', data: communities.map((c) => c.communityName), inverse: true },
      series: [
        {
          type: 'bar',
          name: t('收缴率', 'Collection rate'),
          data: communities.map((c) => Number(c.collectionRate)),
          itemStyle: { color: '#d4380d' },
          label: { show: true, position: 'right', formatter: '{c}%' },
        },
      ],
    }),
    [communities, t],
  );

  const agingOption = useMemo<EChartsOption>(
    () => ({
      tooltip: { trigger: 'axis' },
      grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
      xAxis: {
        type: 'category',
        data: (aging?.buckets ?? []).map((b) => t(...AGE_LABELS[b.age])),
        axisLabel: { interval: 0, width: 90, overflow: 'break' },
      },
      yAxis: { type: 'value', name: t('元', 'CNY') },
      series: [
        {
          type: 'bar',
          name: t('欠费本金', 'Principal owed'),
          data: (aging?.buckets ?? []).map((b) => yuan(b.outstandingFen)),
          itemStyle: { color: '#fa541c' },
        },
      ],
    }),
    [aging, t],
  );

  if (seasons.error) return <Alert type="error" showIcon message={seasons.error.message} />;
  if (seasons.isLoading) return <Skeleton active />;
  if (!list.length) return <Empty description={t('还没有采暖季', 'No heating season yet')} />;

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="dashboard">
      <Card
        title={t('本季收费概况', 'This season at a glance')}
        extra={
          <Select
            style={{ width: 200 }}
            value={seasonId}
            onChange={setSeasonId}
            options={list.map((s) => ({ value: s.id, label: s.name }))}
            data-testid="season-select"
          />
        }
      >
        {figures.error && <Alert type="error" showIcon message={figures.error.message} />}
        <Row gutter={16}>
          <Col xs={12} md={5}>
            <Statistic title={t('收缴率', 'Collection rate')} value={summary ? Number(summary.collectionRate) : '—'} suffix="%" precision={2} loading={figures.isLoading} />
          </Col>
          <Col xs={12} md={5}>
            <Statistic title={t('应收', 'Billed')} value={summary ? formatFen(summary.billedFen) : '—'} loading={figures.isLoading} />
          </Col>
          <Col xs={12} md={5}>
            <Statistic title={t('实收', 'Collected')} value={summary ? formatFen(summary.collectedFen) : '—'} loading={figures.isLoading} />
          </Col>
          <Col xs={12} md={5}>
            <Statistic title={t('欠费', 'Outstanding')} value={summary ? formatFen(summary.outstandingFen) : '—'} loading={figures.isLoading} />
          </Col>
          <Col xs={12} md={4}>
            <Statistic title={t('已缴清 / 账单数', 'Paid / bills')} value={summary ? `${summary.paidCount} / ${summary.billCount}` : '—'} loading={figures.isLoading} />
          </Col>
        </Row>
      </Card>
      <Row gutter={16}>
        <Col xs={24} lg={12}>
          <Card title={t('各小区收缴率', 'Collection rate by community')}>
            {communities.length ? <EChart option={communityOption} height={Math.max(200, communities.length * 48)} testId="chart-community-rate" /> : <Empty />}
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card
            title={t('欠费账龄', 'Arrears aging')}
            extra={aging ? t(`欠费 ${aging.houseCount} 户，共 ${formatFen(aging.outstandingFen)}`, `${aging.houseCount} houses owe ${formatFen(aging.outstandingFen)}`) : null}
          >
            {aging ? <EChart option={agingOption} height={Math.max(200, communities.length * 48)} testId="chart-arrears-aging" /> : <Skeleton active />}
          </Card>
        </Col>
      </Row>
      {can('dashboard.collections') && <CollectionsByDay />}
      <Row gutter={16}>
        {(can('dashboard.billRuns') || can('dashboard.imports')) && (
          <Col xs={24} lg={12}>
            <Card title={t('进行中的任务', 'Jobs in progress')} data-testid="jobs-in-progress">
              <Space direction="vertical" style={{ width: '100%' }}>
                {can('dashboard.billRuns') && <BillRunsInProgress />}
                {can('dashboard.imports') && <ImportsInProgress />}
              </Space>
            </Card>
          </Col>
        )}
        {can('dashboard.refunds') && (
          <Col xs={24} lg={12}>
            <RecentRefunds />
          </Col>
        )}
      </Row>
    </Space>
  );
}
