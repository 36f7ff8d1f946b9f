// @access messagingSettings
// Sending rules: quiet hours (local time; a window past midnight, like the default 21:00–08:00, is fine), the
// daily caps per resident (WeChat + SMS pushes) and per phone (SMS), SMS on or off and its signature, and which
// mini-program version a WeChat message opens.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Form, Input, InputNumber, Select, Space, Spin, Switch, TimePicker } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { ApiError, fieldErrors, request } from '../../api/client';
import type { MiniProgramState } from '../../gql/tenant/graphql';
import { must } from './payload';
import { useT } from '../../i18n';
import { label, MINIPROGRAM_STATE } from './labels';
import { MessagingSettingsDoc, UpdateMessagingSettingsDoc } from './settingsDocuments';

interface Values {
  quiet: [Dayjs, Dayjs];
  smsEnabled: boolean;
  smsSignName?: string;
  residentDailyCap: number;
  phoneDailyCap: number;
  miniprogramState: MiniProgramState;
}

/** "21:00:00" or "21:00" → a dayjs of today at that time. */
export const timeOf = (text: string) => dayjs(`2000-01-01T${text.length === 5 ? `${text}:00` : text}`);

const FIELDS = ['quietStart', 'quietEnd', 'smsEnabled', 'smsSignName', 'residentDailyCap', 'phoneDailyCap', 'miniprogramState'] as const;

export default function SendingTab() {
  const t = useT();
  const { message } = App.useApp();
  const client = useQueryClient();
  const [form] = Form.useForm<Values>();
  const [general, setGeneral] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const settings = useQuery({ queryKey: ['MessagingSettingsGeneral'], queryFn: async () => (await request(MessagingSettingsDoc)).messagingSettings });

  const save = async () => {
    setGeneral([]);
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    setBusy(true);
    try {
      const input = {
        quietStart: v.quiet[0].format('HH:mm'),
        quietEnd: v.quiet[1].format('HH:mm'),
        smsEnabled: v.smsEnabled,
        smsSignName: (v.smsSignName ?? '').trim(),
        residentDailyCap: v.residentDailyCap,
        phoneDailyCap: v.phoneDailyCap,
        miniprogramState: v.miniprogramState,
      };
      const res = must((await request(UpdateMessagingSettingsDoc, { input })).updateMessagingSettings);
      if (res.errors.length) {
        const { fields, general: rest } = fieldErrors(res.errors, FIELDS);
        form.setFields(fields.map((f) => (f.name === 'quietStart' || f.name === 'quietEnd' ? { ...f, name: 'quiet' as const } : f)) as never);
        setGeneral(rest);
        return;
      }
      message.success(t('设置已保存', 'Settings saved'));
      await client.invalidateQueries({ queryKey: ['MessagingSettingsGeneral'] });
    } catch (err) {
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    } finally {
      setBusy(false);
    }
  };

  if (settings.isLoading) return <Spin />;
  if (settings.error || !settings.data) return <Alert type="error" showIcon message={settings.error?.message ?? ''} />;
  const s = settings.data;
  return (
    <div style={{ maxWidth: 560 }}>
      {general.length > 0 && <Alert type="error" showIcon style={{ marginBottom: 12 }} message={general.join(' ')} data-testid="messaging-settings-error" />}
      <Form
        form={form}
        layout="vertical"
        initialValues={{
          quiet: [timeOf(s.quietStart), timeOf(s.quietEnd)],
          smsEnabled: s.smsEnabled,
          smsSignName: s.smsSignName ?? '',
          residentDailyCap: s.residentDailyCap,
          phoneDailyCap: s.phoneDailyCap,
          miniprogramState: s.miniprogramState,
        }}
      >
        <Form.Item
          name="quiet"
          label={t('免打扰时段（北京时间）', 'Quiet hours (Beijing time)')}
          extra={t('时段内的推送顺延到时段结束后发送；缴费成功通知除外。', 'Pushes inside it wait until it ends; payment receipts go at once.')}
          rules={[{ required: true, message: t('请选择时段', 'Pick the hours') }]}
        >
          <TimePicker.RangePicker format="HH:mm" order={false} data-testid="messaging-quiet" />
        </Form.Item>
        <Space size="large" wrap>
          <Form.Item name="residentDailyCap" label={t('每位住户每日推送上限', 'Pushes per resident per day')} rules={[{ required: true, message: t('请填写', 'Required') }]}>
            <InputNumber min={1} max={20} precision={0} data-testid="messaging-resident-cap" />
          </Form.Item>
          <Form.Item name="phoneDailyCap" label={t('每个手机号每日短信上限', 'SMS per phone per day')} rules={[{ required: true, message: t('请填写', 'Required') }]}>
            <InputNumber min={1} max={40} precision={0} data-testid="messaging-phone-cap" />
          </Form.Item>
        </Space>
        <Form.Item name="smsEnabled" label={t('启用短信', 'SMS on')} valuePropName="checked">
          <Switch data-testid="messaging-sms-enabled" />
        </Form.Item>
        <Form.Item
          name="smsSignName"
          label={t('短信签名', 'SMS signature')}
          extra={t(`须与服务商审核通过的签名一致，留空使用公司名称（当前：【${s.effectiveSignName}】）。`, `As the vendor approved it; blank: the company name (now 【${s.effectiveSignName}】).`)}
          rules={[{ min: 2, max: 12, message: t('签名为 2–12 个字', '2–12 characters') }]}
        >
          <Input maxLength={12} prefix="【" suffix="】" data-testid="messaging-sms-sign" />
        </Form.Item>
        <Form.Item name="miniprogramState" label={t('订阅消息打开的小程序版本', 'Mini-program version messages open')}>
          <Select data-testid="messaging-miniprogram-state" options={Object.keys(MINIPROGRAM_STATE).map((k) => ({ value: k, label: label(MINIPROGRAM_STATE, k, t) }))} />
        </Form.Item>
        <Button type="primary" loading={busy} onClick={save} data-testid="messaging-settings-save">
          {t('保存', 'Save')}
        </Button>
      </Form>
    </div>
  );
}
