// @access orders
// One order: how it was paid, which bills it paid (and what each took: discount, late fee, applied, refunded),
// and its refunds with their status, polled while a refund is still with the gateway.
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Descriptions, Drawer, Skeleton, Space, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import dayjs from 'dayjs';
import { ApiError, request } from '../../api/client';
import type { OrderDetailQuery } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { OrderDetailDoc } from './documents';
import {
  CHANNEL,
  CHANNEL_COLOR,
  COUNTER_METHOD,
  ORDER_REFUND_STATUS,
  ORDER_STATUS,
  ORDER_STATUS_COLOR,
  REFUND_STATUS,
  REFUND_STATUS_COLOR,
  refundableFen,
} from './labels';

export type OrderDetail = NonNullable<OrderDetailQuery['order']>;
type Item = OrderDetail['items'][number];
type Refund = OrderDetail['refunds'][number];

const when = (value: string | null | undefined) => (value ? dayjs(value).format('YYYY-MM-DD HH:mm:ss') : '—');

interface Props {
  outTradeNo: string | null;
  onClose: () => void;
  /** Shown only to the roles that may refund; null hides the button. */
  onRefund: ((order: OrderDetail) => void) | null;
}

export function OrderDrawer({ outTradeNo, onClose, onRefund }: Props) {
  const t = useT();
  const query = useQuery({
    queryKey: ['OrderDetail', outTradeNo],
    enabled: outTradeNo !== null,
    queryFn: async () => (await request(OrderDetailDoc, { outTradeNo: outTradeNo as string })).order,
    // A refund with the gateway finishes by its notify: look again until none is processing.
    refetchInterval: (q) => (q.state.data?.refunds.some((r) => r.status === 'PROCESSING') ? 2000 : false),
  });
  const order = query.data;

  const items: ColumnsType<Item> = [
    { title: t('户号', 'Account'), render: (_, i) => i.bill.house.accountNo },
    { title: t('地址', 'Address'), render: (_, i) => i.bill.house.address },
    { title: t('采暖季', 'Season'), render: (_, i) => i.bill.season },
    { title: t('金额', 'Amount'), dataIndex: 'amountFen', align: 'right', render: (f: number) => formatFen(f) },
    { title: t('优惠', 'Discount'), dataIndex: 'discountFen', align: 'right', render: (f: number) => (f ? `-${formatFen(f)}` : '—') },
    { title: t('违约金', 'Late fee'), dataIndex: 'lateFeeFen', align: 'right', render: (f: number) => (f ? formatFen(f) : '—') },
    { title: t('入账', 'Applied'), dataIndex: 'appliedFen', align: 'right', render: (f: number) => formatFen(f) },
    { title: t('已退', 'Refunded'), dataIndex: 'refundedFen', align: 'right', render: (f: number) => (f ? formatFen(f) : '—') },
  ];
  const refunds: ColumnsType<Refund> = [
    { title: t('退款单号', 'Refund no.'), dataIndex: 'outRefundNo' },
    { title: t('金额', 'Amount'), dataIndex: 'amountFen', align: 'right', render: (f: number) => formatFen(f) },
    { title: t('原因', 'Reason'), dataIndex: 'reason' },
    {
      title: t('状态', 'Status'),
      dataIndex: 'status',
      render: (s: Refund['status'], r) => (
        <Tag color={REFUND_STATUS_COLOR[s]} data-testid={`refund-status-${r.outRefundNo}`} data-status={s}>
          {t(...REFUND_STATUS[s])}
        </Tag>
      ),
    },
    { title: t('申请时间', 'Requested'), dataIndex: 'createdAt', render: when },
    { title: t('完成时间', 'Finished'), dataIndex: 'finishedAt', render: when },
  ];

  return (
    <Drawer open={outTradeNo !== null} onClose={onClose} width={900} title={t('订单详情', 'Order')} destroyOnHidden data-testid="order-drawer">
      {query.isLoading && <Skeleton active />}
      {query.error && <Alert type="error" showIcon message={query.error instanceof ApiError ? query.error.message : String(query.error)} />}
      {query.isSuccess && !order && <Alert type="warning" showIcon message={t('找不到该订单', 'No such order')} />}
      {order && (
        <Space direction="vertical" size="large" style={{ width: '100%' }}>
          <Descriptions size="small" column={2} bordered>
            <Descriptions.Item label={t('商户订单号', 'Order no.')}>
              <Typography.Text copyable>{order.outTradeNo}</Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t('渠道', 'Channel')}>
              <Tag color={CHANNEL_COLOR[order.channel]}>{t(...CHANNEL[order.channel])}</Tag>
              {order.counterMethod && t(...COUNTER_METHOD[order.counterMethod])}
            </Descriptions.Item>
            <Descriptions.Item label={t('状态', 'Status')}>
              <Tag color={ORDER_STATUS_COLOR[order.status]}>{t(...ORDER_STATUS[order.status])}</Tag>
            </Descriptions.Item>
            <Descriptions.Item label={t('金额', 'Amount')}>{formatFen(order.amountFen)}</Descriptions.Item>
            <Descriptions.Item label={t('已退款', 'Refunded')}>
              <span data-testid="order-refunded">{formatFen(order.refundedFen)}</span> {t(...ORDER_REFUND_STATUS[order.refundStatus])}
            </Descriptions.Item>
            <Descriptions.Item label={t('可退金额', 'Refundable')}>{formatFen(refundableFen(order))}</Descriptions.Item>
            <Descriptions.Item label={t('下单时间', 'Created')}>{when(order.createdAt)}</Descriptions.Item>
            <Descriptions.Item label={t('支付时间', 'Paid')}>{when(order.paidAt)}</Descriptions.Item>
            {order.receiptNo && <Descriptions.Item label={t('收据号', 'Receipt no.')}>{order.receiptNo}</Descriptions.Item>}
            {order.needsRefundFen > 0 && (
              <Descriptions.Item label={t('待退款（无账单可入）', 'To refund (no bill took it)')}>
                <Typography.Text type="danger">{formatFen(order.needsRefundFen)}</Typography.Text>
              </Descriptions.Item>
            )}
            {order.flagReason && (
              <Descriptions.Item label={t('需关注', 'Flagged')} span={2}>
                <Typography.Text type="warning" data-testid="order-flag-reason">{order.flagReason}</Typography.Text>
              </Descriptions.Item>
            )}
            <Descriptions.Item label={t('说明', 'Description')} span={2}>
              {order.description}
            </Descriptions.Item>
          </Descriptions>
          <div>
            <Typography.Title level={5}>{t('缴费账单', 'Bills paid')}</Typography.Title>
            <Table<Item> rowKey={(i) => i.bill.id} size="small" columns={items} dataSource={order.items} pagination={false} />
          </div>
          <div>
            <Space style={{ width: '100%', justifyContent: 'space-between' }}>
              <Typography.Title level={5}>{t('退款记录', 'Refunds')}</Typography.Title>
              {onRefund && refundableFen(order) > 0 && (
                <Button danger onClick={() => onRefund(order)} data-testid="order-refund">
                  {t('退款', 'Refund')}
                </Button>
              )}
            </Space>
            <Table<Refund> rowKey="id" size="small" columns={refunds} dataSource={order.refunds} pagination={false} data-testid="order-refunds" />
          </div>
        </Space>
      )}
    </Drawer>
  );
}
