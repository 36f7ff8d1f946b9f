// @access dashboard.refunds
import { Card, Table, Tag } from 'antd';
import dayjs from 'dayjs';
import { useGraphQL } from '../../api/hooks';
import { graphql } from '../../gql/tenant';
import type { RefundStatus } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { CHANNEL_LABELS } from './labels';

const Refunds = graphql(`
  query DashboardRecentRefunds {
    refunds(first: 8) {
      totalCount
      items { id outRefundNo amountFen reason status createdAt outTradeNo channel orderAmountFen requestedBy }
    }
  }
`);

const STATUS: Record<RefundStatus, [string, string, string]> = {
  PROCESSING: ['退款中', 'Processing', 'processing'],
  SUCCESS: ['已退款', 'Refunded', 'success'],
  CLOSED: ['已关闭', 'Closed', 'default'],
  ABNORMAL: ['异常', 'Abnormal', 'error'],
};

export function RecentRefunds() {
  const t = useT();
  const { data, isLoading } = useGraphQL(Refunds, {});
  return (
    <Card title={t('最近退款', 'Recent refunds')} data-testid="recent-refunds">
      <Table
        size="small"
        rowKey="id"
        loading={isLoading}
        pagination={false}
        dataSource={data?.refunds.items ?? []}
        columns={[
          { title: t('时间', 'When'), dataIndex: 'createdAt', render: (v: string) => dayjs(v).format('MM-DD HH:mm') },
          { title: t('渠道', 'Channel'), dataIndex: 'channel', render: (c: keyof typeof CHANNEL_LABELS) => t(...CHANNEL_LABELS[c]) },
          { title: t('金额', 'Amount'), dataIndex: 'amountFen', align: 'right', render: (v: number) => formatFen(v) },
          { title: t('原因', 'Reason'), dataIndex: 'reason', ellipsis: true },
          {
            title: t('状态', 'Status'),
            dataIndex: 'status',
            render: (s: RefundStatus) => <Tag color={STATUS[s][2]}>{t(STATUS[s][0], STATUS[s][1])}</Tag>,
          },
        ]}
      />
    </Card>
  );
}
