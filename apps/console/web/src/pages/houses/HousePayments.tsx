// @access houses.payments
// The payments on a house's bills (online orders and counter payments), newest first, server-paginated.
// Only for the roles that may see payments (access.ts 'houses.payments').
import { useQuery } from '@tanstack/react-query';
import { Alert, Table, Tag } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { ApiError, request } from '../../api/client';
import { graphql } from '../../gql/tenant';
import type { HouseDetailPaymentsQuery } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { CHANNEL, CHANNEL_COLOR, COUNTER_METHOD, ORDER_STATUS, ORDER_STATUS_COLOR } from '../orders/labels';

export const HouseDetailPaymentsDoc = graphql(`
  query HouseDetailPayments($houseId: ID!, $first: Int, $offset: Int) {
    paymentOrders(filter: { houseId: $houseId }, first: $first, offset: $offset) {
      totalCount
      items { id outTradeNo channel counterMethod status amountFen refundedFen paidAt createdAt receiptNo }
    }
  }
`);

type Row = NonNullable<HouseDetailPaymentsQuery['paymentOrders']>['items'][number];
const PAGE = 10;

export function HousePayments({ houseId }: { houseId: string }) {
  const t = useT();
  const [page, setPage] = useState(1);
  const { data, isFetching, error } = useQuery({
    queryKey: ['housePayments', houseId, page],
    queryFn: () => request(HouseDetailPaymentsDoc, { houseId, first: PAGE, offset: (page - 1) * PAGE }),
    placeholderData: (previous) => previous,
  });
  if (error) return <Alert type="error" showIcon message={error instanceof ApiError ? error.message : String(error)} />;
  const orders = data?.paymentOrders;
  return (
    <div data-testid="house-payments">
      <Table<Row>
        size="small"
        rowKey="id"
        loading={isFetching}
        dataSource={orders?.items ?? []}
        pagination={{ current: page, pageSize: PAGE, total: orders?.totalCount ?? 0, onChange: setPage, showSizeChanger: false }}
        columns={[
          {
            title: t('时间', 'Time'),
            dataIndex: 'paidAt',
            render: (paidAt: string | null, row) => dayjs(paidAt ?? row.createdAt).format('YYYY-MM-DD HH:mm'),
          },
          {
            title: t('渠道', 'Channel'),
            dataIndex: 'channel',
            render: (c: Row['channel'], row) => (
              <Tag color={CHANNEL_COLOR[c]}>
                {t(...CHANNEL[c])}
                {row.counterMethod ? ` · ${t(...COUNTER_METHOD[row.counterMethod])}` : ''}
              </Tag>
            ),
          },
          {
            title: t('状态', 'Status'),
            dataIndex: 'status',
            render: (s: Row['status']) => <Tag color={ORDER_STATUS_COLOR[s]}>{t(...ORDER_STATUS[s])}</Tag>,
          },
          { title: t('金额', 'Amount'), dataIndex: 'amountFen', align: 'right', render: (f: number) => formatFen(f) },
          {
            title: t('已退款', 'Refunded'),
            dataIndex: 'refundedFen',
            align: 'right',
            render: (f: number) => (f ? formatFen(f) : '—'),
          },
          { title: t('订单号 / 收据号', 'Order / receipt no.'), dataIndex: 'outTradeNo', render: (o: string, row) => row.receiptNo ?? o },
        ]}
      />
    </div>
  );
}
