// @access outbox
// 消息记录 (admins, finance, collectors): every message the outbox holds, newest first, filtered by status,
// channel, kind and campaign (?campaign=<id> from a link). A row opens to its push attempts: channel, the masked
// target, template, the content as sent, result and the provider's error code. A failed message can be sent again.
import type { ActionType, ProColumns } from '@ant-design/pro-components';
import { App, Descriptions, Empty, Table, Tag, Tooltip, Typography } from 'antd';
import { useRef } from 'react';
import { useSearchParams } from 'react-router-dom';
import { ApiError, request } from '../../api/client';
import { useCan } from '../../auth/useCan';
import DataTable from '../../components/DataTable';
import { optional, pageArgs, tablePage, type ProTableParams } from '../../components/table';
import type { MessageChannel, MessageKind, MessageStatus, OutboxPageListQuery } from '../../gql/tenant/graphql';
import { must } from './payload';
import { useT } from '../../i18n';
import {
  CHANNEL,
  CHANNEL_COLOR,
  CHANNELS,
  DELIVERY_STATUS,
  KIND,
  KINDS,
  label,
  MESSAGE_STATUS,
  MESSAGE_STATUS_COLOR,
  MESSAGE_STATUSES,
  noteText,
  valueEnum,
  when,
} from './labels';
import { OutboxListDoc } from './outboxDocuments';
import { RetryMessageDoc } from './outboxRetry';

type Row = OutboxPageListQuery['outboxMessages']['items'][number];
type DeliveryRow = Row['deliveries'][number];

export function outboxFilter(params: ProTableParams) {
  return {
    status: (optional(params.status) as MessageStatus | undefined) ?? null,
    channel: (optional(params.channel) as MessageChannel | undefined) ?? null,
    kind: (optional(params.kind) as MessageKind | undefined) ?? null,
    campaignId: optional(params.campaignId) ?? null,
  };
}

/** The API pushes again a failed message, or one that went in-app only (never a pushed or uncertain one). */
export const retryable = (row: Pick<Row, 'status' | 'channel'>) => row.status === 'FAILED' || (row.status === 'SENT' && row.channel === 'IN_APP');

function Deliveries({ rows, waiting }: { rows: readonly DeliveryRow[]; waiting: boolean }) {
  const t = useT();
  if (!rows.length)
    return (
      <Empty
        image={Empty.PRESENTED_IMAGE_SIMPLE}
        description={waiting ? t('尚未推送', 'Not pushed yet') : t('没有推送记录（仅站内）', 'No push attempts (in-app only)')}
      />
    );
  return (
    <Table<DeliveryRow>
      size="small"
      rowKey="id"
      pagination={false}
      dataSource={[...rows]}
      columns={[
        { title: t('时间', 'Time'), render: (_, d) => when(d.createdAt), width: 140 },
        { title: t('渠道', 'Channel'), render: (_, d) => <Tag color={CHANNEL_COLOR[d.channel]}>{label(CHANNEL, d.channel, t)}</Tag>, width: 90 },
        { title: t('接收方', 'To'), dataIndex: 'target', width: 140 },
        { title: t('模板', 'Template'), dataIndex: 'template', ellipsis: true, width: 160 },
        { title: t('内容', 'Content'), dataIndex: 'content', ellipsis: { showTitle: true } },
        {
          title: t('结果', 'Result'),
          width: 150,
          render: (_, d) => (
            <span data-testid={`delivery-${d.id}`} data-status={d.status}>
              <Tag color={d.status === 'SENT' ? 'green' : d.status === 'FAILED' ? 'red' : 'orange'}>{label(DELIVERY_STATUS, d.status, t)}</Tag>
              {d.errorCode && <Typography.Text type="danger">{d.errorCode}</Typography.Text>}
            </span>
          ),
        },
      ]}
    />
  );
}

