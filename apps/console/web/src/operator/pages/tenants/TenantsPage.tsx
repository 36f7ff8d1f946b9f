// @access op.tenants
// Heating companies, as operators see them: a server-paginated ProTable with a status filter and a search,
// each company's live counts and its refreshed collection figures (latest published season, 收缴率, collected
// of billed), the reason behind a suspension or closure, and suspend / reactivate / close, each with a reason
// that goes into the platform's audit log. The reference page for tables (see apps/console/web/README.md).
import { ModalForm, ProFormText, ProFormTextArea, type ActionType, type ProColumns, type ProFormInstance } from '@ant-design/pro-components';
import { Alert, App, Button, Progress, Space, Tag, Tooltip, Typography } from 'antd';
import dayjs from 'dayjs';
import { useRef, useState, type ReactNode } from 'react';
import { ApiError, fieldErrors, request, type PayloadError } from '../../../api/client';
import { optional, pageArgs, tablePage, type ProTableParams } from '../../../components/table';
import { graphql } from '../../../gql/platform';
import type { TenantStatus, TenantsQuery } from '../../../gql/platform/graphql';
import { useT } from '../../../i18n';
import { formatFen } from '../../../lib/money';
import DataTable from '../../../components/DataTable';

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
        statusReason
        contactName
        contactPhone
        createdAt
        suspendedAt
        closedAt
        purgeAfter
        counts { staff houses residents }
        summary { seasonName billCount paidCount billedFen collectedFen outstandingFen collectionRate refreshedAt }
      }
    }
  }
`);

const Suspend = graphql(`
  mutation SuspendTenant($id: ID!, $reason: String!) {
    suspendTenant(id: $id, reason: $reason) {
      tenant { id status suspendedAt statusReason }
      errors { field message code }
    }
  }
`);

const Reactivate = graphql(`
  mutation ReactivateTenant($id: ID!, $reason: String) {
    reactivateTenant(id: $id, reason: $reason) {
      tenant { id status suspendedAt }
      errors { field message code }
    }
  }
`);

const Close = graphql(`
  mutation CloseTenant($id: ID!, $reason: String!) {
    closeTenant(id: $id, reason: $reason) {
      tenant { id status closedAt purgeAfter statusReason }
      errors { field message code }
    }
  }
`);

type Row = TenantsQuery['tenants']['items'][number];

const STATUS_COLORS: Record<TenantStatus, string> = { ACTIVE: 'green', SUSPENDED: 'orange', CLOSED: 'default' };

interface ReasonDialogProps {
  /** data-testid prefix: `<id>-<slug>` on the trigger, `<id>-reason`, `<id>-confirm` in the dialog. */
  id: 'suspend' | 'reactivate' | 'close';
  row: Row;
  title: string;
  trigger: string;
  danger?: boolean;
  intro?: ReactNode;
  /** Closing: the operator types the company's slug to confirm. */
  confirmSlug?: boolean;
  submit: (reason: string) => Promise<readonly PayloadError[]>;
  done: string;
  onDone: () => void;
}

/** A dialog asking for the reason an operator changes a company's status; the API's errors on its fields. */
function ReasonDialog({ id, row, title, trigger, danger, intro, confirmSlug, submit, done, onDone }: ReasonDialogProps) {
  const t = useT();
  const { message } = App.useApp();
  const form = useRef<ProFormInstance>(undefined);
  const [general, setGeneral] = useState<string[]>([]);
  return (
    <ModalForm<{ reason: string; slug?: string }>
      title={title}
      formRef={form}
      trigger={
        <Button danger={danger} size="small" data-testid={`${id}-${row.slug}`}>
          {trigger}
        </Button>
      }
      modalProps={{ destroyOnHidden: true, onCancel: () => setGeneral([]) }}
      submitter={{ searchConfig: { submitText: trigger }, submitButtonProps: { danger, ...({ 'data-testid': `${id}-confirm` } as Record<string, string>) } }}
      onFinish={async ({ reason }) => {
        setGeneral([]);
        try {
          const errors = await submit(reason.trim());
          if (errors.length) {
            const mapped = fieldErrors(errors, ['reason']);
            form.current?.setFields(mapped.fields);
            setGeneral(mapped.general);
            return false;
          }
        } catch (err) {
          setGeneral([err instanceof ApiError ? err.message : String(err)]);
          return false;
        }
        message.success(done);
        onDone();
        return true;
      }}
    >
      {intro}
      {general.length > 0 && <Alert type="error" showIcon message={general.join(' ')} style={{ marginBottom: 16 }} />}
      <ProFormTextArea
        name="reason"
        label={t('原因（记入平台操作日志）', 'Reason (recorded in the platform audit log)')}
        rules={[
          { required: true, whitespace: true, message: t('请填写原因', 'Give a reason') },
          { max: 500, message: t('最多 500 个字符', 'At most 500 characters') },
        ]}
        fieldProps={{ 'data-testid': `${id}-reason` } as Record<string, string>}
      />
      {confirmSlug && (
        <ProFormText
          name="slug"
          label={t(`输入公司标识 ${row.slug} 以确认`, `Type the company's slug ${row.slug} to confirm`)}
          rules={[
            { required: true, message: t('请输入公司标识', "Type the company's slug") },
            { validator: (_, v) => (v === undefined || v === '' || v === row.slug ? Promise.resolve() : Promise.reject(new Error(t('标识不一致', 'The slug does not match')))) },
          ]}
          fieldProps={{ autoComplete: 'off', 'data-testid': `${id}-slug` } as Record<string, string>}
        />
      )}
    </ModalForm>
  );
}

