// @access op.tenants
// Heating companies, as operators see them: a server-paginated ProTable with a status filter and a search,
// and suspend (with a reason) / reactivate. The reference page for tables (see apps/console/web/README.md).
import { ModalForm, ProFormTextArea, ProTable, type ActionType, type ProColumns } from '@ant-design/pro-components';
import { App, Button, Popconfirm, Tag } from 'antd';
import { useRef } from 'react';
import { ApiError, request } from '../../../api/client';
import { optional, pageArgs, tablePage, type ProTableParams } from '../../../components/table';
import { graphql } from '../../../gql/platform';
import type { TenantStatus, TenantsQuery } from '../../../gql/platform/graphql';
import { useT } from '../../../i18n';

const Tenants = graphql(`
  query Tenants($status: TenantStatus, $search: String, $first: Int, $offset: Int) {
    tenants(status: $status, search: $search, first: $first, offset: $offset) {
      totalCount
      items {
        id
        name
        slug
        domain
        status
        contactName
        contactPhone
        createdAt
        suspendedAt
        counts { staff houses residents }
      }
    }
  }
`);

const Suspend = graphql(`
  mutation SuspendTenant($id: ID!, $reason: String!) {
    suspendTenant(id: $id, reason: $reason) {
      tenant { id status suspendedAt }
      errors { field message code }
    }
  }
`);

const Reactivate = graphql(`
  mutation ReactivateTenant($id: ID!) {
    reactivateTenant(id: $id) {
      tenant { id status suspendedAt }
      errors { field message code }
    }
  }
`);

type Row = TenantsQuery['tenants']['items'][number];

const STATUS_COLORS: Record<TenantStatus, string> = { ACTIVE: 'green', SUSPENDED: 'orange', CLOSED: 'default' };

export default function TenantsPage() {
  const t = useT();
  const { message } = App.useApp();
  const action = useRef<ActionType>(null);
  const statusText: Record<TenantStatus, string> = {
    ACTIVE: t('正常', 'Active'),
    SUSPENDED: t('已暂停', 'Suspended'),
    CLOSED: t('已关闭', 'Closed'),
  };

  const reactivate = async (row: Row) => {
    try {
      const { reactivateTenant } = await request(Reactivate, { id: row.id });
      if (reactivateTenant?.errors.length) message.error(reactivateTenant.errors.map((e) => e.message).join(' '));
      else message.success(t('已恢复', 'Reactivated'));
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    }
    action.current?.reload();
  };

  const columns: ProColumns<Row>[] = [
    { title: t('搜索', 'Search'), dataIndex: 'search', hideInTable: true, fieldProps: { placeholder: t('名称或标识', 'Name or slug') } },
    { title: t('公司名称', 'Company'), dataIndex: 'name', search: false },
    { title: t('标识', 'Slug'), dataIndex: 'slug', search: false },
    { title: t('域名', 'Domain'), dataIndex: 'domain', search: false },
    {
      title: t('状态', 'Status'),
      dataIndex: 'status',
      valueType: 'select',
      valueEnum: Object.fromEntries(Object.entries(statusText).map(([k, v]) => [k, { text: v }])),
      render: (_, row) => (
        <Tag color={STATUS_COLORS[row.status]} data-testid={`tenant-status-${row.slug}`}>
          {statusText[row.status]}
        </Tag>
      ),
    },
    { title: t('联系人', 'Contact'), dataIndex: 'contactName', search: false },
    { title: t('员工', 'Staff'), dataIndex: ['counts', 'staff'], search: false, align: 'right' },
    { title: t('房屋', 'Houses'), dataIndex: ['counts', 'houses'], search: false, align: 'right' },
    { title: t('居民', 'Residents'), dataIndex: ['counts', 'residents'], search: false, align: 'right' },
    { title: t('创建时间', 'Created'), dataIndex: 'createdAt', valueType: 'dateTime', search: false },
    {
      title: t('操作', 'Actions'),
      valueType: 'option',
      render: (_, row) =>
        row.status === 'ACTIVE' ? (
          <ModalForm<{ reason: string }>
            key="suspend"
            title={t(`暂停 ${row.name}`, `Suspend ${row.name}`)}
            trigger={
              <Button danger size="small" data-testid={`suspend-${row.slug}`}>
                {t('暂停', 'Suspend')}
              </Button>
            }
            modalProps={{ destroyOnHidden: true }}
            submitter={{ submitButtonProps: { 'data-testid': 'suspend-confirm' } as Record<string, string> }}
            onFinish={async ({ reason }) => {
              const { suspendTenant } = await request(Suspend, { id: row.id, reason });
              if (suspendTenant?.errors.length) {
                message.error(suspendTenant.errors.map((e) => e.message).join(' '));
                return false;
              }
              message.success(t('已暂停', 'Suspended'));
              action.current?.reload();
              return true;
            }}
          >
            <ProFormTextArea
              name="reason"
              label={t('原因', 'Reason')}
              rules={[{ required: true, whitespace: true, message: t('请填写原因', 'Give a reason') }]}
              fieldProps={{ 'data-testid': 'suspend-reason' } as Record<string, string>}
            />
          </ModalForm>
        ) : row.status === 'SUSPENDED' ? (
          <Popconfirm key="reactivate" title={t('恢复该公司的服务？', 'Reactivate this company?')} onConfirm={() => reactivate(row)}
            okButtonProps={{ 'data-testid': 'reactivate-confirm' } as Record<string, string>}
          >
            <Button size="small" data-testid={`reactivate-${row.slug}`}>
              {t('恢复', 'Reactivate')}
            </Button>
          </Popconfirm>
        ) : null,
    },
  ];

  return (
    <ProTable<Row, ProTableParams>
      rowKey="id"
      actionRef={action}
      columns={columns}
      data-testid="tenants-table"
      pagination={{ defaultPageSize: 20, showSizeChanger: true }}
      search={{ labelWidth: 'auto' }}
      request={async (params) => {
        const { tenants } = await request(Tenants, {
          ...pageArgs(params),
          search: optional(params.search),
          status: (optional(params.status) as TenantStatus | undefined) ?? null,
        });
        return tablePage(tenants);
      }}
    />
  );
}
