// @access counter
// What the house found owes now (per bill: outstanding, early discount, late fee, total) and the form that takes
// the money: cash / POS / transfer, full or part, the paper receipt's number, and for cash what was tendered and
// the change. The amount is checked as typed with the server's own allocation rule (payment.ts); the server's
// typed errors land on the same fields. One idempotency key per submission (kept for a retry of the same
// values, new once anything changes), so a double click or a retry after a lost answer records the money once.
import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Col, Empty, Form, Input, Radio, Row, Skeleton, Statistic, Table, Tag, Typography, type InputRef } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { forwardRef, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, request } from '../../api/client';
import type { CounterBillsQuery, CounterMethod, CounterRecordPaymentMutation } from '../../gql/tenant/graphql';
import { useT, type T } from '../../i18n';
import { formatFen, parseYuanToFen } from '../../lib/money';
import { CounterBillsDoc, CounterRecordPaymentDoc } from './documents';
import { BILL_STATUS, BILL_STATUS_COLOR, METHOD_TEXT, METHODS } from './labels';
import { allocate, changeFen, newRequestNo, nextReceiptNo, type Allocation } from './payment';

type Bill = CounterBillsQuery['bills']['items'][number];
export type PaidOrder = NonNullable<NonNullable<CounterRecordPaymentMutation['recordCounterPayment']>['order']>;

interface Values {
  method: CounterMethod;
  amount: string;
  receiptNo: string;
  tendered?: string;
}

const PAYABLE = new Set(['ISSUED', 'PARTIALLY_PAID']);
const isPayable = (b: Bill) => PAYABLE.has(b.status) && b.amountDue.totalFen > 0;

/** Why an amount cannot be taken, in words; null when it can. */
export function amountProblem(alloc: Allocation, bills: readonly Bill[], t: T): string | null {
  if (alloc.ok) return null;
  switch (alloc.reason) {
    case 'nothing_due':
      return t('请选择要缴费的账单', 'Choose the bills to pay');
    case 'not_positive':
      return t('收款金额须大于 0', 'The amount must be above zero');
    case 'over':
      return t(`超过应缴金额 ${formatFen(alloc.dueFen)}，多收的钱请当场找零`, `More than the ${formatFen(alloc.dueFen)} due; hand the difference back as change`);
    case 'late_fee_gap': {
      const season = bills.find((b) => b.id === alloc.billId)?.season ?? '';
      return t(
        `${season} 本金 ${formatFen(alloc.outstandingFen)}，含违约金应缴 ${formatFen(alloc.totalFen)}：请收全额，或少于本金的部分款`,
        `${season}: principal ${formatFen(alloc.outstandingFen)}, ${formatFen(alloc.totalFen)} with the late fee: take it all, or less than the principal`,
      );
    }
  }
}

interface Props {
  houseId: string;
  lastReceiptNo: string | null;
  onPaid: (order: PaidOrder) => void;
}

