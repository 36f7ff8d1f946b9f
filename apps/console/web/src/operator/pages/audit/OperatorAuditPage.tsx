// @access op.audit
// The platform's audit log (operators): what an operator or the system did to which company, newest first,
// server-paginated, filtered by action, company and date range.
import type { ProColumns } from '@ant-design/pro-components';
import { Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { request } from '../../../api/client';
import { useGraphQL } from '../../../api/hooks';
import { optional, pageArgs, tablePage, type ProTableParams } from '../../../components/table';
import { graphql } from '../../../gql/platform';
import type { OperatorAuditLogFilter, OperatorAuditPageLogQuery } from '../../../gql/platform/graphql';
import { useT } from '../../../i18n';
import { actionLabel } from '../../../lib/audit';
import { Detail } from '../../../pages/audit/Detail';
import DataTable from '../../../components/DataTable';

const Log = graphql(`
  query OperatorAuditPageLog($filter: OperatorAuditLogFilter, $first: Int, $offset: Int) {
    operatorAuditLog(filter: $filter, first: $first, offset: $offset) {
      totalCount
      items { id createdAt actorId actorUsername action tenantId tenantName tenantSlug detail ip }
    }
  }
`);

const Actions = graphql(`
  query OperatorAuditPageActions {
    operatorAuditActions
  }
`);

const Companies = graphql(`
  query OperatorAuditPageCompanies($search: String) {
    tenants(search: $search, first: 20) { items { id name slug } }
  }
`);

type Row = OperatorAuditPageLogQuery['operatorAuditLog']['items'][number];

export function operatorAuditFilter(params: ProTableParams): OperatorAuditLogFilter {
  const filter: OperatorAuditLogFilter = {};
  const action = optional(params.action);
  if (action) filter.action = action;
  const tenant = optional(params.tenant);
  if (tenant) filter.tenantId = tenant;
  const range = params.createdAt as [string, string] | undefined;
  if (range?.[0]) filter.dateFrom = dayjs(range[0]).format('YYYY-MM-DD');
  if (range?.[1]) filter.dateTo = dayjs(range[1]).format('YYYY-MM-DD');
  return filter;
}

export default function OperatorAuditPage() {
  const t = useT();
  const actions = useGraphQL(Actions, {});
  const [search, setSearch] = useState('');
  const companies = useGraphQL(Companies, { search: search || null });
  const actionOptions = (actions.data?.operatorAuditActions ?? []).map((a) => ({ value: a, label: `${actionLabel(t, a)} · ${a}` }));
  const companyOptions = (companies.data?.tenants.items ?? []).map((c) => ({ value: c.id, label: `${c.name}（${c.slug}）` }));

  const columns: ProColumns<Row>[] = [
    { title: t('时间', 'Time'), dataIndex: 'createdAt', valueType: 'dateRange', width: 170, render: (_, r) => dayjs(r.createdAt).format('YYYY-MM-DD HH:mm:ss') },
    { title: t('操作人', 'Operator'), dataIndex: 'actorUsername', search: false, render: (_, r) => (r.actorId ? r.actorUsername : <Tag>{r.actorUsername || t('系统', 'System')}</Tag>) },
    {
      title: t('操作', 'Action'),
      dataIndex: 'action',
      valueType: 'select',
      fieldProps: { options: actionOptions, showSearch: true, optionFilterProp: 'label' },
      render: (_, r) => (
        <span data-testid={`op-audit-action-${r.id}`} data-action={r.action}>
          {actionLabel(t, r.action)} <Typography.Text type="secondary">{r.action}</Typography.Text>
        </span>
      ),
    },
    {
      title: t('公司', 'Company'),
      dataIndex: 'tenant',
      valueType: 'select',
      fieldProps: { options: companyOptions, showSearch: true, filterOption: false, onSearch: setSearch, placeholder: t('输入名称搜索', 'Type to search') },
      render: (_, r) => (r.tenantName ? `${r.tenantName}（${r.tenantSlug}）` : '—'),
    },
    { title: t('详情', 'Detail'), dataIndex: 'detail', search: false, render: (_, r) => <Detail detail={r.detail} /> },
    { title: 'IP', dataIndex: 'ip', search: false, width: 130, renderText: (v) => v || '—' },
  ];

  return (
    <DataTable<Row, ProTableParams>
      rowKey="id"
      columns={columns}
      data-testid="operator-audit-table"
      headerTitle={t('平台操作日志', 'Platform audit log')}
      pagination={{ defaultPageSize: 20, showSizeChanger: true }}
      search={{ labelWidth: 'auto', defaultCollapsed: false }}
      request={async (params) => {
        const { operatorAuditLog } = await request(Log, { ...pageArgs(params), filter: operatorAuditFilter(params) });
        return tablePage(operatorAuditLog);
      }}
    />
  );
}
