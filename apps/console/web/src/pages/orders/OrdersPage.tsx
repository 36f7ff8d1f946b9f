// @access orders
// Orders and refunds (finance, admins): every payment order, online and at the counter, in a server-paginated
// table filtered by status, channel, creation days, "holding money to refund" and a search (order no., receipt
// no., the gateway's transaction id or 户号); one order in a drawer; refunds, part or all, with their status.
import type { ActionType, ProColumns } from '@ant-design/pro-components';
import { useQueryClient } from '@tanstack/react-query';
import { App, Button, Space, Tag, Tooltip, Typography } from 'antd';
import dayjs from 'dayjs';
import { useRef, useState } from 'react';
import { request } from '../../api/client';
import { useCan } from '../../auth/useCan';
import { ExportButton } from '../../components/export/ExportButton';
import { optional, pageArgs, tablePage, type ProTableParams } from '../../components/table';
import type { OrderStatus, OrdersPageListQuery, PaymentChannel, PaymentOrderFilter } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { OrdersPageListDoc, OrdersStartExportDoc } from './documents';
import { OrderDrawer } from './OrderDrawer';
import {
  CHANNEL,
  CHANNEL_COLOR,
  CHANNELS,
  COUNTER_METHOD,
  exportFilter,
  ORDER_REFUND_STATUS,
  ORDER_STATUS,
  ORDER_STATUS_COLOR,
  ORDER_STATUSES,
  PENDING_REFUND,
  refundableFen,
} from './labels';
import { RefundDialog } from './RefundDialog';
import DataTable from '../../components/DataTable';

type Row = NonNullable<OrdersPageListQuery['paymentOrders']>['items'][number];
type Target = { id: string; outTradeNo: string; amountFen: number; refundable: number };

/** The search form's values as the API's PaymentOrderFilter (blank choices are no filter). */
export function orderFilter(params: ProTableParams): PaymentOrderFilter {
  const flagged = optional(params.flagged);
  return {
    search: optional(params.search),
    status: (optional(params.status) as OrderStatus | undefined) ?? null,
    channel: (optional(params.channel) as PaymentChannel | undefined) ?? null,
    flagged: flagged === undefined ? null : flagged === 'yes',
    dateFrom: optional(params.dateFrom) ?? null,
    dateTo: optional(params.dateTo) ?? null,
  };
}

