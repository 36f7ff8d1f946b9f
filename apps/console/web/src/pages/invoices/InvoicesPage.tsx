// @access invoices
// E-invoices (电子发票; finance and admins, collectors read): the provider session with what to do when issuing is
// paused, then every invoice in a server-paginated table filtered by status, kind, creation days and a search
// (buyer, invoice number, order number), exported to .xlsx with the filter on screen; one invoice in a drawer with
// retry and 红冲 for finance and admins.
import type { ActionType, ProColumns } from '@ant-design/pro-components';
import { useQueryClient } from '@tanstack/react-query';
import { App, Space, Tag, Tooltip, Typography } from 'antd';
import dayjs from 'dayjs';
import { useRef, useState } from 'react';
import { ApiError, request } from '../../api/client';
import { useCan } from '../../auth/useCan';
import { ExportButton } from '../../components/export/ExportButton';
import { optional, pageArgs, tablePage, type ProTableParams } from '../../components/table';
import type { InvoiceFilter, InvoiceKind, InvoicesPageListQuery, InvoiceStatus } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { InvoicesListDoc, StartInvoiceExportDoc } from './documents';
import { InvoiceDrawer, type InvoiceDetail } from './InvoiceDrawer';
import { BUYER_KIND, INVOICE_KIND, INVOICE_KIND_COLOR, INVOICE_KINDS, INVOICE_STATUS, INVOICE_STATUS_COLOR, INVOICE_STATUSES } from './labels';
import { InvoiceRetryDoc } from './manageDocuments';
import { RedDialog, type RedTarget } from './RedDialog';
import { SessionBanner } from './SessionBanner';
import DataTable from '../../components/DataTable';

type Row = NonNullable<InvoicesPageListQuery['invoices']>['items'][number];

/** The search form's values as the API's InvoiceFilter (blank choices are no filter). */
export function invoiceFilter(params: ProTableParams): InvoiceFilter {
  return {
    search: optional(params.search) ?? null,
    status: (optional(params.status) as InvoiceStatus | undefined) ?? null,
    kind: (optional(params.kind) as InvoiceKind | undefined) ?? null,
    dateFrom: optional(params.dateFrom) ?? null,
    dateTo: optional(params.dateTo) ?? null,
  };
}

