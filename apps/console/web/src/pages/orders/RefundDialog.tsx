// @access orders.refund
// Refund part or all of a paid order (finance and admins): the amount in yuan, checked as typed against what is
// still refundable, and a reason; the API's typed errors land on the same fields. The dialog makes one request
// number when it opens, so resending after a lost answer is the same refund, never a second one.
import { Alert, Descriptions, Form, Input, Modal, type ButtonProps } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { ApiError, request } from '../../api/client';
import { graphql } from '../../gql/tenant';
import type { OrdersRefundMutation } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen, parseYuanToFen } from '../../lib/money';
import { newRequestNo } from '../counter/payment';

const OrdersRefundDoc = graphql(`
  mutation OrdersRefund($orderId: ID!, $amountFen: Int!, $reason: String!, $requestNo: String) {
    refundOrder(orderId: $orderId, amountFen: $amountFen, reason: $reason, requestNo: $requestNo) {
      refund { id outRefundNo amountFen reason status createdAt finishedAt }
      order { id refundedFen refundStatus }
      errors { field message code }
    }
  }
`);

export type NewRefund = NonNullable<NonNullable<OrdersRefundMutation['refundOrder']>['refund']>;

export const REASON_MAX = 80; // the API keeps the first 80 characters

interface Values {
  amount: string;
  reason: string;
}

interface Props {
  order: { id: string; outTradeNo: string; amountFen: number } | null;
  refundableFen: number;
  onClose: () => void;
  onDone: (refund: NewRefund) => void;
}

export function RefundDialog({ order, refundableFen, onClose, onDone }: Props) {
  const t = useT();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const [general, setGeneral] = useState<string[]>([]);
  const requestNo = useRef('');

  useEffect(() => {
    if (!order) return;
    requestNo.current = newRequestNo('rf-');
    setGeneral([]);
    form.resetFields();
  }, [order, form]);

  const submit = async () => {
    if (!order || busy) return;
    const values = await form.validateFields().catch(() => null);
    if (!values) return;
    setBusy(true);
    setGeneral([]);
    try {
      const res = (
        await request(OrdersRefundDoc, {
          orderId: order.id,
          amountFen: parseYuanToFen(values.amount) as number,
          reason: values.reason.trim(),
          requestNo: requestNo.current,
        })
      ).refundOrder;
      if (res?.refund) {
        onDone(res.refund);
        return;
      }
      const byField: Record<string, keyof Values> = { amountFen: 'amount', reason: 'reason' };
      const errors = res?.errors ?? [];
      form.setFields(errors.filter((e) => e.field && byField[e.field]).map((e) => ({ name: byField[e.field as string], errors: [e.message] })));
      setGeneral(errors.filter((e) => !e.field || !byField[e.field]).map((e) => e.message));
    } catch (err) {
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={order !== null}
      title={t('退款', 'Refund')}
      okText={t('确认退款', 'Refund')}
      okButtonProps={{ danger: true, loading: busy, 'data-testid': 'refund-submit' } as ButtonProps}
      onOk={submit}
      onCancel={onClose}
      destroyOnHidden
      data-testid="refund-dialog"
    >
      {order && (
        <Descriptions size="small" column={1} style={{ marginBottom: 16 }}>
          <Descriptions.Item label={t('商户订单号', 'Order no.')}>{order.outTradeNo}</Descriptions.Item>
          <Descriptions.Item label={t('订单金额', 'Order amount')}>{formatFen(order.amountFen)}</Descriptions.Item>
          <Descriptions.Item label={t('可退金额', 'Refundable')}>
            <span data-testid="refund-refundable">{formatFen(refundableFen)}</span>
          </Descriptions.Item>
        </Descriptions>
      )}
      {general.length > 0 && <Alert type="error" showIcon message={general.join(' ')} style={{ marginBottom: 16 }} data-testid="refund-error" />}
      <Form<Values> form={form} layout="vertical" initialValues={{ amount: '', reason: '' }} onFinish={submit}>
        <Form.Item
          name="amount"
          label={t('退款金额（元）', 'Amount (yuan)')}
          validateFirst
          rules={[
            { required: true, message: t('请输入退款金额', 'Enter the amount') },
            {
              validator: (_, v: string) => {
                const fen = parseYuanToFen(v ?? '');
                if (fen === null) return Promise.reject(new Error(t('请输入金额，最多两位小数', 'A yuan amount with at most 2 decimals')));
                if (fen <= 0) return Promise.reject(new Error(t('退款金额须大于 0', 'The amount must be above zero')));
                if (fen > refundableFen)
                  return Promise.reject(new Error(t(`不能超过可退金额 ${formatFen(refundableFen)}`, `At most the refundable ${formatFen(refundableFen)}`)));
                return Promise.resolve();
              },
            },
          ]}
        >
          <Input prefix="¥" inputMode="decimal" autoComplete="off" autoFocus data-testid="refund-amount" />
        </Form.Item>
        <Form.Item
          name="reason"
          label={t('退款原因', 'Reason')}
          rules={[
            { required: true, whitespace: true, message: t('请填写退款原因', 'Give a reason') },
            { max: REASON_MAX, message: t(`最多 ${REASON_MAX} 个字`, `At most ${REASON_MAX} characters`) },
          ]}
        >
          <Input.TextArea rows={2} showCount maxLength={REASON_MAX} data-testid="refund-reason" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