function CollectionCell({ row }: { row: Row }) {
  const t = useT();
  const s = row.summary;
  if (!s) return <Typography.Text type="secondary">{t('待刷新', 'Not refreshed yet')}</Typography.Text>;
  if (!s.seasonName) return <Typography.Text type="secondary">{t('尚无已发布采暖季', 'No published season')}</Typography.Text>;
  const rate = Number(s.collectionRate);
  return (
    <Tooltip
      title={
        <>
          <div>{s.seasonName}</div>
          <div>
            {t('已缴清', 'Paid')} {s.paidCount} / {s.billCount}
          </div>
          <div>
            {t('欠费', 'Outstanding')} {formatFen(s.outstandingFen)}
          </div>
          <div>
            {t('更新于', 'As of')} {dayjs(s.refreshedAt).format('MM-DD HH:mm')}
          </div>
        </>
      }
    >
      <div style={{ minWidth: 150 }} data-testid={`tenant-rate-${row.slug}`}>
        <Progress percent={rate} size="small" format={() => `${s.collectionRate}%`} />
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {formatFen(s.collectedFen)} / {formatFen(s.billedFen)}
        </Typography.Text>
      </div>
    </Tooltip>
  );
}

export default function TenantsPage() {
  const t = useT();
  const action = useRef<ActionType>(null);
  const reload = () => action.current?.reload();
  const statusText: Record<TenantStatus, string> = {
    ACTIVE: t('正常', 'Active'),
    SUSPENDED: t('已暂停', 'Suspended'),
    CLOSED: t('已关闭', 'Closed'),
  };

  const columns: ProColumns<Row>[] = [
    { title: t('搜索', 'Search'), dataIndex: 'search', hideInTable: true, fieldProps: { placeholder: t('名称或标识', 'Name or slug') } },
    {
      title: t('公司名称', 'Company'),
      dataIndex: 'name',
      search: false,
      render: (_, row) => (
        <div>
          <div>{row.name}</div>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {row.domain ?? row.slug}
          </Typography.Text>
        </div>
      ),
    },
    {
      title: t('状态', 'Status'),
      dataIndex: 'status',
      valueType: 'select',
      valueEnum: Object.fromEntries(Object.entries(statusText).map(([k, v]) => [k, { text: v }])),
      render: (_, row) => (
        <div style={{ maxWidth: 220 }}>
          <Tag color={STATUS_COLORS[row.status]} data-testid={`tenant-status-${row.slug}`}>
            {statusText[row.status]}
          </Tag>
          {row.statusReason && (
            <div style={{ fontSize: 12 }} data-testid={`tenant-reason-${row.slug}`}>
              {row.statusReason}
            </div>
          )}
          {row.status === 'CLOSED' && row.purgeAfter && (
            <Typography.Text type="danger" style={{ fontSize: 12 }}>
              {t(`${dayjs(row.purgeAfter).format('YYYY-MM-DD')} 后删除数据`, `Data deleted after ${dayjs(row.purgeAfter).format('YYYY-MM-DD')}`)}
            </Typography.Text>
          )}
        </div>
      ),
    },
    {
      title: t('联系人', 'Contact'),
      dataIndex: 'contactName',
      search: false,
      render: (_, row) => (
        <div>
          <div>{row.contactName}</div>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {row.contactPhone}
          </Typography.Text>
        </div>
      ),
    },
    { title: t('员工', 'Staff'), dataIndex: ['counts', 'staff'], search: false, align: 'right' },
    { title: t('房屋', 'Houses'), dataIndex: ['counts', 'houses'], search: false, align: 'right', render: (_, row) => <span data-testid={`tenant-houses-${row.slug}`}>{row.counts.houses}</span> },
    { title: t('居民', 'Residents'), dataIndex: ['counts', 'residents'], search: false, align: 'right' },
    { title: t('收缴率（最新采暖季）', 'Collection (latest season)'), dataIndex: 'summary', search: false, render: (_, row) => <CollectionCell row={row} /> },
    { title: t('创建时间', 'Created'), dataIndex: 'createdAt', valueType: 'date', search: false },
    {
      title: t('操作', 'Actions'),
      valueType: 'option',
      render: (_, row) => (
        <Space size={4} wrap>
          {row.status === 'ACTIVE' && (
            <ReasonDialog
              id="suspend"
              row={row}
              danger
              title={t(`暂停 ${row.name}`, `Suspend ${row.name}`)}
              trigger={t('暂停', 'Suspend')}
              intro={<Alert type="warning" showIcon style={{ marginBottom: 16 }} message={t('暂停后该公司的控制台和线上缴费立即停止，数据保留。', "The company's console and online payments stop at once; its data is kept.")} />}
              submit={async (reason) => (await request(Suspend, { id: row.id, reason })).suspendTenant?.errors ?? []}
              done={t('已暂停', 'Suspended')}
              onDone={reload}
            />
          )}
          {(row.status === 'SUSPENDED' || row.status === 'CLOSED') && (
            <ReasonDialog
              id="reactivate"
              row={row}
              title={t(`恢复 ${row.name}`, `Reactivate ${row.name}`)}
              trigger={t('恢复', 'Reactivate')}
              submit={async (reason) => (await request(Reactivate, { id: row.id, reason })).reactivateTenant?.errors ?? []}
              done={t('已恢复', 'Reactivated')}
              onDone={reload}
            />
          )}
          {row.status !== 'CLOSED' && (
            <ReasonDialog
              id="close"
              row={row}
              danger
              confirmSlug
              title={t(`关闭 ${row.name}`, `Close ${row.name}`)}
              trigger={t('关闭', 'Close')}
              intro={
                <Alert
                  type="error"
                  showIcon
                  style={{ marginBottom: 16 }}
                  message={t(
                    '合同终止：该公司所有接口返回 410，数据保留期满后自动删除（期间可恢复；请先用 manage.py export_tenant 导出）。',
                    'Contract ended: every endpoint answers 410 and the data is deleted after the retention period (reactivation is possible until then; export it first with manage.py export_tenant).',
                  )}
                />
              }
              submit={async (reason) => (await request(Close, { id: row.id, reason })).closeTenant?.errors ?? []}
              done={t('已关闭', 'Closed')}
              onDone={reload}
            />
          )}
        </Space>
      ),
    },
  ];

  return (
    <DataTable<Row, ProTableParams>
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
