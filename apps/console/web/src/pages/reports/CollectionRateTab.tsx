// @access reports
// 收缴率 of a season: the whole company, per community (应收, 实收, 欠费, rate) and, for a chosen community,
// per building.
import { Alert, Card, Col, Row, Skeleton, Space, Statistic, Table, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useMemo, useState } from 'react';
import { useGraphQL } from '../../api/hooks';
import { EChart, type EChartsOption } from '../../charts/EChart';
import type { ReportsCollectionByBuildingQuery, ReportsCollectionRateQuery } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { ReportsCollectionByBuildingDoc, ReportsCollectionRateDoc } from './documents';
import { SeasonPicker } from './pickers';
import { ReportExport } from './ReportExport';

type Community = NonNullable<ReportsCollectionRateQuery['collectionByCommunity']>[number];
type Building = NonNullable<ReportsCollectionByBuildingQuery['collectionByBuilding']>[number];

function Buildings({ seasonId, communityId }: { seasonId: string; communityId: string }) {
  const t = useT();
  const { data, error, isLoading } = useGraphQL(ReportsCollectionByBuildingDoc, { seasonId, communityId });
  const money = (f: number) => formatFen(f);
  const columns: ColumnsType<Building> = [
    { title: t('楼栋', 'Building'), dataIndex: 'buildingName' },
    { title: t('户数', 'Houses'), dataIndex: 'houseCount', align: 'right' },
    { title: t('账单数', 'Bills'), dataIndex: 'billCount', align: 'right' },
    { title: t('已缴清', 'Paid'), dataIndex: 'paidCount', align: 'right' },
    { title: t('应收', 'Billed'), dataIndex: 'billedFen', align: 'right', render: money },
    { title: t('实收', 'Collected'), dataIndex: 'collectedFen', align: 'right', render: money },
    { title: t('欠费', 'Outstanding'), dataIndex: 'outstandingFen', align: 'right', render: money },
    { title: t('收缴率', 'Rate'), dataIndex: 'collectionRate', align: 'right', render: (r: string) => `${r}%` },
  ];
  if (error) return <Alert type="error" showIcon message={error.message} />;
  return (
    <Table<Building>
      rowKey="buildingId"
      size="small"
      loading={isLoading}
      columns={columns}
      dataSource={data?.collectionByBuilding ?? []}
      pagination={false}
      data-testid="table-rate-building"
    />
  );
}

export function CollectionRateTab() {
  const t = useT();
  const [seasonId, setSeasonId] = useState<string>();
  const [communityId, setCommunityId] = useState<string | null>(null);
  const { data, error, isLoading } = useGraphQL(ReportsCollectionRateDoc, { seasonId: seasonId ?? '' }, { enabled: !!seasonId });
  const summary = data?.billSummary;
  const communities = useMemo(() => data?.collectionByCommunity ?? [], [data]);

  const option = useMemo<EChartsOption>(
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

  const money = (f: number) => formatFen(f);
  const columns: ColumnsType<Community> = [
    {
      title: t('小区', 'Community'),
      dataIndex: 'communityName',
      render: (name: string, c) => (
        <Typography.Link onClick={() => setCommunityId(c.communityId)} data-testid={`rate-community-${c.communityId}`}>
          {name}
        </Typography.Link>
      ),
    },
    { title: t('账单数', 'Bills'), dataIndex: 'billCount', align: 'right' },
    { title: t('已缴清', 'Paid'), dataIndex: 'paidCount', align: 'right' },
    { title: t('应收', 'Billed'), dataIndex: 'billedFen', align: 'right', render: money },
    { title: t('实收', 'Collected'), dataIndex: 'collectedFen', align: 'right', render: money },
    { title: t('欠费', 'Outstanding'), dataIndex: 'outstandingFen', align: 'right', render: money },
    { title: t('收缴率', 'Rate'), dataIndex: 'collectionRate', align: 'right', render: (r: string) => `${r}%` },
  ];

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="report-rate">
      <Space wrap>
        <SeasonPicker
          value={seasonId}
          onChange={(id) => {
            setSeasonId(id);
            setCommunityId(null);
          }}
        />
        {seasonId && (
          <ReportExport testId="export-rate" params={{ kind: 'COLLECTION_BY_COMMUNITY', seasonId }} />
        )}
      </Space>
      {error && <Alert type="error" showIcon message={error.message} />}
      {isLoading || !summary ? (
        <Skeleton active />
      ) : (
        <>
          <Row gutter={16} data-testid="rate-summary">
            <Col xs={12} md={6}>
              <Statistic title={t('收缴率', 'Collection rate')} value={Number(summary.collectionRate)} suffix="%" precision={2} />
            </Col>
            <Col xs={12} md={6}>
              <Statistic title={t('应收', 'Billed')} value={formatFen(summary.billedFen)} />
            </Col>
            <Col xs={12} md={6}>
              <Statistic title={t('实收', 'Collected')} value={formatFen(summary.collectedFen)} />
            </Col>
            <Col xs={12} md={6}>
              <Statistic title={t('欠费', 'Outstanding')} value={formatFen(summary.outstandingFen)} />
            </Col>
          </Row>
          <EChart option={option} height={Math.max(200, communities.length * 40)} testId="chart-rate-community" />
          <Table<Community> rowKey="communityId" size="small" columns={columns} dataSource={communities} pagination={false} data-testid="table-rate-community" />
          {communityId && seasonId && (
            <Card
              size="small"
              title={t(`${communities.find((c) => c.communityId === communityId)?.communityName ?? ''} · 按楼栋`, `${communities.find((c) => c.communityId === communityId)?.communityName ?? ''} by building`)}
              extra={
                <Space>
                  <ReportExport testId="export-rate-building" params={{ kind: 'COLLECTION_BY_BUILDING', seasonId, communityId }} />
                  <Typography.Link onClick={() => setCommunityId(null)}>{t('收起', 'Hide')}</Typography.Link>
                </Space>
              }
            >
              <Buildings seasonId={seasonId} communityId={communityId} />
            </Card>
          )}
        </>
      )}
    </Space>
  );
}
