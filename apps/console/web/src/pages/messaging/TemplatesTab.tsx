// @access messagingSettings
// Message templates, one per kind: the in-app title and text ({house} … placeholders), the WeChat subscription
// template (its id in this mini-program, which of our variables fills each keyword, e.g. thing1 → 房屋), and the
// SMS template (vendor code, the approved text with ${param} placeholders, parameter mapping, approval state).
// 同步微信模板 links template ids by title from the mini-program's own list. The API refuses dunning wording.
import { DeleteOutlined, PlusOutlined, SyncOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Divider, Drawer, Form, Input, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { ApiError, fieldErrors, request } from '../../api/client';
import type { MessageKind, MessagingSettingsSyncWechatMutation, MessagingSettingsTemplatesQuery, SmsApproval } from '../../gql/tenant/graphql';
import { must } from './payload';
import { useT } from '../../i18n';
import { FIXED_VARIABLES, KIND, KIND_VARIABLES, label, SMS_APPROVAL, VARIABLE, type Kind } from './labels';
import { MessageTemplatesDoc, SyncWechatTemplatesDoc, UpdateMessageTemplateDoc } from './settingsDocuments';

type Template = MessagingSettingsTemplatesQuery['messageTemplates'][number];
type SyncResult = NonNullable<NonNullable<MessagingSettingsSyncWechatMutation['syncWechatTemplates']>['results']>[number];

const SYNC_STATUS: Record<string, readonly [string, string]> = {
  linked: ['已关联', 'Linked'],
  not_found: ['小程序中没有同名模板', 'No template of this title'],
  mismatch: ['模板缺少关键词', 'Keywords missing'],
};
interface Pairs {
  key: string;
  variable: string;
}

/** The mapping rows as the form holds them → what the API takes (blank rows dropped, keys trimmed). */
export function mappingInput(rows: readonly (Partial<Pairs> | undefined)[] | undefined): Pairs[] {
  return (rows ?? []).filter((r): r is Pairs => !!r?.key?.trim() && !!r.variable).map((r) => ({ key: r.key.trim(), variable: r.variable }));
}

interface Values {
  isActive: boolean;
  inAppTitle: string;
  inAppBody: string;
  wechatTemplateId?: string;
  wechatFields?: Pairs[];
  smsTemplateCode?: string;
  smsText?: string;
  smsParams?: Pairs[];
  smsApproval: SmsApproval;
}

const FIELDS = ['isActive', 'inAppTitle', 'inAppBody', 'wechatTemplateId', 'wechatFields', 'smsTemplateCode', 'smsText', 'smsParams', 'smsApproval'] as const;

function MappingList({ name, variables, keyLabel, testId }: { name: 'wechatFields' | 'smsParams'; variables: readonly string[]; keyLabel: string; testId: string }) {
  const t = useT();
  return (
    <Form.List name={name}>
      {(fields, { add, remove }) => (
        <div data-testid={testId}>
          {fields.map((field) => (
            <Space key={field.key} align="baseline" style={{ display: 'flex' }}>
              <Form.Item name={[field.name, 'key']} rules={[{ required: true, whitespace: true, message: t('请填写', 'Required') }]}>
                <Input placeholder={keyLabel} style={{ width: 180 }} />
              </Form.Item>
              <span>→</span>
              <Form.Item name={[field.name, 'variable']} rules={[{ required: true, message: t('请选择变量', 'Pick a variable') }]}>
                <Select style={{ width: 220 }} options={variables.map((v) => ({ value: v, label: `${v} · ${VARIABLE[v] ? t(...VARIABLE[v]) : v}` }))} />
              </Form.Item>
              <Button type="text" icon={<DeleteOutlined />} onClick={() => remove(field.name)} aria-label={t('删除', 'Remove')} />
            </Space>
          ))}
          <Button size="small" icon={<PlusOutlined />} onClick={() => add({ key: '', variable: undefined })}>
            {t('添加字段', 'Add a field')}
          </Button>
        </div>
      )}
    </Form.List>
  );
}

function TemplateDrawer({ template, onClose, onDone }: { template: Template; onClose: () => void; onDone: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [general, setGeneral] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const kind = template.kind as Kind;
  const variables = template.variables.length ? template.variables : [...(KIND_VARIABLES[kind] ?? []), ...FIXED_VARIABLES];

  const save = async () => {
    setGeneral([]);
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    setBusy(true);
    try {
      const input = {
        isActive: v.isActive,
        inAppTitle: v.inAppTitle.trim(),
        inAppBody: v.inAppBody.trim(),
        wechatTemplateId: (v.wechatTemplateId ?? '').trim(),
        wechatFields: mappingInput(v.wechatFields),
        smsTemplateCode: (v.smsTemplateCode ?? '').trim(),
        smsText: (v.smsText ?? '').trim(),
        smsParams: mappingInput(v.smsParams),
        smsApproval: v.smsApproval,
      };
      const res = must((await request(UpdateMessageTemplateDoc, { kind: template.kind as MessageKind, input })).updateMessageTemplate);
      if (res.errors.length) {
        const { fields, general: rest } = fieldErrors(res.errors, FIELDS);
        form.setFields(fields);
        setGeneral(rest);
        return;
      }
      message.success(t('模板已保存', 'Template saved'));
      onDone();
    } catch (err) {
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Drawer
      open
      width={720}
      onClose={onClose}
      destroyOnHidden
      title={label(KIND, template.kind, t)}
      extra={
        <Space>
          <Button onClick={onClose}>{t('取消', 'Cancel')}</Button>
          <Button type="primary" loading={busy} onClick={save} data-testid="template-save">
            {t('保存', 'Save')}
          </Button>
        </Space>
      }
    >
      {general.length > 0 && <Alert type="error" showIcon style={{ marginBottom: 12 }} message={general.join(' ')} data-testid="template-error" />}
      <Typography.Paragraph type="secondary">
        {t('可用变量：', 'Variables: ')}
        {variables.map((v) => (
          <Tag key={v}>{`{${v}}`}</Tag>
        ))}
      </Typography.Paragraph>
      <Form
        form={form}
        layout="vertical"
        initialValues={{
          isActive: template.isActive,
          inAppTitle: template.inAppTitle,
          inAppBody: template.inAppBody,
          wechatTemplateId: template.wechatTemplateId ?? '',
          wechatFields: template.wechatFields.map((f) => ({ key: f.key, variable: f.variable })),
          smsTemplateCode: template.smsTemplateCode ?? '',
          smsText: template.smsText,
          smsParams: template.smsParams.map((f) => ({ key: f.key, variable: f.variable })),
          smsApproval: template.smsApproval,
        }}
      >
        <Form.Item name="isActive" label={t('启用', 'Active')} valuePropName="checked">
          <Switch />
        </Form.Item>
        <Divider orientation="left">{t('站内消息', 'In-app')}</Divider>
        <Form.Item name="inAppTitle" label={t('标题', 'Title')} rules={[{ required: true, whitespace: true, message: t('请填写标题', 'Enter a title') }, { max: 60 }]}>
          <Input maxLength={60} data-testid="template-inapp-title" />
        </Form.Item>
        <Form.Item name="inAppBody" label={t('正文', 'Text')} rules={[{ required: true, whitespace: true, message: t('请填写正文', 'Enter the text') }, { max: 500 }]}>
          <Input.TextArea rows={3} maxLength={500} data-testid="template-inapp-body" />
        </Form.Item>
        <Divider orientation="left">{t('微信订阅消息', 'WeChat subscription message')}</Divider>
        <Typography.Paragraph>
          {t('模板标题：', 'Template title: ')}
          <Typography.Text strong>{template.wechatTitle || '—'}</Typography.Text>
          {template.wechatPage && <Typography.Text type="secondary">{` · ${t('跳转', 'opens')} ${template.wechatPage}`}</Typography.Text>}
        </Typography.Paragraph>
        <Form.Item name="wechatTemplateId" label={t('模板 ID（留空则不发微信）', 'Template id (blank: no WeChat)')}>
          <Input data-testid="template-wechat-id" />
        </Form.Item>
        <Form.Item label={t('关键词映射', 'Keywords')}>
          <MappingList name="wechatFields" variables={variables} keyLabel="thing1" testId="template-wechat-fields" />
        </Form.Item>
        <Divider orientation="left">{t('短信', 'SMS')}</Divider>
        <Form.Item name="smsTemplateCode" label={t('模板编号', 'Template code')}>
          <Input placeholder="SMS_123456789" data-testid="template-sms-code" />
        </Form.Item>
        <Form.Item name="smsText" label={t('模板内容（与服务商审核通过的一致）', 'Text (as the vendor approved it)')} extra={t('使用中性的账单、缴费通知用语；不得含“催缴”“催款”等字样。', 'Neutral billing wording only; no 催缴 / 催款.')}>
          <Input.TextArea rows={2} maxLength={300} data-testid="template-sms-text" />
        </Form.Item>
        <Form.Item label={t('参数映射', 'Parameters')}>
          <MappingList name="smsParams" variables={variables} keyLabel="house" testId="template-sms-params" />
        </Form.Item>
        <Form.Item name="smsApproval" label={t('审核状态', 'Approval')}>
          <Select data-testid="template-sms-approval" options={Object.keys(SMS_APPROVAL).map((k) => ({ value: k, label: label(SMS_APPROVAL, k, t) }))} />
        </Form.Item>
      </Form>
    </Drawer>
  );
}

export default function TemplatesTab() {
  const t = useT();
  const { message } = App.useApp();
  const client = useQueryClient();
  const templates = useQuery({ queryKey: ['MessagingSettingsTemplates'], queryFn: async () => (await request(MessageTemplatesDoc)).messageTemplates });
  const [editing, setEditing] = useState<Template | null>(null);
  const [syncing, setSyncing] = useState(false);
  const [results, setResults] = useState<SyncResult[] | null>(null);
  const refresh = () => client.invalidateQueries({ queryKey: ['MessagingSettingsTemplates'] });

  const sync = async () => {
    setSyncing(true);
    try {
      const res = must((await request(SyncWechatTemplatesDoc)).syncWechatTemplates);
      if (res.errors.length) message.error(res.errors.map((e) => e.message).join(' '));
      else setResults(res.results ?? []);
      await refresh();
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    } finally {
      setSyncing(false);
    }
  };

  return (
    <>
      {results && (
        <Alert
          closable
          onClose={() => setResults(null)}
          style={{ marginBottom: 12 }}
          type={results.every((r) => r.status === 'linked') ? 'success' : 'warning'}
          data-testid="templates-sync-result"
          message={t('同步结果', 'Sync result')}
          description={
            <ul style={{ margin: 0, paddingLeft: 20 }}>
              {results.map((r) => (
                <li key={r.kind} data-testid={`templates-sync-${r.kind}`} data-status={r.status}>
                  {label(KIND, r.kind, t)} · {r.title}：{SYNC_STATUS[r.status] ? t(...SYNC_STATUS[r.status]) : r.status}
                  {r.missing.length > 0 && ` (${r.missing.join(', ')})`}
                </li>
              ))}
            </ul>
          }
        />
      )}
      {templates.error && <Alert type="error" showIcon message={templates.error.message} style={{ marginBottom: 12 }} />}
      <Table<Template>
        rowKey="kind"
        loading={templates.isLoading}
        dataSource={templates.data ? [...templates.data] : []}
        pagination={false}
        title={() => (
          <Space>
            <Button icon={<SyncOutlined />} loading={syncing} onClick={sync} data-testid="templates-sync-wechat">
              {t('同步微信模板', 'Sync WeChat templates')}
            </Button>
            <Typography.Text type="secondary">{t('按模板标题从小程序的“我的模板”关联模板 ID', 'Links template ids by title from the mini-program’s template list')}</Typography.Text>
          </Space>
        )}
        columns={[
          { title: t('消息类型', 'Kind'), render: (_, x) => label(KIND, x.kind, t) },
          { title: t('启用', 'Active'), render: (_, x) => (x.isActive ? <Tag color="green">{t('启用', 'On')}</Tag> : <Tag>{t('停用', 'Off')}</Tag>) },
          { title: t('站内标题', 'In-app title'), dataIndex: 'inAppTitle' },
          {
            title: t('微信模板', 'WeChat template'),
            render: (_, x) => (
              <span data-testid={`template-wechat-${x.kind}`}>
                {x.wechatTitle || '—'}{' '}
                {x.wechatTemplateId ? <Tag color="green">{t('已关联', 'Linked')}</Tag> : <Tag color="orange">{t('未关联', 'Not linked')}</Tag>}
              </span>
            ),
          },
          {
            title: t('短信模板', 'SMS template'),
            render: (_, x) => (
              <span>
                {x.smsTemplateCode || '—'} <Tag color={x.smsApproval === 'APPROVED' ? 'green' : x.smsApproval === 'REJECTED' ? 'red' : 'gold'}>{label(SMS_APPROVAL, x.smsApproval, t)}</Tag>
              </span>
            ),
          },
          {
            title: t('操作', 'Actions'),
            render: (_, x) => (
              <Typography.Link onClick={() => setEditing(x)} data-testid={`template-edit-${x.kind}`}>
                {t('编辑', 'Edit')}
              </Typography.Link>
            ),
          },
        ]}
      />
      {editing && (
        <TemplateDrawer
          template={editing}
          onClose={() => setEditing(null)}
          onDone={() => {
            setEditing(null);
            void refresh();
          }}
        />
      )}
    </>
  );
}