export const PaymentPanel = forwardRef<InputRef, Props>(function PaymentPanel({ houseId, lastReceiptNo, onPaid }, amountRef) {
  const t = useT();
  const [form] = Form.useForm<Values>();
  const bills = useQuery({
    queryKey: ['CounterBills', houseId],
    queryFn: async () => (await request(CounterBillsDoc, { houseId })).bills.items,
  });
  const payable = useMemo(() => (bills.data ?? []).filter(isPayable), [bills.data]);
  // Every payable bill is chosen unless unticked (the panel is keyed by house, so a new house starts over).
  const [unticked, setUnticked] = useState<string[]>([]);
  const chosen = useMemo(() => payable.filter((b) => !unticked.includes(b.id)), [payable, unticked]);
  const dueFen = chosen.reduce((sum, b) => sum + b.amountDue.totalFen, 0);

  const method = Form.useWatch('method', form) ?? 'CASH';
  const amountText = Form.useWatch('amount', form) ?? '';
  const tenderedText = Form.useWatch('tendered', form) ?? '';
  const amountFen = parseYuanToFen(amountText);
  const alloc = allocate(chosen, amountFen ?? 0);
  const shares = new Map(alloc.ok ? alloc.shares.map((s) => [s.billId, s]) : []);
  const change = changeFen(parseYuanToFen(tenderedText), amountFen);

  const [busy, setBusy] = useState(false);
  const [general, setGeneral] = useState<string[]>([]);
  const requestNo = useRef<string | null>(null); // one per submission: same values again = same key
  const inFlight = useRef(false);

  // The whole amount due on the chosen bills is proposed whenever that changes.
  useEffect(() => {
    form.setFieldsValue({ amount: dueFen > 0 ? (dueFen / 100).toFixed(2) : '' });
    if (form.isFieldTouched('amount')) void form.validateFields(['amount']).catch(() => undefined);
    requestNo.current = null;
  }, [dueFen, form]);
  useEffect(() => {
    if (!form.getFieldValue('receiptNo')) form.setFieldsValue({ receiptNo: nextReceiptNo(lastReceiptNo) });
  }, [lastReceiptNo, form]);

  const onFinish = async (values: Values) => {
    if (inFlight.current) return; // a second Enter or click while the first is on its way
    const fen = parseYuanToFen(values.amount);
    if (fen === null) return;
    inFlight.current = true;
    setBusy(true);
    setGeneral([]);
    requestNo.current ??= newRequestNo();
    try {
      const res = (
        await request(CounterRecordPaymentDoc, {
          billIds: chosen.map((b) => b.id),
          method: values.method,
          amountFen: fen,
          receiptNo: values.receiptNo.trim(),
          requestNo: requestNo.current,
        })
      ).recordCounterPayment;
      if (res?.order) {
        requestNo.current = null;
        form.resetFields(['tendered']);
        form.setFieldsValue({ receiptNo: nextReceiptNo(res.order.receiptNo) });
        onPaid(res.order);
        return;
      }
      const errors = res?.errors ?? [];
      const byField: Record<string, keyof Values> = { amountFen: 'amount', receiptNo: 'receiptNo', method: 'method' };
      form.setFields(errors.filter((e) => e.field && byField[e.field]).map((e) => ({ name: byField[e.field as string], errors: [e.message] })));
      setGeneral(errors.filter((e) => !e.field || !byField[e.field]).map((e) => e.message));
    } catch (err) {
      // Nothing known about the outcome (network): the same key on a retry returns the payment if it was taken.
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };

  const columns: ColumnsType<Bill> = [
    { title: t('采暖季', 'Season'), dataIndex: 'season' },
    {
      title: t('状态', 'Status'),
      dataIndex: 'status',
      render: (s: Bill['status']) => <Tag color={BILL_STATUS_COLOR[s]}>{t(...BILL_STATUS[s])}</Tag>,
    },
    { title: t('应收', 'Billed'), dataIndex: 'principalFen', align: 'right', render: (f: number) => formatFen(f) },
    { title: t('已缴', 'Paid'), dataIndex: 'paidFen', align: 'right', render: (f: number) => formatFen(f) },
    { title: t('欠费', 'Outstanding'), align: 'right', render: (_, b) => formatFen(b.amountDue.outstandingFen) },
    {
      title: t('优惠', 'Discount'),
      align: 'right',
      render: (_, b) => (b.amountDue.discountFen ? <Typography.Text type="success">-{formatFen(b.amountDue.discountFen)}</Typography.Text> : '—'),
    },
    {
      title: t('违约金', 'Late fee'),
      align: 'right',
      render: (_, b) => (b.amountDue.lateFeeFen ? <Typography.Text type="danger">{formatFen(b.amountDue.lateFeeFen)}</Typography.Text> : '—'),
    },
    {
      title: t('应缴', 'Due now'),
      align: 'right',
      render: (_, b) => (
        <Typography.Text strong data-testid={`counter-due-${b.id}`}>
          {formatFen(b.amountDue.totalFen)}
        </Typography.Text>
      ),
    },
    {
      title: t('本次收取', 'This payment'),
      align: 'right',
      render: (_, b) => {
        const share = shares.get(b.id);
        if (!share) return '—';
        return (
          <span data-testid={`counter-share-${b.id}`}>
            {formatFen(share.fen)} {share.full ? <Tag color="green">{t('缴清', 'in full')}</Tag> : <Tag color="orange">{t('部分', 'part')}</Tag>}
          </span>
        );
      },
    },
  ];

  if (bills.isLoading) return <Skeleton active />;
  if (bills.error) return <Alert type="error" showIcon message={bills.error instanceof ApiError ? bills.error.message : String(bills.error)} />;

  return (
    <div data-testid="counter-payment">
      <Table<Bill>
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={bills.data ?? []}
        pagination={false}
        data-testid="counter-bills"
        locale={{ emptyText: <Empty description={t('该户没有账单', 'No bills for this house')} /> }}
        rowSelection={{
          selectedRowKeys: chosen.map((b) => b.id),
          onChange: (keys) => setUnticked(payable.map((b) => b.id).filter((id) => !keys.map(String).includes(id))),
          getCheckboxProps: (b) => ({ disabled: !isPayable(b) }),
        }}
        summary={() => (
          <Table.Summary.Row>
            <Table.Summary.Cell index={0} colSpan={8}>
              {t('所选账单合计应缴', 'Due now on the chosen bills')}
            </Table.Summary.Cell>
            <Table.Summary.Cell index={8} align="right">
              <Typography.Text strong data-testid="counter-due-total">
                {formatFen(dueFen)}
              </Typography.Text>
            </Table.Summary.Cell>
            <Table.Summary.Cell index={9} />
          </Table.Summary.Row>
        )}
      />
      {payable.length === 0 ? (
        <Alert style={{ marginTop: 16 }} type="success" showIcon message={t('该户当前无需缴费', 'Nothing is due for this house')} data-testid="counter-nothing-due" />
      ) : (
        <Form<Values>
          form={form}
          layout="vertical"
          style={{ marginTop: 16 }}
          initialValues={{ method: 'CASH', amount: '', receiptNo: '', tendered: '' }}
          onValuesChange={() => {
            requestNo.current = null;
            setGeneral([]);
          }}
          onFinish={onFinish}
          data-testid="counter-form"
        >
          {general.length > 0 && <Alert type="error" showIcon message={general.join(' ')} style={{ marginBottom: 16 }} data-testid="counter-error" />}
          <Form.Item name="method" label={t('收款方式', 'Method')}>
            <Radio.Group
              optionType="button"
              buttonStyle="solid"
              options={METHODS.map((m) => ({ value: m, label: <span data-testid={`counter-method-${m}`}>{t(...METHOD_TEXT[m])}</span> }))}
            />
          </Form.Item>
          <Row gutter={16}>
            <Col span={8}>
              <Form.Item
                name="amount"
                label={t('收款金额（元）', 'Amount (yuan)')}
                validateFirst
                rules={[
                  { required: true, message: t('请输入收款金额', 'Enter the amount') },
                  {
                    validator: (_, v: string) =>
                      parseYuanToFen(v ?? '') === null
                        ? Promise.reject(new Error(t('请输入金额，最多两位小数', 'A yuan amount with at most 2 decimals')))
                        : Promise.resolve(),
                  },
                  {
                    validator: (_, v: string) => {
                      const problem = amountProblem(allocate(chosen, parseYuanToFen(v ?? '') ?? 0), chosen, t);
                      return problem ? Promise.reject(new Error(problem)) : Promise.resolve();
                    },
                  },
                ]}
                extra={
                  amountFen !== null && amountFen < dueFen && alloc.ok
                    ? t(`部分缴费：收后尚欠 ${formatFen(dueFen - amountFen)}`, `Part payment: ${formatFen(dueFen - amountFen)} stays owing`)
                    : undefined
                }
              >
                <Input ref={amountRef} size="large" prefix="¥" inputMode="decimal" autoComplete="off" data-testid="counter-amount" />
              </Form.Item>
            </Col>
            <Col span={8}>
              <Form.Item
                name="receiptNo"
                label={t('收据号', 'Receipt no.')}
                rules={[
                  { required: true, whitespace: true, message: t('请填写纸质收据号', 'Enter the paper receipt’s number') },
                  { max: 32, message: t('最多 32 个字符', 'At most 32 characters') },
                ]}
              >
                <Input size="large" autoComplete="off" data-testid="counter-receipt-no" />
              </Form.Item>
            </Col>
            {method === 'CASH' && (
              <Col span={8}>
                <Form.Item
                  name="tendered"
                  label={t('实收现金（元）', 'Cash tendered (yuan)')}
                  dependencies={['amount']}
                  rules={[
                    {
                      validator: (_, v: string) => {
                        if (!v) return Promise.resolve();
                        const fen = parseYuanToFen(v);
                        if (fen === null) return Promise.reject(new Error(t('请输入金额，最多两位小数', 'A yuan amount with at most 2 decimals')));
                        return amountFen !== null && fen < amountFen
                          ? Promise.reject(new Error(t('实收少于收款金额', 'Less than the amount')))
                          : Promise.resolve();
                      },
                    },
                  ]}
                >
                  <Input size="large" prefix="¥" inputMode="decimal" autoComplete="off" data-testid="counter-tendered" />
                </Form.Item>
              </Col>
            )}
          </Row>
          <Row gutter={16} align="middle">
            <Col span={8}>
              <Statistic title={t('应缴合计', 'Due')} value={formatFen(dueFen)} />
            </Col>
            <Col span={8}>
              {method === 'CASH' && (
                <Statistic
                  title={t('找零', 'Change')}
                  value={change === null ? '—' : formatFen(change)}
                  valueStyle={{ color: '#d4380d', fontWeight: 600 }}
                  data-testid="counter-change"
                />
              )}
            </Col>
            <Col span={8} style={{ textAlign: 'right' }}>
              <Button type="primary" size="large" htmlType="submit" loading={busy} disabled={!alloc.ok} data-testid="counter-submit">
                {t('确认收款（回车）', 'Take payment (Enter)')}
              </Button>
            </Col>
          </Row>
        </Form>
      )}
    </div>
  );
});
