// @access campaigns
// 通知活动 (admins, finance): a bill-published notice or a payment-due reminder for one season, to chosen
// communities (all when none), optionally only houses in arrears, in a 批次 (a second batch of the same season
// sends again; re-running one batch sends nothing twice). 预览 asks the API for the dry run — how many messages
// would go by WeChat, SMS or in-app only, and how many were already sent — and only that previewed choice can
// be started, after a confirmation. The campaigns below show their progress, polled while one is running.
import { SendOutlined } from '@ant-design/icons';
import type { ActionType, ProColumns } from '@ant-design/pro-components';
import { useQuery } from '@tanstack/react-query';
import { Alert, App, Button, Card, Col, Form, Input, Popconfirm, Progress, Radio, Row, Select, Space, Statistic, Switch, Tag, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { ApiError, fieldErrors, request } from '../../api/client';
import DataTable from '../../components/DataTable';
import { pageArgs, tablePage, type ProTableParams } from '../../components/table';
import type { CampaignInput, CampaignsPageListQuery, CampaignsPagePreviewQuery } from '../../gql/tenant/graphql';
import { must } from './payload';
import { useT } from '../../i18n';
import { CampaignPreviewDoc, CampaignSeasonsDoc, CampaignsListDoc, CancelCampaignDoc, StartCampaignDoc } from './campaignDocuments';
import { CAMPAIGN_KINDS, CAMPAIGN_STATUS, CAMPAIGN_STATUS_COLOR, KIND, label, when } from './labels';

type Row = CampaignsPageListQuery['campaigns']['items'][number];
type Preview = CampaignsPagePreviewQuery['campaignPreview'];

export const POLL_MS = 1500;

interface Values {
  kind: 'BILL_PUBLISHED' | 'PAYMENT_DUE';
  seasonId: string;
  communityIds?: string[];
  arrearsOnly?: boolean;
  stage?: string;
}

export function campaignInput(v: Values): CampaignInput {
  return { kind: v.kind, seasonId: v.seasonId, communityIds: v.communityIds ?? [], arrearsOnly: !!v.arrearsOnly, stage: (v.stage ?? '').trim() || '1' };
}

export const sameInput = (a: CampaignInput | null, b: CampaignInput | null) => !!a && !!b && JSON.stringify(a) === JSON.stringify(b);

export function percent(row: Pick<Row, 'total' | 'processed' | 'status'>): number {
  if (row.status === 'DONE') return 100;
  return row.total > 0 ? Math.min(100, Math.floor((row.processed / row.total) * 100)) : 0;
}

const isActive = (row: Pick<Row, 'status'>) => row.status === 'QUEUED' || row.status === 'RUNNING';

export default function CampaignsPage() {
  const t = useT();
  const { message, modal } = App.useApp();
  const [form] = Form.useForm<Values>();
  const action = useRef<ActionType>(null);
  const [preview, setPreview] = useState<{ input: CampaignInput; result: Preview } | null>(null);
  const [general, setGeneral] = useState<string[]>([]);
  const [busy, setBusy] = useState<'preview' | 'start' | null>(null);
  const [cancelling, setCancelling] = useState<string | null>(null);
  const [polling, setPolling] = useState(false);
  const values = Form.useWatch([], form);
  const lists = useQuery({ queryKey: ['CampaignsPageSeasons'], queryFn: () => request(CampaignSeasonsDoc) });
  const seasons = (lists.data?.seasons ?? []).filter((s) => s.published);
  const current = values?.seasonId && values.kind ? campaignInput(values) : null;
  const previewed = preview && sameInput(preview.input, current) ? preview.result : null;

  // The open season is the usual choice.
  useEffect(() => {
    const open = seasons.find((s) => s.status === 'OPEN') ?? seasons[0];
    if (open && !form.getFieldValue('seasonId')) form.setFieldsValue({ seasonId: open.id });
  }, [seasons, form]);

  // While a campaign runs, the list is read again every POLL_MS until none is queued or running.
  useEffect(() => {
    if (!polling) return;
    const timer = window.setInterval(() => action.current?.reload(), POLL_MS);
    return () => window.clearInterval(timer);
  }, [polling]);

  const showErrors = (errors: readonly { field: string | null; message: string; code: string }[]) => {
    const { fields, general: rest } = fieldErrors(errors, ['kind', 'seasonId', 'communityIds', 'arrearsOnly', 'stage'] as const);
    form.setFields(fields);
    setGeneral(rest);
  };

  const runPreview = async () => {
    setGeneral([]);
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    const input = campaignInput(v);
    setBusy('preview');
    try {
      const result = (await request(CampaignPreviewDoc, { input })).campaignPreview;
      setPreview({ input, result });
    } catch (err) {
      setPreview(null);
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    } finally {
      setBusy(null);
    }
  };

  const start = () => {
    if (!preview || !previewed) return;
    const input = preview.input;
    const season = seasons.find((s) => s.id === input.seasonId)?.name ?? '';
    modal.confirm({
      title: t('开始发送？', 'Start sending?'),
      content: t(
        `${season} ${label(KIND, input.kind, t)}（批次 ${input.stage}）：将发送 ${previewed.total - previewed.alreadySent} 条消息，发出后不能撤回。免打扰时段内的推送会顺延到时段结束。`,
        `${season} ${label(KIND, input.kind, t)} (batch ${input.stage}): ${previewed.total - previewed.alreadySent} messages will go out and cannot be recalled. Pushes inside quiet hours wait until they end.`,
      ),
      okText: t('开始发送', 'Start'),
      okButtonProps: { 'data-testid': 'campaign-start-confirm' } as never,
      onOk: async () => {
        setBusy('start');
        try {
          const res = must((await request(StartCampaignDoc, { input })).startCampaign);
          if (res.errors.length) {
            showErrors(res.errors);
            return;
          }
          message.success(t('已开始发送', 'Sending started'));
          setPreview(null);
          setPolling(true);
          action.current?.reload();
        } catch (err) {
          setGeneral([err instanceof ApiError ? err.message : String(err)]);
        } finally {
          setBusy(null);
        }
      },
    });
  };

  // Stops a queued or running campaign: the server cancels its still-pending messages; sent ones stay sent.
  const cancel = async (row: Row) => {
    setCancelling(row.id);
    try {
      const res = must((await request(CancelCampaignDoc, { id: row.id })).cancelCampaign);
      if (res.errors.length) message.error(res.errors.map((e) => e.message).join(' '));
      else message.success(t('已取消', 'Cancelled'));
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    } finally {
      setCancelling(null);
      // Read again either way: a refusal usually means the campaign finished meanwhile.
      action.current?.reload();
    }
  };

  const columns: ProColumns<Row>[] = [
    { title: t('类型', 'Kind'), width: 110, render: (_, row) => label(KIND, row.kind, t) },
    { title: t('采暖季', 'Season'), render: (_, row) => row.season.name },
    { title: t('批次', 'Batch'), dataIndex: 'stage', width: 90 },
    {
      title: t('范围', 'Scope'),
      render: (_, row) =>
        `${row.communityIds.length ? t(`${row.communityIds.length} 个小区`, `${row.communityIds.length} communities`) : t('全部小区', 'All communities')}${row.arrearsOnly ? t(' · 仅欠费', ' · arrears only') : ''}`,
    },
    {
      title: t('状态', 'Status'),
      render: (_, row) => (
        <Tag color={CAMPAIGN_STATUS_COLOR[row.status]} data-testid={`campaign-status-${row.id}`} data-status={row.status}>
          {row.statusText || label(CAMPAIGN_STATUS, row.status, t)}
        </Tag>
      ),
    },
    {
      title: t('进度', 'Progress'),
      width: 240,
      render: (_, row) => (
        <div data-testid={`campaign-progress-${row.id}`} data-percent={percent(row)}>
          <Progress percent={percent(row)} size="small" status={row.status === 'FAILED' ? 'exception' : isActive(row) ? 'active' : undefined} />
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t(`${row.processed} / ${row.total}，新消息 ${row.enqueued} 条`, `${row.processed} / ${row.total}, ${row.enqueued} new messages`)}
          </Typography.Text>
          <div style={{ fontSize: 12 }} data-testid={`campaign-channels-${row.id}`}>
            {t(
              `微信 ${row.byChannel.wechat} · 短信 ${row.byChannel.sms} · 仅站内 ${row.byChannel.inApp} · 待发 ${row.byChannel.pending} · 失败 ${row.byChannel.failed} · 已取消 ${row.byChannel.cancelled}`,
              `WeChat ${row.byChannel.wechat} · SMS ${row.byChannel.sms} · in-app ${row.byChannel.inApp} · pending ${row.byChannel.pending} · failed ${row.byChannel.failed} · cancelled ${row.byChannel.cancelled}`,
            )}
          </div>
          {row.error && <Typography.Text type="danger">{row.error}</Typography.Text>}
        </div>
      ),
    },
    { title: t('发起人', 'By'), render: (_, row) => row.createdBy || '—' },
    {
      title: t('消息', 'Messages'),
      render: (_, row) => (
        <Link to={`/outbox?campaign=${row.id}`} data-testid={`campaign-messages-${row.id}`} style={{ whiteSpace: 'nowrap' }}>
          {t('查看消息', 'View messages')}
        </Link>
      ),
    },
    { title: t('创建时间', 'Created'), render: (_, row) => when(row.createdAt) },
    { title: t('完成时间', 'Finished'), render: (_, row) => when(row.finishedAt) },
    {
      title: t('操作', 'Actions'),
      render: (_, row) =>
        isActive(row) ? (
          <Popconfirm
            title={t('取消这次通知？尚未发出的消息将不再发送，已发出的不受影响。', 'Cancel this campaign? Messages not yet sent will not go out; sent ones stay sent.')}
            okText={t('取消通知', 'Cancel campaign')}
            cancelText={t('不取消', 'Keep')}
            okButtonProps={{ danger: true, 'data-testid': `campaign-cancel-confirm-${row.id}` } as never}
            onConfirm={() => cancel(row)}
          >
            <Button size="small" danger loading={cancelling === row.id} data-testid={`campaign-cancel-${row.id}`}>
              {t('取消', 'Cancel')}
            </Button>
          </Popconfirm>
        ) : (
          '—'
        ),
    },
  ];

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Card title={t('发起通知', 'New campaign')} data-testid="campaign-form">
        {general.length > 0 && <Alert type="error" showIcon style={{ marginBottom: 12 }} message={general.join(' ')} data-testid="campaign-error" />}
        <Form form={form} layout="vertical" initialValues={{ kind: 'PAYMENT_DUE', arrearsOnly: true, stage: '1', communityIds: [] }}>
          <Row gutter={16}>
            <Col xs={24} md={12}>
              <Form.Item name="kind" label={t('通知类型', 'Kind')} rules={[{ required: true }]}>
                <Radio.Group
                  onChange={(e) => form.setFieldsValue({ arrearsOnly: e.target.value === 'PAYMENT_DUE' })}
                  options={CAMPAIGN_KINDS.map((k) => ({ value: k, label: <span data-testid={`campaign-kind-${k}`}>{label(KIND, k, t)}</span> }))}
                />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item name="seasonId" label={t('采暖季', 'Season')} rules={[{ required: true, message: t('请选择采暖季', 'Pick the season') }]}>
                <Select data-testid="campaign-season" loading={lists.isLoading} options={seasons.map((s) => ({ value: s.id, label: s.name }))} />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item name="communityIds" label={t('小区（不选为全部）', 'Communities (none: all)')}>
                <Select
                  mode="multiple"
                  allowClear
                  showSearch
                  optionFilterProp="label"
                  data-testid="campaign-communities"
                  options={(lists.data?.communities.items ?? []).map((c) => ({ value: c.id, label: c.name }))}
                />
              </Form.Item>
            </Col>
            <Col xs={12} md={6}>
              <Form.Item
                name="arrearsOnly"
                label={t('仅欠费', 'Arrears only')}
                valuePropName="checked"
                tooltip={t('缴费提醒只发给有待缴金额的房屋', 'Payment-due reminders go only to houses with something due')}
              >
                <Switch data-testid="campaign-arrears" disabled={values?.kind === 'PAYMENT_DUE'} />
              </Form.Item>
            </Col>
            <Col xs={12} md={6}>
              <Form.Item
                name="stage"
                label={t('批次', 'Batch')}
                tooltip={t('同一批次重复发起不会重复发送；第二轮提醒请换一个批次', 'Re-running a batch sends nothing twice; use a new batch for a second round')}
                rules={[{ required: true, whitespace: true, message: t('请填写批次', 'Enter the batch') }, { pattern: /^[\w.-]{1,32}$/, message: t('批次只能用字母、数字、-、_ 和 .，最多 32 位', 'Letters, digits, -, _ and ., at most 32') }]}
              >
                <Input data-testid="campaign-stage" />
              </Form.Item>
            </Col>
          </Row>
        </Form>
        <Space>
          <Button onClick={runPreview} loading={busy === 'preview'} data-testid="campaign-preview">
            {t('预览', 'Preview')}
          </Button>
          <Button type="primary" icon={<SendOutlined />} disabled={!previewed || previewed.total - previewed.alreadySent <= 0} loading={busy === 'start'} onClick={start} data-testid="campaign-start">
            {t('开始发送', 'Start sending')}
          </Button>
        </Space>
        {preview && !previewed && (
          <Alert style={{ marginTop: 12 }} type="warning" message={t('条件已修改，请重新预览', 'The choice changed: preview again')} data-testid="campaign-preview-stale" />
        )}
        {previewed && (
          <Row gutter={16} style={{ marginTop: 16 }} data-testid="campaign-preview-result">
            <Col span={4}>
              <Statistic title={t('对象', 'Recipients')} value={previewed.total} data-testid="campaign-preview-total" />
            </Col>
            <Col span={5}>
              <Statistic title={t('微信', 'WeChat')} value={previewed.byChannel.wechat} data-testid="campaign-preview-wechat" />
            </Col>
            <Col span={5}>
              <Statistic title={t('短信', 'SMS')} value={previewed.byChannel.sms} data-testid="campaign-preview-sms" />
            </Col>
            <Col span={5}>
              <Statistic title={t('仅站内', 'In-app only')} value={previewed.byChannel.inApp} data-testid="campaign-preview-inapp" />
            </Col>
            <Col span={5}>
              <Statistic title={t('已发送过', 'Already sent')} value={previewed.alreadySent} data-testid="campaign-preview-already" />
            </Col>
          </Row>
        )}
      </Card>
      <DataTable<Row, ProTableParams>
        rowKey="id"
        actionRef={action}
        columns={columns}
        search={false}
        headerTitle={t('通知记录', 'Campaigns')}
        data-testid="campaigns-table"
        pagination={{ defaultPageSize: 10 }}
        request={async (params) => {
          const { campaigns } = await request(CampaignsListDoc, pageArgs(params));
          setPolling(campaigns.items.some(isActive));
          return tablePage({ totalCount: campaigns.total, items: campaigns.items });
        }}
      />
    </Space>
  );
}
