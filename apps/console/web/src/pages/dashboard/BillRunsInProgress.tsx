// @access dashboard.billRuns
import { Empty, List, Progress, Typography } from 'antd';
import { useGraphQL } from '../../api/hooks';
import { graphql } from '../../gql/tenant';
import { useT } from '../../i18n';

const ActiveBillRuns = graphql(`
  query DashboardActiveBillRuns {
    billRuns(active: true, first: 10) {
      totalCount
      items { id status dryRun total processed created errorCount requestedBy createdAt }
    }
  }
`);

/** Queued and running bill runs, polled while any is active. */
export function BillRunsInProgress() {
  const t = useT();
  const { data } = useGraphQL(ActiveBillRuns, {}, {
    refetchInterval: (q) => ((q.state.data?.billRuns.totalCount ?? 0) > 0 ? 3000 : 30000),
  });
  const runs = data?.billRuns.items ?? [];
  return (
    <div data-testid="active-bill-runs">
      <Typography.Text strong>{t('开单任务', 'Bill runs')}</Typography.Text>
      {runs.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('没有进行中的开单任务', 'No bill run in progress')} />
      ) : (
        <List
          size="small"
          dataSource={runs}
          renderItem={(run) => (
            <List.Item>
              <div style={{ width: '100%' }}>
                {run.dryRun ? t('试算', 'Dry run') : t('开单', 'Bill run')} #{run.id} · {run.requestedBy} · {run.processed}/{run.total}
                <Progress percent={run.total ? Math.floor((run.processed * 100) / run.total) : 0} status="active" size="small" />
              </div>
            </List.Item>
          )}
        />
      )}
    </div>
  );
}
