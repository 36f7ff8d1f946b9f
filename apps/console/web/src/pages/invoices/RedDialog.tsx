// @access invoices.manage
// A manual red reversal (红冲) of an issued blue invoice (finance and admins): the bureau's reason, a note saying
// why (required: it goes on the audit row and the confirmation), and either the whole invoice or chosen lines,
// each with an amount no larger than what the line has left. The API's errors land on the same fields.
import { Alert, Descriptions, Form, Input, Modal, Radio, Select, Table, Typography, type ButtonProps } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useEffect, useRef, useState } from 'react';
import { ApiError, request } from '../../api/client';
import { graphql } from '../../gql/tenant';
import type { InvoicesReverseMutation, RedReason } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { formatFen, parseYuanToFen } from '../../lib/money';
import { formatTaxRate, RED_REASON, RED_REASONS } from './labels';
import { checkLineAmount, lineLeftFen, type BlueLine } from './red';

const InvoicesReverseDoc = graphql(`
  mutation InvoicesReverse($id: ID!, $reason: RedReason!, $note: String!, $lines: [RedLineInput!]) {
    reverseInvoice(id: $id, reason: $reason, note: $note, lines: $lines) {
      invoice { id status }
      errors { field message code }
    }
  }
`);

export type ReversedInvoice = NonNullable<NonNullable<InvoicesReverseMutation['reverseInvoice']>['invoice']>;

export const NOTE_MIN = 2; // the API's bounds
export const NOTE_MAX = 255;

export interface RedTarget {
  id: string;
  invoiceNumber: string | null;
  totalFen: number;
  lines: readonly (BlueLine & { goodsName: string; taxRate: string })[];
}

interface Values {
  reason?: RedReason;
  note: string;
  scope: 'full' | 'lines';
  amounts: Record<string, string>;
}

interface Props {
  invoice: RedTarget | null;
  onClose: () => void;
  onDone: (invoice: ReversedInvoice) => void;
}

