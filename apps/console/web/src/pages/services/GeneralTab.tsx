// @access serviceSettings
// The company's service settings: when a resolved ticket closes itself and how long it may be reopened, the
// compensation amount (yuan) from which finance must approve, how a paid season's compensation is paid, the
// 报停 deadline (days before the season starts) and whether arrears block 报停.
import { useQuery } from '@tanstack/react-query';
import { Alert, App, Button, Form, Input, InputNumber, Radio, Skeleton, Switch } from 'antd';
import { useEffect, useState } from 'react';
import { ApiError, fieldErrors, request } from '../../api/client';
import type { PaidCompensation } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { parseYuanToFen } from '../../lib/money';
import { SaveServiceSettingsDoc, ServiceSettingsDoc } from './settingsDocuments';

interface Values {
  autoCloseDays: number;
  reopenDays: number;
  approvalThresholdYuan: string;
  paidCompensation: PaidCompensation;
  optOutDeadlineDays: number;
  optOutRequiresNoArrears: boolean;
}

/** 10000 fen → "100.00" for the yuan field. */
export function fenToYuanText(fen: number): string {
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

export default function GeneralTab() {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [general, setGeneral] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  const query = useQuery({ queryKey: ['ServiceSettingsGeneral'], queryFn: async () => (await request(ServiceSettingsDoc)).serviceSettings });
  useEffect(() => {
    if (query.data) form.setFieldsValue({ ...query.data, approvalThresholdYuan: fenToYuanText(query.data.approvalThresholdFen) });
  }, [query.data, form]);

  const save = async (v: Values) => {
    const fen = parseYuanToFen(v.approvalThresholdYuan);
    if (fen === null || fen < 0) {
      form.setFields([{ name: 'approvalThresholdYuan', errors: [t('请输入金额，如 100.00', 'Enter an amount, e.g. 100.00')] }]);
      return;
    }
    setSaving(true);
    setGeneral([]);
    try {
      const { approvalThresholdYuan: _yuan, ...rest } = v;
      const res = (await request(SaveServiceSettingsDoc, { input: { ...rest, approvalThresholdFen: fen } })).saveServiceSettings;
      if (res?.errors.length) {
        const mapped = res.errors.map((e) => (e.field === 'approvalThresholdFen' ? { ...e, field: 'approvalThresholdYuan' } : e));
        const { fields, general: other } = fieldErrors(mapped, ['autoCloseDays', 'reopenDays', 'approvalThresholdYuan', 'paidCompensation', 'optOutDeadlineDays', 'optOutRequiresNoArrears'] as const);
        form.setFields(fields);
        setGeneral(other);
        return;
      }
      message.success(t('已保存', 'Saved'));
      void query.refetch();
    } catch (err) {
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    } finally {
      setSaving(false);
    }
  };

  if (query.isLoading) return <Skeleton active />;
  return (
    <Form<Values> form={form} layout="vertical" onFinish={save} style={{ maxWidth: 560 }} data-testid="service-settings-form">
      {query.error && <Alert type="error" showIcon message={query.error instanceof ApiError ? query.error.message : String(query.error)} />}
      {general.length > 0 && <Alert type="error" showIcon style={{ marginBottom: 12 }} message={general.join(' ')} />}
      <Form.Item name="autoCloseDays" label={t('工单办结后自动关闭（天）', 'Close resolved tickets after (days)')} rules={[{ required: true }]}>
        <InputNumber min={1} max={90} style={{ width: '100%' }} data-testid="settings-auto-close" />
      </Form.Item>
      <Form.Item name="reopenDays" label={t('关闭后可重新打开（天）', 'Reopen allowed within (days)')} rules={[{ required: true }]}>
        <InputNumber min={0} max={365} style={{ width: '100%' }} />
      </Form.Item>
      <Form.Item
        name="approvalThresholdYuan"
        label={t('补偿审批阈值（元；达到此金额须财务审批，0 表示全部审批）', 'Approval threshold (yuan; at or above needs finance, 0: every one)')}
        rules={[{ required: true }]}
      >
        <Input prefix="¥" inputMode="decimal" data-testid="settings-threshold" />
      </Form.Item>
      <Form.Item name="paidCompensation" label={t('已缴清采暖季的补偿方式', 'Compensation for a paid season')}>
        <Radio.Group
          options={[
            { value: 'NEXT_BILL', label: t('抵扣下季热费', 'Credit on the next bill') },
            { value: 'REFUND', label: t('原路退款', 'Refund to the original channel') },
          ]}
        />
      </Form.Item>
      <Form.Item name="optOutDeadlineDays" label={t('报停申请截止（供暖开始前天数）', 'Opt-out deadline (days before the season)')} rules={[{ required: true }]}>
        <InputNumber min={0} max={180} style={{ width: '100%' }} />
      </Form.Item>
      <Form.Item name="optOutRequiresNoArrears" label={t('报停须无欠费', 'Opting out requires no arrears')} valuePropName="checked">
        <Switch />
      </Form.Item>
      <Button type="primary" htmlType="submit" loading={saving} data-testid="settings-save">
        {t('保存', 'Save')}
      </Button>
    </Form>
  );
}
