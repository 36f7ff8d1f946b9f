// @access compensations
// 室温补偿 (finance and admins): every compensation with the lines that explain it (band, days, ratio, amount —
// the text the bill line carries), how it was paid (bill credit, next bill, refund) and, above the company's
// threshold, approve / reject with a note; a second tab lists the shortfall periods behind them.
import type { ActionType, ProColumns } from '@ant-design/pro-components';
import { App, Button, Form, Input, Modal, Space, Table, Tabs, Tag, Typography } from 'antd';
import { useRef, useState } from 'react';
import { ApiError, request } from '../../api/client';
import { useCan } from '../../auth/useCan';
import DataTable from '../../components/DataTable';
import { optional, pageArgs, tablePage, type ProTableParams } from '../../components/table';
import type { CompensationsPageListQuery, CompensationsPageShortfallsQuery, CompensationStatus, ShortfallStatus } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { ApproveCompensationDoc, RejectCompensationDoc } from './compensationApprove';
import { CompensationsListDoc, ShortfallPeriodsDoc } from './compensationDocuments';
import { COMPENSATION_STATUS, COMPENSATION_STATUS_COLOR, COMPENSATION_STATUSES } from './compensationLabels';
import { valueEnum, when } from './labels';

type Row = CompensationsPageListQuery['compensations']['items'][number];
type Period = CompensationsPageShortfallsQuery['shortfallPeriods']['items'][number];

/** How the money went: "抵扣账单 ¥12.00，下季抵扣 ¥3.00，退款 ¥0.00" (only the non-zero parts). */
export function settledText(row: Pick<Row, 'creditedFen' | 'carriedFen' | 'refundedFen'>, t: (zh: string, en: string) => string): string {
  const parts = [
    row.creditedFen ? t(`抵扣账单 ${formatFen(row.creditedFen)}`, `credited ${formatFen(row.creditedFen)}`) : '',
    row.carriedFen ? t(`下季抵扣 ${formatFen(row.carriedFen)}`, `next bill ${formatFen(row.carriedFen)}`) : '',
    row.refundedFen ? t(`退款 ${formatFen(row.refundedFen)}`, `refunded ${formatFen(row.refundedFen)}`) : '',
  ].filter(Boolean);
  return parts.length ? parts.join(t('，', ', ')) : '—';
}

function Review({ target, onClose, onDone }: { target: { row: Row; approve: boolean } | null; onClose: () => void; onDone: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ note?: string }>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    if (!target) return;
    const valid = await form.validateFields().catch(() => null); // errors shown on the fields
    if (!valid) return;
    const { note } = valid;
    setBusy(true);
    try {
      const res = target.approve
        ? (await request(ApproveCompensationDoc, { id: target.row.id, note: note ?? '' })).approveCompensation
        : (await request(RejectCompensationDoc, { id: target.row.id, note: note ?? '' })).rejectCompensation;
      if (res?.errors.length) message.error(res.errors.map((e) => e.message).join(' '));
      else {
        message.success(target.approve ? t('已批准', 'Approved') : t('已驳回', 'Rejected'));
        onDone();
      }
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open={target !== null}
      onCancel={onClose}
      onOk={submit}
      confirmLoading={busy}
      destroyOnHidden
      title={target?.approve ? t('批准补偿', 'Approve compensation') : t('驳回补偿', 'Reject compensation')}
      okButtonProps={{ danger: !target?.approve, 'data-testid': 'compensation-review-ok' }}
    >
      {target && (
        <Space direction="vertical" style={{ width: '100%' }}>
          <Typography.Text>
            {target.row.house.accountNo} {target.row.house.address} · {formatFen(target.row.amountFen)}
          </Typography.Text>
          <Typography.Text type="secondary">{target.row.explanation}</Typography.Text>
          <Form form={form} layout="vertical" preserve={false}>
            <Form.Item name="note" label={t('审批意见', 'Note')} rules={target.approve ? [] : [{ required: true, whitespace: true, message: t('驳回须说明原因', 'Say why') }]}>
              <Input.TextArea rows={2} maxLength={200} data-testid="compensation-review-note" />
            </Form.Item>
          </Form>
        </Space>
      )}
    </Modal>
  );
}

