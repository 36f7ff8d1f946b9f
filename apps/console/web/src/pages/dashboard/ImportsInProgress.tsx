// @access dashboard.imports
import { Empty, List, Progress, Typography } from 'antd';
import { useGraphQL } from '../../api/hooks';
import { graphql } from '../../gql/tenant';
import { useT } from '../../i18n';

const ActiveImports = graphql(`
  query DashboardActiveImports {
    importJobs(active: true, first: 10) {
      totalCount
      items { id status dryRun fileName totalRows processedRows errorCount requestedBy }
    }
  }
`);

/** Queued and running house imports, polled while any is active. */
export function ImportsInProgress() {
  const t = useT();
  const { data } = useGraphQL(ActiveImports, {}, {
    refetchInterval: (q) => ((q.state.data?.importJobs.totalCount ?? 0) > 0 ? 3000 : 30000),
  });
  const jobs = data?.importJobs.items ?? [];
  return (
    <div data-testid="active-imports">
      <Typography.Text strong>{t('导入任务', 'Imports')}</Typography.Text>
      {jobs.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('没有进行中的导入', 'No import in progress')} />
      ) : (
        <List
          size="small"
          dataSource={jobs}
          renderItem={(job) => (
            <List.Item>
              <div style={{ width: '100%' }}>
                {job.fileName} {job.dryRun ? t('（校验）', '(dry run)') : ''} · {job.processedRows}/{job.totalRows}
                <Progress percent={job.totalRows ? Math.floor((job.processedRows * 100) / job.totalRows) : 0} status="active" size="small" />
              </div>
            </List.Item>
          )}
        />
      )}
    </div>
  );
}
