// @access reconciliation
// Start a statement run (finance, admins): a merchant account, a bill date from yesterday back to 3 months ago,
// and the bill kind the account's channel has (WeChat Pay: trade or fund flow; Alipay: trade). The API's
// refusals land on the same fields; a started run opens at once (it fetches, parses and matches in the background).
import { Alert, Button, DatePicker, Form, Modal, Radio, Select, type ButtonProps } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { ApiError, fieldErrors, request } from '../../api/client';
import { useGraphQL } from '../../api/hooks';
import type { StatementKind } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { ReconMerchantAccountsDoc, ReconStartRunDoc } from './documents';
import { STATEMENT_KIND } from './labels';
import { billDateAllowed } from './run';

interface Values {
  merchantAccountId: string | undefined;
  billDate: Dayjs | undefined;
  kind: StatementKind;
}

export function StartRunButton({ onStarted }: { onStarted: (runId: string) => void }) {
  const t = useT();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [general, setGeneral] = useState<string[]>([]);
  const [form] = Form.useForm<Values>();
  const accounts = useGraphQL(ReconMerchantAccountsDoc, {}, { enabled: open });
  const list = (accounts.data?.merchantAccountsForReconciliation ?? []).filter((a) => a.isActive);
  const chosen = Form.useWatch('merchantAccountId', form);
  const kinds = list.find((a) => a.id === chosen)?.kinds ?? ['TRADE'];

  const submit = async () => {
    const values = await form.validateFields().catch(() => null);
    if (!values?.merchantAccountId || !values.billDate) return;
    setBusy(true);
    setGeneral([]);
    try {
      const res = (await request(ReconStartRunDoc, { merchantAccountId: values.merchantAccountId, billDate: values.billDate.format('YYYY-MM-DD'), kind: values.kind }))
        .startStatementRun;
      if (res?.run && !res.errors.length) {
        setOpen(false);
        onStarted(res.run.id);
        return;
      }
      const { fields, general: rest } = fieldErrors(res?.errors ?? [], ['merchantAccountId', 'billDate', 'kind'] as const);
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
        type="primary"
        onClick={() => {
          form.resetFields();
          setGeneral([]);
          setOpen(true);
        }}
        data-testid="run-start"
      >
        {t('发起对账', 'Start a run')}
      </Button>
      <Modal
        open={open}
        title={t('发起对账', 'Start a statement run')}
        okText={t('开始对账', 'Start')}
        okButtonProps={{ loading: busy, 'data-testid': 'run-start-submit' } as ButtonProps}
        onOk={submit}
        onCancel={() => setOpen(false)}
        destroyOnHidden
      >
        {general.length > 0 && <Alert type="error" showIcon message={general.join(' ')} style={{ marginBottom: 16 }} data-testid="run-start-error" />}
        {accounts.data && list.length === 0 && (
          <Alert type="warning" showIcon style={{ marginBottom: 16 }} message={t('没有启用的收款商户，请先在公司设置中配置', 'No active merchant account: set one up in company settings')} />
        )}
        <Form<Values> form={form} layout="vertical" initialValues={{ kind: 'TRADE' }}>
          <Form.Item name="merchantAccountId" label={t('收款商户', 'Merchant account')} rules={[{ required: true, message: t('请选择收款商户', 'Choose a merchant account') }]}>
            <Select
              loading={accounts.isLoading}
              options={list.map((a) => ({ value: a.id, label: a.label }))}
              onChange={() => form.setFieldValue('kind', 'TRADE')}
              data-testid="run-start-account"
            />
          </Form.Item>
          <Form.Item
            name="billDate"
            label={t('账单日期', 'Bill date')}
            extra={t('渠道提供最近 3 个月的账单，当天的账单次日生成', 'Bills cover the last 3 months; a day’s bill is ready the next day')}
            rules={[
              { required: true, message: t('请选择账单日期', 'Choose the bill date') },
              {
                validator: (_, v: Dayjs | undefined) =>
                  !v || billDateAllowed(v) ? Promise.resolve() : Promise.reject(new Error(t('只能选择昨天至 3 个月前的日期', 'From yesterday back to 3 months ago'))),
              },
            ]}
          >
            <DatePicker style={{ width: '100%' }} disabledDate={(d) => !billDateAllowed(d)} data-testid="run-start-date" />
          </Form.Item>
          <Form.Item name="kind" label={t('账单类型', 'Bill')}>
            <Radio.Group options={kinds.map((k) => ({ value: k, label: t(...STATEMENT_KIND[k]) }))} data-testid="run-start-kind" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