export function RedDialog({ invoice, onClose, onDone }: Props) {
  const t = useT();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const [general, setGeneral] = useState<string[]>([]);
  const [chosen, setChosen] = useState<number[]>([]);
  const scope = Form.useWatch('scope', form) ?? 'full';
  // A full reversal is the bureau's 全额红冲: only while no line has been partly reversed.
  const fullAllowed = !!invoice && invoice.lines.every((l) => l.reversedFen === 0);
  const lines = invoice?.lines.filter((l) => lineLeftFen(l) > 0) ?? [];

  // Reset the form when another invoice is opened, not when the same one is re-read (a refetch of the drawer's
  // query gives a new object: resetting then wiped what the user had typed and the errors just shown).
  const openedId = invoice?.id ?? null;
  const latest = useRef(invoice);
  latest.current = invoice;
  useEffect(() => {
    const invoice = latest.current;
    if (!invoice) return;
    setGeneral([]);
    setChosen([]);
    form.resetFields();
    form.setFieldsValue({
      scope: invoice.lines.every((l) => l.reversedFen === 0) ? 'full' : 'lines',
      amounts: Object.fromEntries(invoice.lines.map((l) => [String(l.index), formatFen(lineLeftFen(l), { symbol: false }).replace(/,/g, '')])),
    });
  }, [openedId, form]);

  const submit = async () => {
    if (!invoice || busy) return;
    const values = await form.validateFields().catch(() => null);
    if (!values) return;
    if (values.scope === 'lines' && chosen.length === 0) {
      setGeneral([t('请至少选择一行', 'Choose at least one line')]);
      return;
    }
    setBusy(true);
    setGeneral([]);
    try {
      const res = (
        await request(InvoicesReverseDoc, {
          id: invoice.id,
          reason: values.reason as RedReason,
          note: values.note.trim(),
          lines:
            values.scope === 'lines'
              ? chosen.map((index) => ({ index, amountFen: parseYuanToFen(values.amounts[String(index)] ?? '') as number }))
              : null,
        })
      ).reverseInvoice;
      if (res?.invoice && !res.errors.length) {
        onDone(res.invoice);
        return;
      }
      const errors = res?.errors ?? [];
      const onField = (f: string | null) => f === 'reason' || f === 'note';
      form.setFields(errors.filter((e) => onField(e.field)).map((e) => ({ name: e.field as 'reason' | 'note', errors: [e.message] })));
      setGeneral(errors.filter((e) => !onField(e.field)).map((e) => e.message));
    } catch (err) {
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    } finally {
      setBusy(false);
    }
  };

  type Line = RedTarget['lines'][number];
  const columns: ColumnsType<Line> = [
    { title: t('行', 'Line'), dataIndex: 'index', width: 56 },
    { title: t('项目', 'Item'), dataIndex: 'goodsName' },
    { title: t('税率', 'Rate'), dataIndex: 'taxRate', render: (r: string) => formatTaxRate(r) },
    { title: t('价税合计', 'Total'), dataIndex: 'inclFen', align: 'right', render: (f: number) => formatFen(f) },
    { title: t('可红冲', 'Left'), align: 'right', render: (_, l) => <span data-testid={`red-left-${l.index}`}>{formatFen(lineLeftFen(l))}</span> },
    {
      title: t('红冲金额（元）', 'Amount (yuan)'),
      width: 160,
      render: (_, l) => (
        <Form.Item
          name={['amounts', String(l.index)]}
          style={{ margin: 0 }}
          rules={[
            {
              validator: (_r, v: string) => {
                if (!chosen.includes(l.index)) return Promise.resolve();
                const checked = checkLineAmount(v, lineLeftFen(l));
                return 'error' in checked ? Promise.reject(new Error(t(...checked.error))) : Promise.resolve();
              },
            },
          ]}
        >
          <Input prefix="¥" inputMode="decimal" autoComplete="off" disabled={!chosen.includes(l.index)} data-testid={`red-amount-${l.index}`} />
        </Form.Item>
      ),
    },
  ];

  return (
    <Modal
      open={invoice !== null}
      title={t('红冲发票', 'Reverse the invoice')}
      okText={t('提交红冲', 'Reverse')}
      okButtonProps={{ danger: true, loading: busy, 'data-testid': 'red-submit' } as ButtonProps}
      onOk={submit}
      onCancel={onClose}
      width={820}
      destroyOnHidden
      data-testid="red-dialog"
    >
      {invoice && (
        <Descriptions size="small" column={2} style={{ marginBottom: 16 }}>
          <Descriptions.Item label={t('发票号码', 'Invoice number')}>{invoice.invoiceNumber ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('价税合计', 'Total')}>{formatFen(invoice.totalFen)}</Descriptions.Item>
        </Descriptions>
      )}
      {general.length > 0 && <Alert type="error" showIcon message={general.join(' ')} style={{ marginBottom: 16 }} data-testid="red-error" />}
      <Form<Values> form={form} layout="vertical" initialValues={{ note: '', scope: 'full', amounts: {} }}>
        <Form.Item name="reason" label={t('红冲原因', 'Reason')} rules={[{ required: true, message: t('请选择红冲原因', 'Choose a reason') }]}>
          <Select
            data-testid="red-reason"
            placeholder={t('选择原因', 'Choose')}
            options={RED_REASONS.map((r) => ({ value: r, label: t(...RED_REASON[r]) }))}
          />
        </Form.Item>
        <Form.Item
          name="note"
          label={t('说明', 'Note')}
          rules={[
            { required: true, whitespace: true, message: t('请填写红冲说明', 'Say why') },
            {
              validator: (_r, v: string) =>
                (v ?? '').trim().length === 0 || (v ?? '').trim().length >= NOTE_MIN
                  ? Promise.resolve()
                  : Promise.reject(new Error(t(`至少 ${NOTE_MIN} 个字`, `At least ${NOTE_MIN} characters`))),
            },
            { max: NOTE_MAX, message: t(`最多 ${NOTE_MAX} 个字`, `At most ${NOTE_MAX} characters`) },
          ]}
        >
          <Input.TextArea rows={2} showCount maxLength={NOTE_MAX} data-testid="red-note" />
        </Form.Item>
        <Form.Item name="scope" label={t('红冲范围', 'What to reverse')}>
          <Radio.Group data-testid="red-scope">
            <Radio value="full" disabled={!fullAllowed} data-testid="red-scope-full">
              {t('全额红冲', 'All of it')}
            </Radio>
            <Radio value="lines" data-testid="red-scope-lines">
              {t('按行红冲', 'Chosen lines')}
            </Radio>
          </Radio.Group>
        </Form.Item>
        {!fullAllowed && (
          <Typography.Paragraph type="secondary">{t('已有部分红冲，只能按行红冲剩余金额。', 'Partly reversed already: only the lines’ remaining amounts can be reversed.')}</Typography.Paragraph>
        )}
        {scope === 'lines' && (
          <Table<Line>
            rowKey="index"
            size="small"
            columns={columns}
            dataSource={lines}
            pagination={false}
            data-testid="red-lines"
            rowSelection={{
              selectedRowKeys: chosen,
              onChange: (keys) => {
                setChosen(keys.map(Number));
                setGeneral([]);
              },
              getCheckboxProps: (l) => ({ 'data-testid': `red-line-${l.index}` }) as never,
            }}
          />
        )}
      </Form>
    </Modal>
  );
}
