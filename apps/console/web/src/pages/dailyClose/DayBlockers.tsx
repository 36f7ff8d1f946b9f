// @access dailyClose
// What keeps a day from closing, each with a link to where it is fixed: the run to close (对账), the earlier
// day to close first, the statement run to start; an open shift names its collector (the collector closes it
// at the counter desk).
import { Alert, List, Space, Tag, Typography } from 'antd';
import { Link } from 'react-router-dom';
import type { DailyCloseOneDayQuery } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { CHANNEL_LABELS } from '../dashboard/labels';
import { BLOCKER } from './labels';

export type Blocker = DailyCloseOneDayQuery['dailyClose']['blockers'][number];

export function blockerLink(b: Blocker): string | null {
  if (b.kind === 'RUN_NOT_CLOSED' && b.runId) return `/reconciliation/${b.runId}`;
  if (b.kind === 'RUN_MISSING') return '/reconciliation';
  if (b.kind === 'EARLIER_DAY_OPEN' && b.day) return `/daily-close/${b.day}`;
  return null;
}

export function DayBlockers({ blockers }: { blockers: readonly Blocker[] }) {
  const t = useT();
  if (!blockers.length) return null;
  return (
    <Alert
      type="warning"
      showIcon
      message={t(`还有 ${blockers.length} 项未完成，完成后才能日结`, `${blockers.length} thing(s) to finish before the day closes`)}
      data-testid="day-blockers"
      description={
        <List
          size="small"
          dataSource={[...blockers]}
          renderItem={(b, i) => {
            const link = blockerLink(b);
            return (
              <List.Item data-testid={`day-blocker-${i}`} data-kind={b.kind}>
                <Space wrap>
                  <Tag>{t(...BLOCKER[b.kind])}</Tag>
                  {b.channel && <Tag>{t(...CHANNEL_LABELS[b.channel])}</Tag>}
                  <Typography.Text>{b.message}</Typography.Text>
                  {b.collectorName && <Typography.Text type="secondary">{b.collectorName}</Typography.Text>}
                  {link && (
                    <Link to={link} data-testid={`day-blocker-link-${i}`}>
                      {b.kind === 'RUN_NOT_CLOSED'
                        ? t('去处理', 'Open the run')
                        : b.kind === 'RUN_MISSING'
                          ? t('去对账', 'Reconcile')
                          : t(`查看 ${b.day}`, `Open ${b.day}`)}
                    </Link>
                  )}
                </Space>
              </List.Item>
            );
          }}
        />
      }
    />
  );
}
