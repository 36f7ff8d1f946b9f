// @access seasons
// New heating season: its dates, checked as they are typed with the API's rules (apps/tariffs/services.py:
// the end after the start, payment due by the end, late fees not before the due date), and the API's typed
// errors (a taken name, an overlap with another season) put on the same fields.
import { Alert, App, DatePicker, Form, Input, Modal } from 'antd';
import type { Dayjs } from 'dayjs';
import dayjs from 'dayjs';
import { useState } from 'react';
import { ApiError, fieldErrors, request } from '../../api/client';
import { useT } from '../../i18n';
import { CreateSeasonDoc } from './documents';

interface Values {
  name: string;
  heatingStart: Dayjs | null;
  heatingEnd: Dayjs | null;
  paymentDue: Dayjs | null;
  lateFeeStart: Dayjs | null;
}
const FIELDS = ['name', 'heatingStart', 'heatingEnd', 'paymentDue', 'lateFeeStart'] as const;
const DAY = 'YYYY-MM-DD';

export interface SeasonDatesText {
  heatingStart: string;
  heatingEnd: string;
  paymentDue: string;
  lateFeeStart: string;
}

/** The next season to create: the newest one's dates a year later, or, for a company's first season, this
 *  winter's (next winter's from April) Nov 15 – Mar 15, due Dec 31, late fees from Jan 1. */
export function suggestedSeason(latest: SeasonDatesText | null, today: Dayjs = dayjs()): Values {
  if (latest) {
    const next = (d: string) => dayjs(d).add(1, 'year');
    const start = next(latest.heatingStart);
    const end = next(latest.heatingEnd);
    return {
      name: start.year() === end.year() ? String(start.year()) : `${start.year()}-${end.year()}`,
      heatingStart: start,
      heatingEnd: end,
      paymentDue: next(latest.paymentDue),
      lateFeeStart: next(latest.lateFeeStart),
    };
  }
  const year = today.month() >= 3 ? today.year() : today.year() - 1;
  return {
    name: `${year}-${year + 1}`,
    heatingStart: dayjs(`${year}-11-15`),
    heatingEnd: dayjs(`${year + 1}-03-15`),
    paymentDue: dayjs(`${year}-12-31`),
    lateFeeStart: dayjs(`${year + 1}-01-01`),
  };
}

export function SeasonForm({
  open,
  latest,
  onClose,
  onCreated,
}: {
  open: boolean;
  /** The newest season, whose dates a year on are suggested. */
  latest: SeasonDatesText | null;
  onClose: () => void;
  onCreated: (id: string) => void;
}) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const [general, setGeneral] = useState<string[]>([]);
  const start = Form.useWatch('heatingStart', form);
  const end = Form.useWatch('heatingEnd', form);
  const days = start && end && end.isAfter(start, 'day') ? end.diff(start, 'day') + 1 : null;

  const required = (text: string) => ({ required: true, message: text });
  const after = (other: keyof Values, text: string, allowSame: boolean) => ({ getFieldValue }: { getFieldValue: (n: string) => unknown }) => ({
    validator: async (_: unknown, value: Dayjs | null) => {
      const o = getFieldValue(other) as Dayjs | null;
      if (!value || !o) return;
      if (value.isBefore(o, 'day') || (!allowSame && value.isSame(o, 'day'))) throw new Error(text);
    },
  });

  const onFinish = async (v: Values) => {
    setBusy(true);
    setGeneral([]);
    try {
      const { createSeason } = await request(CreateSeasonDoc, {
        name: v.name.trim(),
        heatingStart: (v.heatingStart as Dayjs).format(DAY),
        heatingEnd: (v.heatingEnd as Dayjs).format(DAY),
        paymentDue: (v.paymentDue as Dayjs).format(DAY),
        lateFeeStart: (v.lateFeeStart as Dayjs).format(DAY),
      });
      if (createSeason?.errors.length) {
        const mapped = fieldErrors(createSeason.errors, FIELDS);
        form.setFields(mapped.fields);
        setGeneral(mapped.general);
        return;
      }
      message.success(t('采暖季已创建', 'Season created'));
      onCreated(createSeason?.season?.id ?? '');
    } catch (err) {
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={open}
      title={t('新建采暖季', 'New heating season')}
      okText={t('创建', 'Create')}
      okButtonProps={{ loading: busy, 'data-testid': 'season-create-submit' }}
      onOk={() => form.submit()}
      onCancel={onClose}
      destroyOnHidden
      modalRender={(node) => <div data-testid="season-form-modal">{node}</div>}
    >
      {general.length > 0 && <Alert type="error" showIcon message={general.join(' ')} style={{ marginBottom: 16 }} />}
      <Form form={form} layout="vertical" initialValues={suggestedSeason(latest)} onFinish={onFinish} data-testid="season-form">
        <Form.Item
          name="name"
          label={t('名称', 'Name')}
          extra={t('例如 2026-2027', 'e.g. 2026-2027')}
          rules={[{ required: true, whitespace: true, message: t('请填写采暖季名称', 'Enter a name') }, { max: 32, message: t('最多 32 个字', 'At most 32 characters') }]}
        >
          <Input data-testid="season-name" />
        </Form.Item>
        <Form.Item name="heatingStart" label={t('供暖开始', 'Heating starts')} rules={[required(t('请选择日期', 'Pick a date'))]}>
          <DatePicker style={{ width: '100%' }} data-testid="season-heatingStart" />
        </Form.Item>
        <Form.Item
          name="heatingEnd"
          label={t('供暖结束', 'Heating ends')}
          dependencies={['heatingStart']}
          extra={days ? t(`共 ${days} 天`, `${days} days`) : undefined}
          rules={[required(t('请选择日期', 'Pick a date')), after('heatingStart', t('供暖结束日期必须晚于开始日期', 'Must be after the start'), false)]}
        >
          <DatePicker style={{ width: '100%' }} data-testid="season-heatingEnd" />
        </Form.Item>
        <Form.Item
          name="paymentDue"
          label={t('缴费截止', 'Payment due')}
          dependencies={['heatingEnd']}
          rules={[
            required(t('请选择日期', 'Pick a date')),
            ({ getFieldValue }) => ({
              validator: async (_, value: Dayjs | null) => {
                const e = getFieldValue('heatingEnd') as Dayjs | null;
                if (value && e && value.isAfter(e, 'day')) throw new Error(t('缴费截止日不能晚于供暖结束日', 'Cannot be after the heating ends'));
              },
            }),
          ]}
        >
          <DatePicker style={{ width: '100%' }} data-testid="season-paymentDue" />
        </Form.Item>
        <Form.Item
          name="lateFeeStart"
          label={t('违约金起算', 'Late fees from')}
          dependencies={['paymentDue']}
          rules={[required(t('请选择日期', 'Pick a date')), after('paymentDue', t('违约金起算日不能早于缴费截止日', 'Cannot be before the payment due date'), true)]}
        >
          <DatePicker style={{ width: '100%' }} data-testid="season-lateFeeStart" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