export default function OutboxPage() {
  const t = useT();
  const can = useCan();
  const { message } = App.useApp();
  const action = useRef<ActionType>(null);
  const [params] = useSearchParams();
  const mayRetry = can('outbox.retry');

  const retry = async (row: Row) => {
    try {
      const res = must((await request(RetryMessageDoc, { id: row.id })).retryMessage);
      if (res.errors.length) message.error(res.errors.map((e) => e.message).join(' '));
      else {
        message.success(t('已重新排队发送', 'Queued to send again'));
        action.current?.reload();
      }
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    }
  };

  const columns: ProColumns<Row>[] = [
    { title: t('时间', 'Time'), search: false, width: 140, render: (_, row) => when(row.createdAt) },
    { title: t('住户', 'Resident'), dataIndex: 'residentName', search: false, width: 110 },
    {
      title: t('类型', 'Kind'),
      dataIndex: 'kind',
      valueType: 'select',
      valueEnum: valueEnum(KINDS, KIND, t),
      render: (_, row) => label(KIND, row.kind, t),
    },
    {
      title: t('标题', 'Title'),
      dataIndex: 'title',
      search: false,
      ellipsis: true,
      render: (_, row) => (
        <Tooltip title={row.body}>
          <span>{row.title}</span>
        </Tooltip>
      ),
    },
    {
      title: t('状态', 'Status'),
      dataIndex: 'status',
      valueType: 'select',
      valueEnum: valueEnum(MESSAGE_STATUSES, MESSAGE_STATUS, t),
      render: (_, row) => (
        <Tag color={MESSAGE_STATUS_COLOR[row.status]} data-testid={`outbox-status-${row.id}`} data-status={row.status}>
          {label(MESSAGE_STATUS, row.status, t)}
        </Tag>
      ),
    },
    {
      title: t('渠道', 'Channel'),
      dataIndex: 'channel',
      valueType: 'select',
      valueEnum: valueEnum(CHANNELS, CHANNEL, t),
      render: (_, row) =>
        row.channel ? (
          <Tag color={CHANNEL_COLOR[row.channel]} data-testid={`outbox-channel-${row.id}`}>
            {label(CHANNEL, row.channel, t)}
          </Tag>
        ) : (
          '—'
        ),
    },
    {
      title: t('说明', 'Note'),
      search: false,
      render: (_, row) => (
        <>
          {row.note && <div data-testid={`outbox-note-${row.id}`}>{noteText(row.note, t)}</div>}
          {row.lastError && <Typography.Text type="danger">{row.lastError}</Typography.Text>}
          {row.status === 'PENDING' && <Typography.Text type="secondary">{t(`${when(row.notBefore)} 起发送`, `From ${when(row.notBefore)}`)}</Typography.Text>}
          {!row.note && !row.lastError && row.status !== 'PENDING' && '—'}
        </>
      ),
    },
    {
      title: t('通知活动', 'Campaign'),
      dataIndex: 'campaignId',
      initialValue: params.get('campaign') ?? undefined,
      fieldProps: { placeholder: t('活动编号', 'Campaign no.') },
      render: (_, row) => (row.campaignId ? `#${row.campaignId}` : '—'),
    },
    { title: t('已读', 'Read'), search: false, width: 80, render: (_, row) => (row.read ? t('已读', 'Read') : t('未读', 'Unread')) },
    {
      title: t('操作', 'Actions'),
      valueType: 'option',
      render: (_, row) =>
        mayRetry && retryable(row)
          ? [
              <Typography.Link key="retry" onClick={() => void retry(row)} data-testid={`outbox-retry-${row.id}`}>
                {row.status === 'FAILED' ? t('重试', 'Retry') : t('重新推送', 'Push again')}
              </Typography.Link>,
            ]
          : [],
    },
  ];

  return (
    <DataTable<Row, ProTableParams>
      rowKey="id"
      actionRef={action}
      columns={columns}
      headerTitle={t('消息记录', 'Message log')}
      data-testid="outbox-table"
      pagination={{ defaultPageSize: 20, showSizeChanger: true }}
      search={{ labelWidth: 'auto' }}
      expandable={{
        expandedRowRender: (row) => (
          <div data-testid={`outbox-deliveries-${row.id}`}>
            <Descriptions size="small" column={3} style={{ marginBottom: 8 }}>
              <Descriptions.Item label={t('正文', 'Text')} span={3}>
                {row.body}
              </Descriptions.Item>
              <Descriptions.Item label={t('尝试次数', 'Attempts')}>{row.attempts}</Descriptions.Item>
              <Descriptions.Item label={t('发送时间', 'Sent')}>{when(row.sentAt)}</Descriptions.Item>
            </Descriptions>
            <Deliveries rows={row.deliveries} waiting={row.status === 'PENDING' || row.status === 'SENDING'} />
          </div>
        ),
      }}
      request={async (p) => {
        const { outboxMessages } = await request(OutboxListDoc, { ...pageArgs(p), ...outboxFilter(p) });
        return tablePage({ totalCount: outboxMessages.total, items: outboxMessages.items });
      }}
    />
  );
}