function CompensationsTable() {
  const t = useT();
  const can = useCan();
  const action = useRef<ActionType>(null);
  const [target, setTarget] = useState<{ row: Row; approve: boolean } | null>(null);
  const mayApprove = can('compensations.approve');
  const columns: ProColumns<Row>[] = [
    {
      title: t('状态', 'Status'),
      dataIndex: 'status',
      valueType: 'select',
      valueEnum: valueEnum(COMPENSATION_STATUSES, COMPENSATION_STATUS, t),
      render: (_, row) => (
        <Tag color={COMPENSATION_STATUS_COLOR[row.status]} data-testid={`compensation-status-${row.id}`} data-status={row.status}>
          {row.statusText || t(...COMPENSATION_STATUS[row.status])}
        </Tag>
      ),
    },
    {
      title: t('房屋', 'House'),
      dataIndex: 'house',
      search: false,
      render: (_, row) => (
        <Space direction="vertical" size={0}>
          <span>{row.house.accountNo}</span>
          <Typography.Text type="secondary">{row.house.address}</Typography.Text>
        </Space>
      ),
    },
    { title: t('采暖季', 'Season'), dataIndex: 'season', search: false, render: (_, row) => row.season.name },
    { title: t('天数', 'Days'), dataIndex: 'days', search: false, align: 'right' },
    {
      title: t('补偿金额', 'Amount'),
      dataIndex: 'amountFen',
      search: false,
      align: 'right',
      render: (_, row) => <Typography.Text strong data-testid={`compensation-amount-${row.id}`}>{formatFen(row.amountFen)}</Typography.Text>,
    },
    { title: t('结算', 'Settled'), search: false, render: (_, row) => settledText(row, t) },
    {
      title: t('审批', 'Review'),
      search: false,
      render: (_, row) =>
        row.approvedAt ? (
          <Space direction="vertical" size={0}>
            <span>
              {row.approvedBy?.name ?? '—'} {when(row.approvedAt)}
            </span>
            {row.reviewNote && <Typography.Text type="secondary">{row.reviewNote}</Typography.Text>}
          </Space>
        ) : (
          row.reviewNote || '—'
        ),
    },
    { title: t('生成时间', 'Created'), dataIndex: 'createdAt', search: false, render: (_, row) => when(row.createdAt) },
    {
      title: t('操作', 'Actions'),
      valueType: 'option',
      hideInTable: !mayApprove,
      render: (_, row) =>
        row.status === 'PENDING_APPROVAL' && mayApprove
          ? [
              <Button key="ok" size="small" type="primary" onClick={() => setTarget({ row, approve: true })} data-testid={`compensation-approve-${row.id}`}>
                {t('批准', 'Approve')}
              </Button>,
              <Button key="no" size="small" danger onClick={() => setTarget({ row, approve: false })} data-testid={`compensation-reject-${row.id}`}>
                {t('驳回', 'Reject')}
              </Button>,
            ]
          : [],
    },
  ];
  return (
    <>
      <DataTable<Row, ProTableParams>
        rowKey="id"
        actionRef={action}
        columns={columns}
        data-testid="compensations-table"
        headerTitle={t('室温补偿', 'Compensation')}
        pagination={{ defaultPageSize: 20 }}
        search={{ labelWidth: 'auto' }}
        expandable={{
          rowExpandable: (row) => row.lines.length > 0,
          expandedRowRender: (row) => (
            <Table
              size="small"
              rowKey={(_, i) => String(i)}
              pagination={false}
              dataSource={row.lines}
              data-testid={`compensation-lines-${row.id}`}
              columns={[
                { title: t('室温', 'Temp.'), dataIndex: 'temp', render: (v: string) => `${v}℃` },
                { title: t('低于标准', 'Below'), dataIndex: 'below', render: (v: string) => `${v}℃` },
                { title: t('退费比例', 'Ratio'), dataIndex: 'pct', render: (v: string) => `${v}%` },
                { title: t('天数', 'Days'), dataIndex: 'days' },
                { title: t('金额', 'Amount'), dataIndex: 'amountFen', align: 'right', render: (v: number) => formatFen(v) },
                { title: t('说明（账单显示）', 'Explanation (on the bill)'), dataIndex: 'text' },
              ]}
            />
          ),
        }}
        request={async (params) => {
          const { first, offset } = pageArgs(params);
          const status = optional(params.status) as CompensationStatus | undefined;
          const { compensations } = await request(CompensationsListDoc, { offset, limit: first, filter: { status: status ?? null } });
          return tablePage(compensations);
        }}
      />
      {mayApprove && (
        <Review
          target={target}
          onClose={() => setTarget(null)}
          onDone={() => {
            setTarget(null);
            action.current?.reload();
          }}
        />
      )}
    </>
  );
}

function ShortfallsTable() {
  const t = useT();
  const columns: ProColumns<Period>[] = [
    {
      title: t('状态', 'Status'),
      dataIndex: 'status',
      valueType: 'select',
      valueEnum: { OPEN: { text: t('未整改', 'Open') }, CLOSED: { text: t('已整改', 'Closed') } },
      render: (_, row) => <Tag color={row.status === 'OPEN' ? 'red' : 'default'}>{row.status === 'OPEN' ? t('未整改', 'Open') : t('已整改', 'Closed')}</Tag>,
    },
    { title: t('房屋', 'House'), search: false, render: (_, row) => `${row.house.accountNo} ${row.house.address}` },
    { title: t('工单', 'Ticket'), dataIndex: 'ticketNo', search: false },
    { title: t('开始', 'From'), dataIndex: 'startedOn', search: false },
    { title: t('结束', 'To'), dataIndex: 'endedOn', search: false, render: (_, row) => row.endedOn ?? '—' },
    { title: t('天数', 'Days'), dataIndex: 'days', search: false, align: 'right' },
    {
      title: t('补偿', 'Compensation'),
      search: false,
      render: (_, row) => (row.compensation ? `${formatFen(row.compensation.amountFen)} · ${t(...COMPENSATION_STATUS[row.compensation.status])}` : '—'),
    },
  ];
  return (
    <DataTable<Period, ProTableParams>
      rowKey="id"
      columns={columns}
      data-testid="shortfalls-table"
      headerTitle={t('不达标期', 'Shortfall periods')}
      pagination={{ defaultPageSize: 20 }}
      search={{ labelWidth: 'auto' }}
      request={async (params) => {
        const { first, offset } = pageArgs(params);
        const status = optional(params.status) as ShortfallStatus | undefined;
        const { shortfallPeriods } = await request(ShortfallPeriodsDoc, { offset, limit: first, status: status ?? null });
        return tablePage(shortfallPeriods);
      }}
    />
  );
}

export default function CompensationsPage() {
  const t = useT();
  return (
    <Tabs
      destroyOnHidden
      items={[
        { key: 'compensations', label: <span data-testid="compensations-tab">{t('补偿', 'Compensation')}</span>, children: <CompensationsTable /> },
        { key: 'shortfalls', label: <span data-testid="shortfalls-tab">{t('不达标期', 'Shortfall periods')}</span>, children: <ShortfallsTable /> },
      ]}
    />
  );
}
