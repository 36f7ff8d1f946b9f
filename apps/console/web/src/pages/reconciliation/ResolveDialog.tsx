// @access reconciliation
// Resolve one open difference (finance, admins): a resolution the API allows for it now and a note of 2–255
// characters, both required as typed; the API's typed errors land on the same fields (the rest above the form).
import { Alert, Descriptions, Form, Input, Modal, Select, Tag, type ButtonProps } from 'antd';
import { useEffect, useState } from 'react';
import { ApiError, fieldErrors, request } from '../../api/client';
import { graphql } from '../../gql/tenant';
import type { ReconResolveDifferenceMutation, StatementDifferenceKind, StatementDifferenceResolution } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { AutoAction } from './AutoAction';
import { DIFF_KIND, DIFF_KIND_COLOR, RESOLUTION } from './labels';

const ReconResolveDifferenceDoc = graphql(`
  mutation ReconResolveDifference($id: ID!, $resolution: StatementDifferenceResolution!, $note: String!) {
    resolveStatementDifference(id: $id, resolution: $resolution, note: $note) {
      difference { id status resolution note resolvedBy resolvedAt allowedResolutions }
      errors { field message code }
    }
  }
`);

export type ResolvedDifference = NonNullable<NonNullable<ReconResolveDifferenceMutation['resolveStatementDifference']>['difference']>;

export const NOTE_MIN = 2;
export const NOTE_MAX = 255;

export interface ResolveTarget {
  id: string;
  kind: StatementDifferenceKind;
  outTradeNo: string;
  outRefundNo: string | null;
  channelAmountFen: number | null;
  localAmountFen: number | null;
  autoAction: string | null;
  allowedResolutions: readonly StatementDifferenceResolution[];
}

interface Values {
  resolution: StatementDifferenceResolution | undefined;
  note: string;
}

export function ResolveDialog({ difference, onClose, onDone }: { difference: ResolveTarget | null; onClose: () => void; onDone: (d: ResolvedDifference) => void }) {
  const t = useT();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const [general, setGeneral] = useState<string[]>([]);

  useEffect(() => {
    if (!difference) return;
    setGeneral([]);
    form.resetFields();
  }, [difference, form]);

  const submit = async () => {
    if (!difference || busy) return;
    const values = await form.validateFields().catch(() => null);
    if (!values?.resolution) return;
    setBusy(true);
    setGeneral([]);
    try {
      const res = (await request(ReconResolveDifferenceDoc, { id: difference.id, resolution: values.resolution, note: values.note.trim() }))
        .resolveStatementDifference;
      if (res?.difference && !res.errors.length) {
        onDone(res.difference);
        return;
      }
      const { fields, general: rest } = fieldErrors(res?.errors ?? [], ['resolution', 'note'] as const);
      form.setFields(fields);
      setGeneral(rest.length || fields.length ? rest : [t('处理失败', 'Could not resolve it')]);
    } catch (err) {
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={difference !== null}
      title={t('处理差异', 'Resolve the difference')}
      okText={t('确认处理', 'Resolve')}
      okButtonProps={{ loading: busy, 'data-testid': 'resolve-submit' } as ButtonProps}
      onOk={submit}
      onCancel={onClose}
      destroyOnHidden
      data-testid="resolve-dialog"
    >
      {difference && (
        <Descriptions size="small" column={1} style={{ marginBottom: 16 }}>
          <Descriptions.Item label={t('差异类型', 'Kind')}>
            <Tag color={DIFF_KIND_COLOR[difference.kind]}>{t(...DIFF_KIND[difference.kind])}</Tag>
          </Descriptions.Item>
          <Descriptions.Item label={t('商户订单号', 'Order no.')}>{difference.outTradeNo}</Descriptions.Item>
          {difference.outRefundNo && <Descriptions.Item label={t('商户退款单号', 'Refund no.')}>{difference.outRefundNo}</Descriptions.Item>}
          <Descriptions.Item label={t('渠道 / 本地金额', 'Channel / ledger amount')}>
            {formatFen(difference.channelAmountFen)} / {formatFen(difference.localAmountFen)}
          </Descriptions.Item>
          {difference.autoAction && (
            <Descriptions.Item label={t('系统已处理', 'Done automatically')}>
              <AutoAction value={difference.autoAction} testId="resolve-auto-action" />
            </Descriptions.Item>
          )}
        </Descriptions>
      )}
      {general.length > 0 && <Alert type="error" showIcon message={general.join(' ')} style={{ marginBottom: 16 }} data-testid="resolve-error" />}
      <Form<Values> form={form} layout="vertical" initialValues={{ resolution: undefined, note: '' }} onFinish={submit}>
        <Form.Item name="resolution" label={t('处理方式', 'Resolution')} rules={[{ required: true, message: t('请选择处理方式', 'Choose a resolution') }]}>
          <Select
            placeholder={t('请选择', 'Choose')}
            options={(difference?.allowedResolutions ?? []).map((r) => ({ value: r, label: t(...RESOLUTION[r]) }))}
            data-testid="resolve-resolution"
          />
        </Form.Item>
        <Form.Item
          name="note"
          label={t('处理说明', 'Note')}
          rules={[
            { required: true, whitespace: true, message: t('请填写处理说明', 'Write a note') },
            { min: NOTE_MIN, message: t(`至少 ${NOTE_MIN} 个字`, `At least ${NOTE_MIN} characters`), transform: (v: string) => v?.trim() },
            { max: NOTE_MAX, message: t(`最多 ${NOTE_MAX} 个字`, `At most ${NOTE_MAX} characters`) },
          ]}
        >
          <Input.TextArea rows={3} showCount maxLength={NOTE_MAX} data-testid="resolve-note" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
