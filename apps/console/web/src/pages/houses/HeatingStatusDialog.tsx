// @access houses.heatingStatus
// 报停 / 停供 / 恢复供热 with a reason and the date it takes effect (billing prorates from it). Shown only to
// the roles access.ts names for 'houses.heatingStatus'; the API's typed errors land on their fields.
// With `open`/`onOpenChange` it is controlled and draws no button of its own: the houses table renders one
// dialog for the row chosen instead of a ModalForm (form store, modal, hooks) in each of its rows.
import { ModalForm, ProFormDatePicker, ProFormSelect, ProFormTextArea } from '@ant-design/pro-components';
import { Alert, App, Button, Form } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { ApiError, fieldErrors, request } from '../../api/client';
import { graphql } from '../../gql/tenant';
import type { HeatingStatus } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { HEATING_STATUSES, heatingStatusText } from './labels';

export const ChangeHeatingStatusDoc = graphql(`
  mutation HouseHeatingStatusChange($id: ID!, $status: HeatingStatus!, $reason: String!, $effectiveDate: Date) {
    changeHeatingStatus(id: $id, status: $status, reason: $reason, effectiveDate: $effectiveDate) {
      house { id heatingStatus }
      errors { field message code }
    }
  }
`);

interface Values {
  status: HeatingStatus;
  reason: string;
  effectiveDate?: Dayjs | string | null;
}

const REASON_MAX = 200;

type HouseRef = { id: string; accountNo: string; heatingStatus: HeatingStatus };

/** The button that opens the dialog (its test id names the house). */
export function HeatingStatusButton({
  house,
  size = 'small',
  onClick,
}: {
  house: HouseRef;
  size?: 'small' | 'middle';
  onClick?: () => void;
}) {
  const t = useT();
  return (
    <Button size={size} data-testid={`heating-status-${house.accountNo}`} onClick={onClick}>
      {t('变更供热状态', 'Heating status')}
    </Button>
  );
}

export function HeatingStatusDialog({
  house,
  onChanged,
  size = 'small',
  open,
  onOpenChange,
}: {
  house: HouseRef;
  onChanged?: (status: HeatingStatus) => void;
  size?: 'small' | 'middle';
  /** Controlled: shown while true, no trigger button. */
  open?: boolean;
  onOpenChange?: (open: boolean) => void;
}) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [general, setGeneral] = useState<string[]>([]);
  const labels = heatingStatusText(t);
  const choices = HEATING_STATUSES.filter((s) => s !== house.heatingStatus);

  return (
    <ModalForm<Values>
      form={form}
      title={t(`变更供热状态 · ${house.accountNo}`, `Change heating status · ${house.accountNo}`)}
      width={480}
      {...(open === undefined ? { trigger: <HeatingStatusButton house={house} size={size} /> } : { open, onOpenChange })}
      modalProps={{ destroyOnHidden: true, onCancel: () => setGeneral([]) }}
      submitter={{ searchConfig: { submitText: t('确认变更', 'Change'), resetText: t('取消', 'Cancel') } }}
      initialValues={{ status: choices[0], effectiveDate: dayjs() }}
      onFinish={async (values) => {
        setGeneral([]);
        const date = values.effectiveDate ? dayjs(values.effectiveDate).format('YYYY-MM-DD') : null;
        try {
          const { changeHeatingStatus } = await request(ChangeHeatingStatusDoc, {
            id: house.id,
            status: values.status,
            reason: values.reason.trim(),
            effectiveDate: date,
          });
          const errors = changeHeatingStatus?.errors ?? [];
          if (errors.length || !changeHeatingStatus?.house) {
            const mapped = fieldErrors(errors, ['status', 'reason', 'effectiveDate']);
            form.setFields(mapped.fields);
            setGeneral(mapped.general);
            return false;
          }
          message.success(t('供热状态已变更', 'Heating status changed'));
          onChanged?.(changeHeatingStatus.house.heatingStatus);
          return true;
        } catch (err) {
          setGeneral([err instanceof ApiError ? err.message : String(err)]);
          return false;
        }
      }}
    >
      {general.length > 0 && <Alert type="error" showIcon message={general.join(' ')} style={{ marginBottom: 16 }} />}
      <ProFormSelect
        name="status"
        label={t('变更为', 'New status')}
        options={choices.map((s) => ({ value: s, label: labels[s] }))}
        rules={[{ required: true, message: t('请选择新的供热状态', 'Choose the new status') }]}
        fieldProps={{ 'data-testid': 'heating-status-select' } as Record<string, string>}
        extra={t(`当前：${labels[house.heatingStatus]}`, `Now: ${labels[house.heatingStatus]}`)}
      />
      <ProFormDatePicker
        name="effectiveDate"
        label={t('生效日期', 'Effective date')}
        tooltip={t('计费按此日期折算；留空为今天', 'Billing prorates from this date; empty means today')}
        fieldProps={{ style: { width: '100%' } }}
      />
      <ProFormTextArea
        name="reason"
        label={t('原因', 'Reason')}
        placeholder={t('如：房屋空置，业主申请报停', 'e.g. the flat is empty; the owner asked to opt out')}
        fieldProps={{ maxLength: REASON_MAX, showCount: true, 'data-testid': 'heating-status-reason' } as Record<string, unknown>}
        rules={[
          { required: true, whitespace: true, message: t('请填写原因', 'Give a reason') },
          { max: REASON_MAX, message: t(`最多 ${REASON_MAX} 个字`, `At most ${REASON_MAX} characters`) },
        ]}
      />
    </ModalForm>
  );
}
