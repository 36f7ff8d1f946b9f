// @access audit
// The company's audit log (admins): who did what to which record, newest first, server-paginated, filtered by
// actor (a staff member, or residents / the system), action (the log's own list), target and date range.
import type { ProColumns } from '@ant-design/pro-components';
import { AutoComplete, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { request } from '../../api/client';
import { useGraphQL } from '../../api/hooks';
import { optional, pageArgs, tablePage, type ProTableParams } from '../../components/table';
import { graphql } from '../../gql/tenant';
import type { AuditActorKind, AuditLogFilter, AuditPageLogQuery } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { actionLabel, TARGET_LABELS, targetLabel } from '../../lib/audit';
import { Detail } from './Detail';
import DataTable from '../../components/DataTable';

const Log = graphql(`
  query AuditPageLog($filter: AuditLogFilter, $first: Int, $offset: Int) {
    auditLog(filter: $filter, first: $first, offset: $offset) {
      totalCount
      items { id createdAt actorKind actorId actorName action targetType targetId detail ip }
    }
  }
`);

const Choices = graphql(`
  query AuditPageChoices {
    auditActions
    staff(first: 100) { items { id username displayName } }
  }
`);

type Row = AuditPageLogQuery['auditLog']['items'][number];

const KIND_COLORS: Record<AuditActorKind, string> = { STAFF: 'blue', RESIDENT: 'green', SYSTEM: 'default' };

/** The search form's values → AuditLogFilter. `actor` is a staff id, or RESIDENT / SYSTEM for those kinds. */
export function auditFilter(params: ProTableParams): AuditLogFilter {
  const filter: AuditLogFilter = {};
  const actor = optional(params.actor);
  if (actor === 'RESIDENT' || actor === 'SYSTEM') filter.actorKind = actor;
  else if (actor) {
    filter.actorKind = 'STAFF';
    filter.actorId = actor;
  }
  const action = optional(params.action);
  if (action) filter.action = action;
  const targetType = optional(params.targetType);
  if (targetType) filter.targetType = targetType;
  const targetId = optional(params.targetId);
  if (targetId) filter.targetId = targetId;
  const range = params.createdAt as [string, string] | undefined;
  if (range?.[0]) filter.dateFrom = dayjs(range[0]).format('YYYY-MM-DD');
  if (range?.[1]) filter.dateTo = dayjs(range[1]).format('YYYY-MM-DD');
  return filter;
}

export default function AuditPage() {
  const t = useT();
  const choices = useGraphQL(Choices, {});
  const kindText: Record<AuditActorKind, string> = { STAFF: t('员工', 'Staff'), RESIDENT: t('居民', 'Resident'), SYSTEM: t('系统', 'System') };
  const actorOptions = [
    ...(choices.data?.staff.items ?? []).map((s) => ({ value: s.id, label: s.displayName ? `${s.displayName}（${s.username}）` : s.username })),
    { value: 'RESIDENT', label: t('全部居民', 'All residents') },
    { value: 'SYSTEM', label: t('系统', 'System') },
  ];
  const actionOptions = (choices.data?.auditActions ?? []).map((a) => ({ value: a, label: `${actionLabel(t, a)} · ${a}` }));
  const targetOptions = Object.keys(TARGET_LABELS).map((k) => ({ value: k, label: `${targetLabel(t, k)} · ${k}` }));

  const columns: ProColumns<Row>[] = [
    {
      title: t('时间', 'Time'),
      dataIndex: 'createdAt',
      valueType: 'dateRange',
      width: 170,
      render: (_, r) => dayjs(r.createdAt).format('YYYY-MM-DD HH:mm:ss'),
    },
    {
      title: t('操作人', 'Actor'),
      dataIndex: 'actor',
      valueType: 'select',
      fieldProps: { options: actorOptions, showSearch: true, optionFilterProp: 'label', 'data-testid': 'audit-filter-actor' },
      render: (_, r) => (
        <span>
          <Tag color={KIND_COLORS[r.actorKind]}>{kindText[r.actorKind]}</Tag>
          {r.actorName}
        </span>
      ),
    },
    {
      title: t('操作', 'Action'),
      dataIndex: 'action',
      valueType: 'select',
      fieldProps: { options: actionOptions, showSearch: true, optionFilterProp: 'label', 'data-testid': 'audit-filter-action' },
      render: (_, r) => (
        <span data-testid={`audit-action-${r.id}`} data-action={r.action}>
          {actionLabel(t, r.action)} <Typography.Text type="secondary">{r.action}</Typography.Text>
        </span>
      ),
    },
    {
      title: t('对象类型', 'Target type'),
      dataIndex: 'targetType',
      hideInTable: true,
      renderFormItem: () => <AutoComplete options={targetOptions} allowClear placeholder="properties.house" filterOption={(input, o) => String(o?.value).includes(input)} />,
    },
    { title: t('对象 ID', 'Target id'), dataIndex: 'targetId', hideInTable: true, fieldProps: { placeholder: '123' } },
    {
      title: t('对象', 'Target'),
      dataIndex: 'target',
      search: false,
      render: (_, r) => (r.targetType ? `${targetLabel(t, r.targetType)} #${r.targetId ?? '—'}` : '—'),
    },
    { title: t('详情', 'Detail'), dataIndex: 'detail', search: false, render: (_, r) => <Detail detail={r.detail} /> },
    { title: 'IP', dataIndex: 'ip', search: false, width: 130, renderText: (v) => v || '—' },
  ];

  return (
    <DataTable<Row, ProTableParams>
      rowKey="id"
      columns={columns}
      data-testid="audit-table"
      headerTitle={t('操作日志', 'Audit log')}
      pagination={{ defaultPageSize: 20, showSizeChanger: true }}
      search={{ labelWidth: 'auto', defaultCollapsed: false }}
      request={async (params) => {
        const { auditLog } = await request(Log, { ...pageArgs(params), filter: auditFilter(params) });
        return tablePage(auditLog);
      }}
    />
  );
}
