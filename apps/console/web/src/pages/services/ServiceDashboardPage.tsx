// @access serviceDashboard
// 服务看板: how the service desk keeps its deadlines — open, response-overdue, resolution-overdue and escalated
// tickets; tickets submitted vs resolved per day; open and overdue per category (with average response and
// resolution hours) and per community, as a table and a bar chart (the map of open tickets per community).
import { useQuery } from '@tanstack/react-query';
import { Alert, Card, Col, Row, Segmented, Skeleton, Statistic, Table } from 'antd';
import { useMemo, useState } from 'react';
import { ApiError, request } from '../../api/client';
import { EChart } from '../../charts/EChart';
import { useT } from '../../i18n';
import { barOption, categoryLabel, dailyOption, hours, type Dashboard } from './dashboard';
import { SlaDashboardDoc } from './dashboardDocuments';

export default function ServiceDashboardPage() {
  const t = useT();
  const [days, setDays] = useState(30);
  const query = useQuery({
    queryKey: ['ServiceDashboardPage', days],
    queryFn: async () => (await request(SlaDashboardDoc, { days })).slaDashboard,
    refetchInterval: 120_000,
  });
  const d: Dashboard | undefined = query.data;
  const daily = useMemo(() => (d ? dailyOption(d.daily, t) : null), [d, t]);
  const byCategory = useMemo(() => (d ? barOption(d.byCategory.map((c) => ({ label: categoryLabel(c, t), open: c.open, overdue: c.overdue })), t) : null), [d, t]);
  const byCommunity = useMemo(() => (d ? barOption(d.byCommunity.map((c) => ({ label: c.communityName, open: c.open, overdue: c.overdue })), t) : null), [d, t]);

  if (query.error) return <Alert type="error" showIcon message={query.error instanceof ApiError ? query.error.message : String(query.error)} />;
  return (
    <div data-testid="service-dashboard">
      <Segmented
        style={{ marginBottom: 16 }}
        value={days}
        onChange={(v) => setDays(Number(v))}
        options={[
          { value: 7, label: t('近 7 天', '7 days') },
          { value: 30, label: t('近 30 天', '30 days') },
          { value: 90, label: t('近 90 天', '90 days') },
        ]}
      />
      {!d ? (
        <Skeleton active />
      ) : (
        <Row gutter={[16, 16]}>
          <Col xs={12} md={6}>
            <Card size="small">
              <Statistic title={t('在办工单', 'Open tickets')} value={d.open} data-testid="sla-open" />
            </Card>
          </Col>
          <Col xs={12} md={6}>
            <Card size="small">
              <Statistic title={t('响应超时', 'Response overdue')} value={d.respondOverdue} valueStyle={d.respondOverdue ? { color: '#cf1322' } : undefined} data-testid="sla-respond-overdue" />
            </Card>
          </Col>
          <Col xs={12} md={6}>
            <Card size="small">
              <Statistic title={t('解决超时', 'Resolution overdue')} value={d.resolveOverdue} valueStyle={d.resolveOverdue ? { color: '#cf1322' } : undefined} data-testid="sla-resolve-overdue" />
            </Card>
          </Col>
          <Col xs={12} md={6}>
            <Card size="small">
              <Statistic title={t('已上报管理员', 'Escalated')} value={d.escalated} data-testid="sla-escalated" />
            </Card>
          </Col>
          <Col xs={24}>
            <Card size="small" title={t('每日提交与办结', 'Submitted and resolved per day')}>
              {daily && <EChart option={daily} testId="chart-tickets-daily" />}
            </Card>
          </Col>
          <Col xs={24} lg={12}>
            <Card size="small" title={t('按类别', 'By category')}>
              {byCategory && <EChart option={byCategory} height={280} testId="chart-tickets-category" />}
              <Table
                size="small"
                rowKey={(r) => r.category?.id ?? r.kind}
                pagination={false}
                dataSource={d.byCategory}
                data-testid="sla-by-category"
                columns={[
                  { title: t('类别', 'Category'), key: 'category', render: (_, r) => categoryLabel(r, t) },
                  { title: t('在办', 'Open'), dataIndex: 'open', align: 'right' },
                  { title: t('超时', 'Overdue'), dataIndex: 'overdue', align: 'right' },
                  { title: t('平均响应 (小时)', 'Avg. response (h)'), dataIndex: 'avgRespondHours', align: 'right', render: hours },
                  { title: t('平均解决 (小时)', 'Avg. resolution (h)'), dataIndex: 'avgResolveHours', align: 'right', render: hours },
                ]}
              />
            </Card>
          </Col>
          <Col xs={24} lg={12}>
            <Card size="small" title={t('各小区在办工单', 'Open tickets per community')}>
              {byCommunity && <EChart option={byCommunity} height={280} testId="chart-tickets-community" />}
              <Table
                size="small"
                rowKey={(r) => r.communityId ?? r.communityName}
                pagination={{ pageSize: 10, hideOnSinglePage: true }}
                dataSource={d.byCommunity}
                data-testid="sla-by-community"
                columns={[
                  { title: t('小区', 'Community'), dataIndex: 'communityName' },
                  { title: t('在办', 'Open'), dataIndex: 'open', align: 'right', sorter: (a, b) => a.open - b.open, defaultSortOrder: 'descend' },
                  { title: t('超时', 'Overdue'), dataIndex: 'overdue', align: 'right', sorter: (a, b) => a.overdue - b.overdue },
                ]}
              />
            </Card>
          </Col>
        </Row>
      )}
    </div>
  );
}
