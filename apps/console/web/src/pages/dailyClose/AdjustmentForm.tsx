// @access dailyClose
// Correct a closed day: a signed amount (yuan, not 0) on a channel with a reason; the API books it on the first
// open day (the closed day itself never changes). The API's refusals land on the same fields.
import { Alert, Button, Form, Input, Modal, Select, type ButtonProps } from 'antd';
import { useState } from 'react';
import { ApiError, fieldErrors, request } from '../../api/client';
import type { CollectionChannel } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen, parseYuanToFen } from '../../lib/money';
import { CHANNEL_LABELS } from '../dashboard/labels';
import { COLLECTION_CHANNELS } from '../reports/figures';
import { DailyCloseAdjustDoc } from './documents';

interface Values {
  channel: CollectionChannel | undefined;
  amount: string;
  reason: string;
}

export function AdjustmentButton({ correctsDay, onDone }: { correctsDay: string; onDone: (bookedOn: string) => void }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [general, setGeneral] = useState<string[]>([]);
  const [form] = Form.useForm<Values>();
  const typedFen = parseYuanToFen(Form.useWatch('amount', form) ?? '');

  const submit = async () => {
    const values = await form.validateFields().catch(() => null);
    if (!values?.channel) return;
    setBusy(true);
    setGeneral([]);
    try {
      const res = (
        await request(DailyCloseAdjustDoc, { correctsDay, channel: values.channel, amountFen: parseYuanToFen(values.amount) as number, reason: values.reason.trim() })
      ).createDayAdjustment;
      if (res?.adjustment && !res.errors.length) {
        setOpen(false);
        onDone(res.adjustment.day);
        return;
      }
      const errors = (res?.errors ?? []).map((e) => (e.field === 'amountFen' ? { ...e, field: 'amount' } : e));
      const { fields, general: rest } = fieldErrors(errors, ['channel', 'amount', 'reason'] as const);
      form.setFields(fields);
      setGeneral(rest);
    } catch (err) {
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button
        onClick={() => {
          form.resetFields();
          setGeneral([]);
          setOpen(true);
        }}
        data-testid="day-adjust"
      >
        {t('日结调整', 'Correct this day')}
      </Button>
      <Modal
        open={open}
        title={t(`调整 ${correctsDay}`, `Correct ${correctsDay}`)}
        okText={t('确认调整', 'Book it')}
        okButtonProps={{ loading: busy, 'data-testid': 'day-adjust-submit' } as ButtonProps}
        onOk={submit}
        onCancel={() => setOpen(false)}
        destroyOnHidden
      >
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 16 }}
          message={t('已日结的日期不会修改：调整记入第一个未日结的日期。', 'A closed day never changes: the correction is booked on the first open day.')}
        />
        {general.length > 0 && <Alert type="error" showIcon message={general.join(' ')} style={{ marginBottom: 16 }} data-testid="day-adjust-error" />}
        <Form<Values> form={form} layout="vertical" initialValues={{ amount: '', reason: '' }}>
          <Form.Item name="channel" label={t('渠道', 'Channel')} rules={[{ required: true, message: t('请选择渠道', 'Choose the channel') }]}>
            <Select options={COLLECTION_CHANNELS.map((c) => ({ value: c, label: t(...CHANNEL_LABELS[c]) }))} data-testid="day-adjust-channel" />
          </Form.Item>
          <Form.Item
            name="amount"
            label={t('调整金额（元，负数为减少）', 'Amount (yuan; negative to take off)')}
            validateFirst
            rules={[
              { required: true, message: t('请输入金额', 'Enter the amount') },
              {
                validator: (_, v: string) => {
                  const fen = parseYuanToFen(v ?? '');
                  if (fen === null) return Promise.reject(new Error(t('请输入金额，最多两位小数', 'A yuan amount with at most 2 decimals')));
                  if (fen === 0) return Promise.reject(new Error(t('调整金额不能为 0', 'The amount cannot be 0')));
                  return Promise.resolve();
                },
              },
            ]}
            extra={typedFen ? formatFen(typedFen) : null}
          >
            <Input prefix="¥" inputMode="decimal" autoComplete="off" data-testid="day-adjust-amount" />
          </Form.Item>
          <Form.Item
            name="reason"
            label={t('原因', 'Reason')}
            rules={[
              { required: true, whitespace: true, message: t('请填写原因', 'Give a reason') },
              { min: 2, transform: (v: string) => v?.trim(), message: t('至少 2 个字', 'At least 2 characters') },
              { max: 255, message: t('最多 255 个字', 'At most 255 characters') },
            ]}
          >
            <Input.TextArea rows={2} showCount maxLength={255} data-testid="day-adjust-reason" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
