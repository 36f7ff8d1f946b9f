// @access bills.adjust
// Adjust (a positive or negative line) or waive a bill, each with a reason: shown only to the roles of
// 'bills.adjust' (the caller checks useCan). Amounts are entered in yuan and sent as integer fen.
import { Alert, App, Button, Descriptions, Form, Input, Modal, Radio, Space, Typography } from 'antd';
import { useState } from 'react';
import { ApiError, fieldErrors, request } from '../../api/client';
import { useT } from '../../i18n';
import { formatFen } from '../../lib/money';
import { adjustmentFen, adjustmentProblem, type BillAmounts, type Direction } from './adjust';
import { AdjustBillDoc, WaiveBillDoc } from './adjustDocuments';
import { ADJUSTABLE, WAIVABLE } from './labels';
import type { BillStatus } from '../../gql/tenant/graphql';

export interface ActionBill extends BillAmounts {
  id: string;
  status: BillStatus;
  accountNo: string;
  outstandingFen: number;
}

interface AdjustValues {
  direction: Direction;
  amount: string;
  reason: string;
}

const REASON_MAX = 200; // the API keeps 200 characters

function AdjustDialog({ bill, onClose, onDone }: { bill: ActionBill; onClose: () => void; onDone: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<AdjustValues>();
  const [busy, setBusy] = useState(false);
  const [general, setGeneral] = useState<string[]>([]);
  const direction = Form.useWatch('direction', form) ?? 'decrease';
  const amount = Form.useWatch('amount', form);
  const fen = adjustmentFen(direction, amount);
  const valid = fen !== null && !adjustmentProblem(direction, amount, bill, t);

  const onFinish = async (v: AdjustValues) => {
    const amountFen = adjustmentFen(v.direction, v.amount);
    if (amountFen === null) return;
    setBusy(true);
    setGeneral([]);
    try {
      const { adjustBill } = await request(AdjustBillDoc, { id: bill.id, amountFen, reason: v.reason.trim() });
      if (adjustBill?.errors.length) {
        // The API names the amount `amountFen`; the form shows it as `amount` (in yuan).
        const errors = adjustBill.errors.map((e) => (e.field === 'amountFen' ? { ...e, field: 'amount' } : e));
        const mapped = fieldErrors(errors, ['amount', 'reason'] as const);
        form.setFields(mapped.fields);
        setGeneral(mapped.general);
        return;
      }
      message.success(t('账单已调整', 'Bill adjusted'));
      onDone();
    } catch (err) {
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open
      title={t(`调整账单 · ${bill.accountNo}`, `Adjust bill · ${bill.accountNo}`)}
      okText={t('确认调整', 'Adjust')}
      okButtonProps={{ loading: busy, 'data-testid': 'adjust-submit' }}
      onOk={() => form.submit()}
      onCancel={onClose}
      destroyOnHidden
      modalRender={(node) => <div data-testid="adjust-dialog">{node}</div>}
    >
      {general.length > 0 && <Alert type="error" showIcon message={general.join(' ')} style={{ marginBottom: 16 }} />}
      <Descriptions size="small" column={2} style={{ marginBottom: 12 }}>
        <Descriptions.Item label={t('应收', 'Billed')}>{formatFen(bill.principalFen)}</Descriptions.Item>
        <Descriptions.Item label={t('已缴', 'Paid')}>{formatFen(bill.paidFen)}</Descriptions.Item>
      </Descriptions>
      <Form form={form} layout="vertical" initialValues={{ direction: 'decrease', amount: '', reason: '' }} onFinish={onFinish}>
        <Form.Item name="direction" label={t('调整方向', 'Direction')}>
          <Radio.Group
            optionType="button"
            options={[
              { value: 'decrease', label: t('减少应收', 'Reduce') },
              { value: 'increase', label: t('增加应收', 'Increase') },
            ]}
            onChange={() => void form.validateFields(['amount']).catch(() => undefined)}
            data-testid="adjust-direction"
          />
        </Form.Item>
        <Form.Item
          name="amount"
          label={t('金额（元）', 'Amount (yuan)')}
          dependencies={['direction']}
          extra={valid && fen !== null ? t(`调整后应收 ${formatFen(bill.principalFen + fen)}`, `Billed after: ${formatFen(bill.principalFen + fen)}`) : undefined}
          rules={[
            ({ getFieldValue }) => ({
              validator: async (_, value: string) => {
                const problem = adjustmentProblem(getFieldValue('direction') as Direction, value, bill, t);
                if (problem) throw new Error(problem);
              },
            }),
          ]}
        >
          <Input inputMode="decimal" prefix="¥" autoComplete="off" data-testid="adjust-amount" />
        </Form.Item>
        <Form.Item
          name="reason"
          label={t('原因', 'Reason')}
          rules={[
            { required: true, whitespace: true, message: t('请填写原因', 'Give a reason') },
            { max: REASON_MAX, message: t(`最多 ${REASON_MAX} 个字`, `At most ${REASON_MAX} characters`) },
          ]}
        >
          <Input.TextArea rows={3} showCount maxLength={REASON_MAX} data-testid="adjust-reason" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function WaiveDialog({ bill, onClose, onDone }: { bill: ActionBill; onClose: () => void; onDone: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ reason: string }>();
  const [busy, setBusy] = useState(false);
  const [general, setGeneral] = useState<string[]>([]);

  const onFinish = async ({ reason }: { reason: string }) => {
    setBusy(true);
    setGeneral([]);
    try {
      const { waiveBill } = await request(WaiveBillDoc, { id: bill.id, reason: reason.trim() });
      if (waiveBill?.errors.length) {
        const mapped = fieldErrors(waiveBill.errors, ['reason'] as const);
        form.setFields(mapped.fields);
        setGeneral(mapped.general);
        return;
      }
      message.success(t('账单已减免', 'Bill waived'));
      onDone();
    } catch (err) {
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open
      title={t(`减免账单 · ${bill.accountNo}`, `Waive bill · ${bill.accountNo}`)}
      okText={t('确认减免', 'Waive')}
      okButtonProps={{ loading: busy, danger: true, 'data-testid': 'waive-submit' }}
      onOk={() => form.submit()}
      onCancel={onClose}
      destroyOnHidden
      modalRender={(node) => <div data-testid="waive-dialog">{node}</div>}
    >
      {general.length > 0 && <Alert type="error" showIcon message={general.join(' ')} style={{ marginBottom: 16 }} />}
      <Typography.Paragraph>
        {t(
          `减免后，该账单未缴的 ${formatFen(bill.principalFen - bill.paidFen)} 不再收取，已缴的 ${formatFen(bill.paidFen)} 保留。减免不能撤销。`,
          `The ${formatFen(bill.principalFen - bill.paidFen)} still owed is no longer collected; the ${formatFen(bill.paidFen)} paid stays. A waiver cannot be undone.`,
        )}
      </Typography.Paragraph>
      <Form form={form} layout="vertical" onFinish={onFinish}>
        <Form.Item
          name="reason"
          label={t('原因', 'Reason')}
          rules={[
            { required: true, whitespace: true, message: t('请填写原因', 'Give a reason') },
            { max: REASON_MAX, message: t(`最多 ${REASON_MAX} 个字`, `At most ${REASON_MAX} characters`) },
          ]}
        >
          <Input.TextArea rows={3} showCount maxLength={REASON_MAX} data-testid="waive-reason" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** The adjust and waive buttons of one bill, with their dialogs. */
export function BillActions({ bill, onChanged }: { bill: ActionBill; onChanged: () => void }) {
  const t = useT();
  const [open, setOpen] = useState<'adjust' | 'waive' | null>(null);
  const done = () => {
    setOpen(null);
    onChanged();
  };
  return (
    <Space>
      <Button onClick={() => setOpen('adjust')} disabled={!ADJUSTABLE.includes(bill.status)} data-testid="bill-adjust">
        {t('调整', 'Adjust')}
      </Button>
      <Button danger onClick={() => setOpen('waive')} disabled={!WAIVABLE.includes(bill.status)} data-testid="bill-waive">
        {t('减免', 'Waive')}
      </Button>
      {open === 'adjust' && <AdjustDialog bill={bill} onClose={() => setOpen(null)} onDone={done} />}
      {open === 'waive' && <WaiveDialog bill={bill} onClose={() => setOpen(null)} onDone={done} />}
    </Space>
  );
}