export default function InvoicesPage() {
  const t = useT();
  const can = useCan();
  const { message } = App.useApp();
  const client = useQueryClient();
  const action = useRef<ActionType>(null);
  const [detail, setDetail] = useState<string | null>(null);
  const [target, setTarget] = useState<RedTarget | null>(null);
  const shown = useRef<InvoiceFilter>({}); // the filter of the rows on screen: what Export writes
  const mayManage = can('invoices.manage');

  const retry = async (invoice: InvoiceDetail) => {
    try {
      const res = (await request(InvoiceRetryDoc, { id: invoice.id })).retryInvoice;
      if (res?.errors.length) message.error(res.errors.map((e) => e.message).join(' '));
      else message.success(t('已重新提交开票', 'Sent to the provider again'));
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    }
    action.current?.reload();
  };

  const columns: ProColumns<Row>[] = [
    {
      title: t('搜索', 'Search'),
      dataIndex: 'search',
      hideInTable: true,
      fieldProps: { placeholder: t('购方 / 发票号码 / 订单号', 'Buyer / invoice number / order no.') },
    },
    {
      title: t('状态', 'Status'),
      dataIndex: 'status',
      valueType: 'select',
      valueEnum: Object.fromEntries(INVOICE_STATUSES.map((s) => [s, { text: t(...INVOICE_STATUS[s]) }])),
      render: (_, row) => (
        <Space size={4}>
          <Tag color={INVOICE_STATUS_COLOR[row.status]} data-testid={`invoice-row-status-${row.id}`} data-status={row.status}>
            {t(...INVOICE_STATUS[row.status])}
          </Tag>
          {row.status === 'FAILED' && row.failReason && (
            <Tooltip title={row.failReason}>
              <Typography.Text type="danger" ellipsis style={{ maxWidth: 160 }}>
                {row.failReason}
              </Typography.Text>
            </Tooltip>
          )}
        </Space>
      ),
    },
    {
      title: t('种类', 'Kind'),
      dataIndex: 'kind',
      valueType: 'select',
      valueEnum: Object.fromEntries(INVOICE_KINDS.map((k) => [k, { text: t(...INVOICE_KIND[k]) }])),
      render: (_, row) => <Tag color={INVOICE_KIND_COLOR[row.kind]}>{t(...INVOICE_KIND[row.kind])}</Tag>,
    },
    {
      title: t('购方', 'Buyer'),
      dataIndex: 'buyerName',
      search: false,
      render: (_, row) => (
        <Space size={4}>
          <Typography.Link onClick={() => setDetail(row.id)} data-testid={`invoice-${row.id}`}>
            {row.buyerName}
          </Typography.Link>
          <Typography.Text type="secondary">{t(...BUYER_KIND[row.buyerKind])}</Typography.Text>
        </Space>
      ),
    },
    { title: t('商户订单号', 'Order no.'), dataIndex: 'outTradeNo', search: false, render: (_, row) => row.outTradeNo ?? '—' },
    { title: t('价税合计', 'Total'), dataIndex: 'totalFen', align: 'right', search: false, render: (_, row) => formatFen(row.totalFen) },
    { title: t('税额', 'Tax'), dataIndex: 'taxFen', align: 'right', search: false, render: (_, row) => formatFen(row.taxFen) },
    { title: t('发票号码', 'Invoice number'), dataIndex: 'invoiceNumber', search: false, render: (_, row) => row.invoiceNumber || '—' },
    {
      title: t('开票日期', 'Issued'),
      dataIndex: 'issuedAt',
      search: false,
      render: (_, row) => (row.issuedAt ? dayjs(row.issuedAt).format('YYYY-MM-DD HH:mm') : '—'),
    },
    {
      title: t('申请日期', 'Requested between'),
      dataIndex: 'createdRange',
      valueType: 'dateRange',
      hideInTable: true,
      search: { transform: (value: [string, string]) => ({ dateFrom: value[0], dateTo: value[1] }) },
    },
    {
      title: t('申请时间', 'Requested'),
      dataIndex: 'createdAt',
      search: false,
      render: (_, row) => dayjs(row.createdAt).format('YYYY-MM-DD HH:mm'),
    },
    {
      title: t('操作', 'Actions'),
      valueType: 'option',
      render: (_, row) => [
        <Typography.Link key="detail" onClick={() => setDetail(row.id)} data-testid={`invoice-detail-${row.id}`}>
          {t('详情', 'Details')}
        </Typography.Link>,
      ],
    },
  ];

  return (
    <>
      <SessionBanner canAct={mayManage} />
      <DataTable<Row, ProTableParams>
        rowKey="id"
        actionRef={action}
        columns={columns}
        data-testid="invoices-table"
        headerTitle={t('电子发票', 'E-invoices')}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        search={{ labelWidth: 'auto' }}
        toolBarRender={() => [
          <ExportButton
            key="export"
            testId="invoices-export"
            start={async () => (await request(StartInvoiceExportDoc, { filter: shown.current })).startInvoiceExport}
          />,
        ]}
        request={async (params) => {
          const { first, offset } = pageArgs(params);
          shown.current = invoiceFilter(params);
          const { invoices } = await request(InvoicesListDoc, { offset, limit: first, filter: shown.current });
          return tablePage(invoices ?? { totalCount: 0, items: [] });
        }}
      />
      <InvoiceDrawer
        id={detail}
        onClose={() => setDetail(null)}
        onRetry={mayManage ? retry : null}
        onReverse={
          mayManage
            ? (inv) => setTarget({ id: inv.id, invoiceNumber: inv.invoiceNumber ?? null, totalFen: inv.totalFen, lines: inv.lines })
            : null
        }
      />
      {mayManage && (
        <RedDialog
          invoice={target}
          onClose={() => setTarget(null)}
          onDone={() => {
            setTarget(null);
            message.success(t('已提交红冲；红字发票开具后状态会更新', 'Reversal sent; the status updates once the red invoice is issued'));
            action.current?.reload();
            void client.invalidateQueries({ queryKey: ['InvoiceDetail'] });
          }}
        />
      )}
    </>
  );
}