export default function OrdersPage() {
  const t = useT();
  const can = useCan();
  const { message } = App.useApp();
  const client = useQueryClient();
  const action = useRef<ActionType>(null);
  const [shown, setShown] = useState<PaymentOrderFilter>({});
  const toExport = exportFilter(shown);
  const [detail, setDetail] = useState<string | null>(null);
  const [target, setTarget] = useState<Target | null>(null);
  const mayRefund = can('orders.refund');

  const accountNos = (row: Row) => [...new Set(row.items.map((i) => i.bill.house.accountNo))];
  const pendingFen = (row: Row) => row.refunds.filter((r) => PENDING_REFUND.includes(r.status)).reduce((s, r) => s + r.amountFen, 0);

  const columns: ProColumns<Row>[] = [
    {
      title: t('搜索', 'Search'),
      dataIndex: 'search',
      hideInTable: true,
      fieldProps: { placeholder: t('订单号 / 收据号 / 交易号 / 户号', 'Order / receipt / transaction no. / account') },
    },
    {
      title: t('商户订单号', 'Order no.'),
      dataIndex: 'outTradeNo',
      search: false,
      render: (_, row) => (
        <Typography.Link onClick={() => setDetail(row.outTradeNo)} data-testid={`order-${row.outTradeNo}`}>
          {row.outTradeNo}
        </Typography.Link>
      ),
    },
    { title: t('户号', 'Account'), search: false, render: (_, row) => accountNos(row).join(', ') || '—' },
    {
      title: t('渠道', 'Channel'),
      dataIndex: 'channel',
      valueType: 'select',
      valueEnum: Object.fromEntries(CHANNELS.map((c) => [c, { text: t(...CHANNEL[c]) }])),
      render: (_, row) => (
        <Space size={4}>
          <Tag color={CHANNEL_COLOR[row.channel]}>{t(...CHANNEL[row.channel])}</Tag>
          {row.counterMethod && <Typography.Text type="secondary">{t(...COUNTER_METHOD[row.counterMethod])}</Typography.Text>}
        </Space>
      ),
    },
    {
      title: t('状态', 'Status'),
      dataIndex: 'status',
      valueType: 'select',
      valueEnum: Object.fromEntries(ORDER_STATUSES.map((s) => [s, { text: t(...ORDER_STATUS[s]) }])),
      render: (_, row) => (
        <Tag color={ORDER_STATUS_COLOR[row.status]} data-testid={`order-status-${row.outTradeNo}`}>
          {t(...ORDER_STATUS[row.status])}
        </Tag>
      ),
    },
    { title: t('金额', 'Amount'), dataIndex: 'amountFen', align: 'right', search: false, render: (_, row) => formatFen(row.amountFen) },
    {
      title: t('退款', 'Refunds'),
      dataIndex: 'refundStatus',
      search: false,
      render: (_, row) => {
        const pending = pendingFen(row);
        return (
          <Space size={4} data-testid={`order-refund-state-${row.outTradeNo}`}>
            {row.refundedFen > 0 && <span>{formatFen(row.refundedFen)}</span>}
            {row.refundStatus !== 'NONE' && <Tag color="orange">{t(...ORDER_REFUND_STATUS[row.refundStatus])}</Tag>}
            {pending > 0 && <Tag color="blue">{t(`退款中 ${formatFen(pending)}`, `${formatFen(pending)} processing`)}</Tag>}
            {row.refundedFen === 0 && pending === 0 && '—'}
          </Space>
        );
      },
    },
    {
      title: t('待退款', 'To refund'),
      dataIndex: 'flagged',
      valueType: 'select',
      valueEnum: { yes: { text: t('有无账单可入的钱', 'Holding money to refund') }, no: { text: t('无', 'None') } },
      hideInTable: true,
    },
    {
      title: t('下单日期', 'Created between'),
      dataIndex: 'createdRange',
      valueType: 'dateRange',
      hideInTable: true,
      search: { transform: (value: [string, string]) => ({ dateFrom: value[0], dateTo: value[1] }) },
    },
    {
      title: t('下单时间', 'Created'),
      dataIndex: 'createdAt',
      search: false,
      render: (_, row) => dayjs(row.createdAt).format('YYYY-MM-DD HH:mm'),
    },
    {
      title: t('支付时间', 'Paid'),
      dataIndex: 'paidAt',
      search: false,
      render: (_, row) => (row.paidAt ? dayjs(row.paidAt).format('YYYY-MM-DD HH:mm') : '—'),
    },
    {
      title: t('操作', 'Actions'),
      valueType: 'option',
      render: (_, row) => [
        <Typography.Link key="detail" onClick={() => setDetail(row.outTradeNo)}>
          {t('详情', 'Details')}
        </Typography.Link>,
        mayRefund && refundableFen(row) > 0 ? (
          <Typography.Link
            key="refund"
            type="danger"
            onClick={() => setTarget({ id: row.id, outTradeNo: row.outTradeNo, amountFen: row.amountFen, refundable: refundableFen(row) })}
            data-testid={`refund-${row.outTradeNo}`}
          >
            {t('退款', 'Refund')}
          </Typography.Link>
        ) : null,
      ],
    },
  ];

  return (
    <>
      <DataTable<Row, ProTableParams>
        rowKey="id"
        actionRef={action}
        columns={columns}
        data-testid="orders-table"
        headerTitle={t('支付订单', 'Payment orders')}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        search={{ labelWidth: 'auto' }}
        toolBarRender={() => [
          toExport ? (
            <ExportButton
              key="export"
              testId="orders-export"
              start={async () => (await request(OrdersStartExportDoc, { filter: toExport })).startPaymentExport}
            />
          ) : (
            <Tooltip key="export" title={t('导出按微信、支付宝、现金、POS、转账分渠道；按“柜台”筛选时请清除渠道再导出', 'The export splits counter money by method: clear the channel filter to export')}>
              <Button disabled data-testid="orders-export">
                {t('导出 Excel', 'Export to Excel')}
              </Button>
            </Tooltip>
          ),
        ]}
        request={async (params) => {
          const filter = orderFilter(params);
          setShown(filter);
          const { paymentOrders } = await request(OrdersPageListDoc, { ...pageArgs(params), filter });
          return tablePage(paymentOrders ?? { totalCount: 0, items: [] });
        }}
      />
      <OrderDrawer
        outTradeNo={detail}
        onClose={() => setDetail(null)}
        onRefund={
          mayRefund
            ? (order) => setTarget({ id: order.id, outTradeNo: order.outTradeNo, amountFen: order.amountFen, refundable: refundableFen(order) })
            : null
        }
      />
      {mayRefund && (
        <RefundDialog
          order={target}
          refundableFen={target?.refundable ?? 0}
          onClose={() => setTarget(null)}
          onDone={(refund) => {
            const outTradeNo = target?.outTradeNo ?? null;
            setTarget(null);
            message.success(
              refund.status === 'SUCCESS'
                ? t(`已退款 ${formatFen(refund.amountFen)}`, `Refunded ${formatFen(refund.amountFen)}`)
                : t(`退款已提交（${formatFen(refund.amountFen)}），等待支付平台确认`, `Refund of ${formatFen(refund.amountFen)} sent; waiting for the gateway`),
            );
            action.current?.reload();
            void client.invalidateQueries({ queryKey: ['OrderDetail'] });
            setDetail(outTradeNo); // show its status
          }}
        />
      )}
    </>
  );
}
