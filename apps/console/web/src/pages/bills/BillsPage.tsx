// @access bills
// Bills (every staff role): a server-paginated table with filters (season, community, status, arrears, 户号 or
// owner name), and a drawer with the bill's lines and what is due today; finance and admin adjust or waive
// there. `?season=<id>` preselects a season (the bill-run page links here).
import type { ActionType, ProColumns } from '@ant-design/pro-components';
import { useQuery } from '@tanstack/react-query';
import { Button, Tag } from 'antd';
import dayjs from 'dayjs';
import { useRef, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { request } from '../../api/client';
import { optional, pageArgs, tablePage, type ProTableParams } from '../../components/table';
import { ExportButton } from '../../components/export/ExportButton';
import type { BillFilter, BillStatus, BillsQuery } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { BillDrawer } from './BillDrawer';
import { BillFilterCommunitiesDoc, BillFilterSeasonsDoc, BillsDoc, StartBillExportDoc } from './documents';
import { BILL_STATUS, BILL_STATUS_COLOR } from './labels';
import DataTable from '../../components/DataTable';

type Row = BillsQuery['bills']['items'][number];

export default function BillsPage() {
  const t = useT();
  const action = useRef<ActionType>(null);
  const [params] = useSearchParams();
  const [open, setOpen] = useState<string | null>(null);
  const shown = useRef<BillFilter>({}); // the filter of the rows on screen: what Export writes
  const seasons = useQuery({ queryKey: ['billFilterSeasons'], queryFn: async () => (await request(BillFilterSeasonsDoc)).seasons ?? [] });

  const columns: ProColumns<Row>[] = [
    {
      title: t('采暖季', 'Season'),
      dataIndex: 'seasonId',
      valueType: 'select',
      hideInTable: true,
      fieldProps: { options: (seasons.data ?? []).map((s) => ({ value: s.id, label: s.name })), 'data-testid': 'bills-filter-season' },
    },
    {
      title: t('小区', 'Community'),
      dataIndex: 'communityId',
      valueType: 'select',
      hideInTable: true,
      debounceTime: 300,
      fieldProps: { showSearch: true, filterOption: false, 'data-testid': 'bills-filter-community' },
      request: async ({ keyWords }: { keyWords?: string }) => {
        const { communities } = await request(BillFilterCommunitiesDoc, { search: optional(keyWords) ?? null });
        return communities.items.map((c) => ({ value: c.id, label: c.name }));
      },
    },
    {
      title: t('状态', 'Status'),
      dataIndex: 'status',
      valueType: 'select',
      hideInTable: true,
      valueEnum: Object.fromEntries(Object.entries(BILL_STATUS).map(([k, v]) => [k, { text: t(...v) }])),
    },
    {
      title: t('欠费', 'Arrears'),
      dataIndex: 'inArrears',
      valueType: 'select',
      hideInTable: true,
      valueEnum: { true: { text: t('欠费', 'In arrears') }, false: { text: t('无欠费', 'Not in arrears') } },
    },
    {
      title: t('搜索', 'Search'),
      dataIndex: 'search',
      hideInTable: true,
      fieldProps: { placeholder: t('户号前缀或户主姓名', '户号 prefix or owner name'), 'data-testid': 'bills-filter-search' },
    },
    { title: t('户号', 'Account'), dataIndex: ['house', 'accountNo'], search: false },
    {
      title: t('地址', 'Address'),
      dataIndex: ['house', 'address'],
      search: false,
      // CSS ellipsis with a plain title: `ellipsis: true` makes ProTable measure every cell (a forced layout per row).
      ellipsis: { showTitle: false },
      render: (_, row) => <span title={row.house.address}>{row.house.address}</span>,
    },
    { title: t('采暖季', 'Season'), dataIndex: 'season', search: false },
    {
      title: t('状态', 'Status'),
      key: 'statusTag',
      search: false,
      render: (_, row) => (
        <Tag color={BILL_STATUS_COLOR[row.status]} data-testid={`bill-status-${row.house.accountNo}`}>
          {t(...BILL_STATUS[row.status])}
        </Tag>
      ),
    },
    { title: t('应收', 'Billed'), dataIndex: 'principalFen', search: false, align: 'right', render: (_, r) => formatFen(r.principalFen) },
    { title: t('已缴', 'Paid'), dataIndex: 'paidFen', search: false, align: 'right', render: (_, r) => formatFen(r.paidFen) },
    {
      title: t('今日应缴', 'Due today'),
      dataIndex: ['amountDue', 'totalFen'],
      search: false,
      align: 'right',
      render: (_, r) => formatFen(r.amountDue.totalFen),
    },
    { title: t('出账', 'Issued'), dataIndex: 'issuedAt', search: false, render: (_, r) => dayjs(r.issuedAt).format('YYYY-MM-DD') },
    {
      title: t('操作', 'Actions'),
      valueType: 'option',
      render: (_, row) => (
        <Button size="small" type="link" onClick={() => setOpen(row.id)} data-testid={`bill-open-${row.house.accountNo}`}>
          {t('详情', 'Details')}
        </Button>
      ),
    },
  ];

  return (
    <>
      <DataTable<Row, ProTableParams>
        rowKey="id"
        actionRef={action}
        columns={columns}
        data-testid="bills-table"
        pagination={{ defaultPageSize: 20, showSizeChanger: true }}
        search={{ labelWidth: 'auto', defaultCollapsed: false }}
        form={{ initialValues: { seasonId: params.get('season') ?? undefined } }}
        onRow={(row) => ({ onDoubleClick: () => setOpen(row.id) })}
        toolBarRender={() => [
          <ExportButton
            key="export"
            testId="bills-export"
            start={async () => (await request(StartBillExportDoc, { filter: shown.current })).startBillExport}
          />,
        ]}
        request={async (p) => {
          const inArrears = optional(p.inArrears);
          shown.current = {
            seasonId: optional(p.seasonId) ?? null,
            communityId: optional(p.communityId) ?? null,
            status: (optional(p.status) as BillStatus | undefined) ?? null,
            inArrears: inArrears === undefined ? null : inArrears === 'true',
            search: optional(p.search) ?? null,
          };
          const { bills } = await request(BillsDoc, { ...pageArgs(p), filter: shown.current });
          return tablePage(bills);
        }}
      />
      <BillDrawer billId={open} onClose={() => setOpen(null)} onChanged={() => action.current?.reload()} />
    </>
  );
}
