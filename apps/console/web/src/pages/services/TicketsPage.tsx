// @access tickets
// Tickets (工单) for the dispatcher and the desk: every ticket in a server-paginated table filtered by status,
// kind, category, assignee, community, overdue, submission dates and a search (no., house, contact), overdue
// flags and the time left; one ticket in a drawer with its timeline, photos and the actions the API allows.
// Collectors and admins file a ticket for a caller.
import { PlusOutlined } from '@ant-design/icons';
import type { ActionType, ProColumns } from '@ant-design/pro-components';
import { useQuery } from '@tanstack/react-query';
import { Button, Space, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { useRef, useState } from 'react';
import { request } from '../../api/client';
import { useCan } from '../../auth/useCan';
import DataTable from '../../components/DataTable';
import { pageArgs, tablePage, type ProTableParams } from '../../components/table';
import type { TicketsPageListQuery } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { CreateTicketDialog } from './CreateTicketDialog';
import { TICKET_KIND, TICKET_KINDS, TICKET_KIND_COLOR, valueEnum, when } from './labels';
import { TICKET_STATUS, TICKET_STATUS_COLOR, TICKET_STATUSES } from './ticketLabels';
import { SlaTags, TicketDrawer } from './TicketDrawer';
import { TicketsFiltersDoc, TicketsListDoc } from './ticketDocuments';
import { ticketFilter } from './tickets';
import { TechniciansDoc } from './ticketDispatch';

type Row = TicketsPageListQuery['tickets']['items'][number];

export default function TicketsPage() {
  const t = useT();
  const can = useCan();
  const action = useRef<ActionType>(null);
  const [detail, setDetail] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const filters = useQuery({ queryKey: ['TicketsPageFilters'], queryFn: async () => request(TicketsFiltersDoc) });
  const mayDispatch = can('tickets.dispatch');
  const technicians = useQuery({
    queryKey: ['TicketTechnicians'],
    enabled: mayDispatch,
    queryFn: async () => (await request(TechniciansDoc)).technicians,
  });
  const categories = filters.data?.ticketCategories ?? [];
  const now = dayjs();

  const columns: ProColumns<Row>[] = [
    { title: t('搜索', 'Search'), dataIndex: 'search', hideInTable: true, fieldProps: { placeholder: t('工单号 / 户号 / 地址 / 联系人', 'No. / account / address / contact') } },
    {
      title: t('工单号', 'No.'),
      dataIndex: 'no',
      search: false,
      render: (_, row) => (
        <Typography.Link onClick={() => setDetail(row.id)} data-testid={`ticket-${row.no}`}>
          {row.no}
        </Typography.Link>
      ),
    },
    {
      title: t('状态', 'Status'),
      dataIndex: 'status',
      valueType: 'select',
      valueEnum: valueEnum(TICKET_STATUSES, TICKET_STATUS, t),
      render: (_, row) => (
        <Tag color={TICKET_STATUS_COLOR[row.status]} data-testid={`ticket-row-status-${row.id}`} data-status={row.status}>
          {t(...TICKET_STATUS[row.status])}
        </Tag>
      ),
    },
    {
      title: t('类型', 'Kind'),
      dataIndex: 'kind',
      valueType: 'select',
      valueEnum: valueEnum(TICKET_KINDS, TICKET_KIND, t),
      render: (_, row) => (
        <Space size={4}>
          <Tag color={TICKET_KIND_COLOR[row.kind]}>{t(...TICKET_KIND[row.kind])}</Tag>
          {row.kind === 'TEMPERATURE' && row.reportedTemp && <span>{row.reportedTemp}℃</span>}
        </Space>
      ),
    },
    {
      title: t('类别', 'Category'),
      dataIndex: 'categoryId',
      valueType: 'select',
      fieldProps: { options: categories.map((c) => ({ value: c.id, label: `${t(...TICKET_KIND[c.kind])} · ${c.name}` })) },
      render: (_, row) => row.category?.name ?? '—',
    },
    {
      title: t('房屋', 'House'),
      dataIndex: 'communityId',
      valueType: 'select',
      fieldProps: { options: (filters.data?.communities.items ?? []).map((c) => ({ value: c.id, label: c.name })), placeholder: t('小区', 'Community') },
      render: (_, row) => (
        <Space direction="vertical" size={0}>
          <span>{row.house.accountNo}</span>
          <Typography.Text type="secondary">{row.house.address}</Typography.Text>
        </Space>
      ),
    },
    { title: t('联系人', 'Contact'), dataIndex: 'contactName', search: false },
    {
      title: t('处理人', 'Assignee'),
      dataIndex: 'assigneeId',
      valueType: 'select',
      hideInSearch: !mayDispatch,
      fieldProps: { options: (technicians.data ?? []).map((s) => ({ value: s.id, label: s.name })) },
      render: (_, row) => row.assignee?.name ?? '—',
    },
    {
      title: t('时限', 'SLA'),
      dataIndex: 'overdue',
      valueType: 'select',
      valueEnum: { true: { text: t('仅超时', 'Overdue only') }, false: { text: t('未超时', 'Not overdue') } },
      render: (_, row) => <SlaTags ticket={row} t={t} now={now} />,
    },
    { title: t('提交时间', 'Submitted'), dataIndex: 'submittedAt', search: false, render: (_, row) => when(row.submittedAt) },
    {
      title: t('提交日期', 'Submitted between'),
      dataIndex: 'submittedRange',
      valueType: 'dateRange',
      hideInTable: true,
      search: { transform: (value: [string, string]) => ({ dateFrom: value[0], dateTo: value[1] }) },
    },
    {
      title: t('操作', 'Actions'),
      valueType: 'option',
      render: (_, row) => [
        <Typography.Link key="detail" onClick={() => setDetail(row.id)} data-testid={`ticket-detail-${row.id}`}>
          {t('详情', 'Details')}
        </Typography.Link>,
      ],
    },
  ];

  return (
    <>
      <DataTable<Row, ProTableParams>
        rowKey="id"
        actionRef={action}
        columns={columns}
        data-testid="tickets-table"
        headerTitle={t('工单', 'Tickets')}
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        search={{ labelWidth: 'auto' }}
        rowClassName={(row) => (row.respondOverdue || row.resolveOverdue ? 'ticket-overdue' : '')}
        toolBarRender={() =>
          can('tickets.create')
            ? [
                <Button key="create" type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="ticket-create">
                  {t('代客报修', 'File a ticket')}
                </Button>,
              ]
            : []
        }
        request={async (params) => {
          const { first, offset } = pageArgs(params);
          const { tickets } = await request(TicketsListDoc, { offset, limit: first, filter: ticketFilter(params) });
          return tablePage(tickets);
        }}
      />
      <TicketDrawer id={detail} onClose={() => setDetail(null)} onChanged={() => action.current?.reload()} />
      {can('tickets.create') && (
        <CreateTicketDialog
          open={creating}
          categories={categories}
          onClose={() => setCreating(false)}
          onCreated={() => {
            setCreating(false);
            action.current?.reload();
          }}
        />
      )}
    </>
  );
}
