// @access settings
// E-invoice settings (admins): the seller as printed on every invoice, the drawer (开票人) whose 电子税务局 login
// issues them, the provider's credentials (write-only: "已设置" and never shown; left empty keeps the stored one),
// the issuing policy and the switch; then each invoiced fee item × house category with its goods name, 19-digit
// tax classification code, rate and exemption flag (residential heating: 免税 03), saved row by row.
import { Alert, App, Button, Card, Col, Form, Input, Radio, Row, Select, Skeleton, Space, Switch, Tag, Typography } from 'antd';
import { useState } from 'react';
import { ApiError, fieldErrors } from '../../api/client';
import { useGraphQL, useGraphQLMutation } from '../../api/hooks';
import { graphql } from '../../gql/tenant';
import type { FeeItemCategory, SettingsInvoiceQuery } from '../../gql/tenant/graphql';
import { useT, type T } from '../../i18n';
import { formatTaxRate } from '../invoices/labels';
import {
  feeItemPolicyError,
  invoiceSettingsInput,
  TAX_CODE_RE,
  TAX_NO_RE,
  TAX_RATES,
  ZERO_RATE_POLICIES,
  type FeeItemValues,
  type InvoiceSettingsValues,
} from './invoiceSettings';

const SettingsInvoice = graphql(`
  query SettingsInvoice {
    invoiceSettings {
      enabled sellerTaxNo sellerName sellerAddressPhone sellerBankAccount drawer provider appKey
      hasAppSecret hasAccessToken policy updatedAt
    }
    feeItemTaxes {
      id lineKind lineKindLabel category configured goodsName taxCode taxRate favouredPolicy favouredPolicyName unit
    }
  }
`);

const SaveSettings = graphql(`
  mutation SettingsSaveInvoiceSettings($input: InvoiceSettingsInput!) {
    saveInvoiceSettings(input: $input) {
      settings { enabled hasAppSecret hasAccessToken }
      errors { field message code }
    }
  }
`);

const SaveFeeItem = graphql(`
  mutation SettingsSaveFeeItemTax($input: FeeItemTaxInput!) {
    saveFeeItemTax(input: $input) {
      feeItemTax { id configured }
      errors { field message code }
    }
  }
`);

type Settings = NonNullable<SettingsInvoiceQuery['invoiceSettings']>;
type FeeItem = SettingsInvoiceQuery['feeItemTaxes'][number];

const CATEGORY: Record<FeeItemCategory, readonly [string, string]> = { RESIDENTIAL: ['居民', 'Residential'], NON_RESIDENTIAL: ['非居民', 'Non-residential'] };
const SETTINGS_FIELDS = ['enabled', 'sellerTaxNo', 'sellerName', 'sellerAddressPhone', 'sellerBankAccount', 'drawer', 'appKey', 'appSecret', 'accessToken', 'policy'] as const;
const FEE_FIELDS = ['goodsName', 'taxCode', 'taxRate', 'favouredPolicy', 'unit'] as const;

function secretPlaceholder(t: T, set: boolean) {
  return set ? t('已设置；留空保持不变，填写则替换', 'Set; leave empty to keep it, type to replace it') : t('尚未设置', 'Not set yet');
}

function SecretFlag({ set, testId }: { set: boolean; testId: string }) {
  const t = useT();
  return set ? (
    <Tag color="green" data-testid={testId}>
      {t('已设置', 'Set')}
    </Tag>
  ) : (
    <Tag data-testid={testId}>{t('未设置', 'Not set')}</Tag>
  );
}

function SettingsForm({ settings, onSaved }: { settings: Settings | null; onSaved: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<InvoiceSettingsValues>();
  const save = useGraphQLMutation(SaveSettings);
  const [general, setGeneral] = useState<string[]>([]);
  const hasSecret = !!settings?.hasAppSecret;
  const hasToken = !!settings?.hasAccessToken;

  const submit = async (values: InvoiceSettingsValues) => {
    setGeneral([]);
    try {
      const res = (await save.mutateAsync({ input: invoiceSettingsInput(values) })).saveInvoiceSettings;
      if (res?.errors.length) {
        const mapped = fieldErrors(res.errors, SETTINGS_FIELDS);
        form.setFields(mapped.fields);
        setGeneral(mapped.general);
        return;
      }
      message.success(t('已保存', 'Saved'));
      form.resetFields(['appSecret', 'accessToken']);
      onSaved();
    } catch (err) {
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    }
  };

  return (
    <Form<InvoiceSettingsValues>
      form={form}
      layout="vertical"
      data-testid="invoice-settings-form"
      initialValues={{
        enabled: settings?.enabled ?? false,
        sellerTaxNo: settings?.sellerTaxNo ?? '',
        sellerName: settings?.sellerName ?? '',
        sellerAddressPhone: settings?.sellerAddressPhone ?? '',
        sellerBankAccount: settings?.sellerBankAccount ?? '',
        drawer: settings?.drawer ?? '',
        appKey: settings?.appKey ?? '',
        appSecret: '',
        accessToken: '',
        policy: settings?.policy ?? 'ON_REQUEST',
      }}
      onFinish={submit}
    >
      {general.length > 0 && <Alert type="error" showIcon message={general.join(' ')} style={{ marginBottom: 16 }} data-testid="invoice-settings-error" />}
      <Form.Item name="enabled" label={t('启用电子发票', 'E-invoices on')} valuePropName="checked" extra={t('关闭时不开具任何发票（已开的发票不受影响）。', 'Off: nothing is invoiced (issued invoices stay as they are).')}>
        <Switch data-testid="invoice-enabled" />
      </Form.Item>
      <Typography.Title level={5}>{t('销方信息', 'Seller')}</Typography.Title>
      <Row gutter={16}>
        <Col xs={24} md={12}>
          <Form.Item
            name="sellerName"
            label={t('销方名称', 'Seller name')}
            rules={[{ required: true, whitespace: true, message: t('请填写销方名称', 'Enter the seller name') }]}
          >
            <Input data-testid="invoice-seller-name" />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item
            name="sellerTaxNo"
            label={t('销方税号', 'Seller tax number')}
            normalize={(v: string) => v.toUpperCase()}
            rules={[
              { required: true, message: t('请填写销方税号', 'Enter the tax number') },
              { pattern: TAX_NO_RE, message: t('税号应为 15、18 或 20 位数字和大写字母', '15, 18 or 20 digits and capital letters') },
            ]}
          >
            <Input data-testid="invoice-seller-tax-no" />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item name="sellerAddressPhone" label={t('地址、电话', 'Address and phone')}>
            <Input />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item name="sellerBankAccount" label={t('开户行及账号', 'Bank and account')}>
            <Input />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item
            name="drawer"
            label={t('开票人', 'Drawer')}
            extra={t('其电子税务局登录用于开票；登录失效或需人脸认证时由此人处理。', 'Their tax bureau login issues the invoices; they redo it when it lapses.')}
            rules={[{ required: true, whitespace: true, message: t('请填写开票人', 'Enter the drawer') }]}
          >
            <Input data-testid="invoice-drawer" />
          </Form.Item>
        </Col>
        <Col xs={24} md={12}>
          <Form.Item name="policy" label={t('开票方式', 'When to invoice')}>
            <Radio.Group
              data-testid="invoice-policy"
              options={[
                { value: 'AUTOMATIC', label: t('支付后自动开票', 'Automatically after payment') },
                { value: 'ON_REQUEST', label: t('居民申请后开票', 'When the resident asks') },
              ]}
            />
          </Form.Item>
        </Col>
      </Row>
      <Typography.Title level={5}>{t('开票服务商：诺诺（诺税通）', 'Provider: Nuonuo')}</Typography.Title>
      <Row gutter={16}>
        <Col xs={24} md={8}>
          <Form.Item name="appKey" label={t('应用 AppKey', 'AppKey')} rules={[{ required: true, whitespace: true, message: t('请填写 AppKey', 'Enter the AppKey') }]}>
            <Input autoComplete="off" data-testid="invoice-app-key" />
          </Form.Item>
        </Col>
        <Col xs={24} md={8}>
          <Form.Item
            name="appSecret"
            label={
              <Space>
                {t('应用 AppSecret', 'AppSecret')}
                <SecretFlag set={hasSecret} testId="invoice-has-app-secret" />
              </Space>
            }
            rules={hasSecret ? [] : [{ required: true, message: t('请填写 AppSecret', 'Enter the AppSecret') }]}
          >
            <Input.Password placeholder={secretPlaceholder(t, hasSecret)} autoComplete="new-password" visibilityToggle={false} data-testid="invoice-app-secret" />
          </Form.Item>
        </Col>
        <Col xs={24} md={8}>
          <Form.Item
            name="accessToken"
            label={
              <Space>
                {t('授权令牌 accessToken', 'Access token')}
                <SecretFlag set={hasToken} testId="invoice-has-access-token" />
              </Space>
            }
            rules={hasToken ? [] : [{ required: true, message: t('请填写授权令牌', 'Enter the access token') }]}
          >
            <Input.Password placeholder={secretPlaceholder(t, hasToken)} autoComplete="new-password" visibilityToggle={false} data-testid="invoice-access-token" />
          </Form.Item>
        </Col>
      </Row>
      <Button type="primary" htmlType="submit" loading={save.isPending} data-testid="invoice-settings-save">
        {t('保存', 'Save')}
      </Button>
    </Form>
  );
}

function FeeItemRow({ item, onSaved }: { item: FeeItem; onSaved: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<FeeItemValues>();
  const save = useGraphQLMutation(SaveFeeItem);
  const [general, setGeneral] = useState<string[]>([]);
  const testId = `fee-item-${item.lineKind}-${item.category}`;
  const policies = [
    { value: '', label: t('无（征税）', 'None (taxed)') },
    { value: '03', label: t('03 免税', '03 Exempt') },
    { value: '04', label: t('04 不征税', '04 Not taxed') },
    // A code set elsewhere (01–18) stays choosable as it is.
    ...(item.favouredPolicy && !(ZERO_RATE_POLICIES as readonly string[]).includes(item.favouredPolicy)
      ? [{ value: item.favouredPolicy, label: `${item.favouredPolicy} ${item.favouredPolicyName ?? ''}` }]
      : []),
  ];

  const submit = async (values: FeeItemValues) => {
    setGeneral([]);
    const policyError = feeItemPolicyError(values);
    if (policyError) {
      form.setFields([{ name: 'favouredPolicy', errors: [t(...policyError)] }]);
      return;
    }
    try {
      const res = (
        await save.mutateAsync({
          input: {
            lineKind: item.lineKind,
            category: item.category,
            goodsName: (values.goodsName ?? '').trim(),
            taxCode: (values.taxCode ?? '').trim(),
            taxRate: values.taxRate ?? '',
            favouredPolicy: values.favouredPolicy ?? '',
            unit: (values.unit ?? '').trim(),
          },
        })
      ).saveFeeItemTax;
      if (res?.errors.length) {
        const mapped = fieldErrors(res.errors, FEE_FIELDS);
        form.setFields(mapped.fields);
        setGeneral(mapped.general);
        return;
      }
      message.success(t(`已保存：${item.lineKindLabel}·${CATEGORY[item.category][0]}`, `Saved: ${item.lineKindLabel} (${CATEGORY[item.category][1]})`));
      onSaved();
    } catch (err) {
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    }
  };

  return (
    <Form<FeeItemValues>
      form={form}
      data-testid={testId}
      initialValues={{
        goodsName: item.goodsName ?? '',
        taxCode: item.taxCode ?? '',
        taxRate: item.taxRate ?? undefined,
        favouredPolicy: item.favouredPolicy ?? '',
        unit: item.unit ?? '',
      }}
      onValuesChange={(changed: FeeItemValues) => {
        // 免税 / 不征税 carry rate 0: choosing one sets it.
        if (changed.favouredPolicy && (ZERO_RATE_POLICIES as readonly string[]).includes(changed.favouredPolicy)) form.setFieldsValue({ taxRate: '0' });
        if ('taxRate' in changed || 'favouredPolicy' in changed) form.setFields([{ name: 'favouredPolicy', errors: [] }]);
      }}
      onFinish={submit}
    >
      {general.length > 0 && <Alert type="error" showIcon message={general.join(' ')} style={{ marginBottom: 8 }} />}
      <Row gutter={8} wrap={false} align="top">
        <Col flex="140px" style={{ paddingTop: 5 }}>
          <Space direction="vertical" size={0}>
            <Typography.Text strong>{item.lineKindLabel}</Typography.Text>
            <Space size={4}>
              <Typography.Text type="secondary">{t(...CATEGORY[item.category])}</Typography.Text>
              {!item.configured && (
                <Tag color="orange" data-testid={`${testId}-unset`}>
                  {t('未设置', 'Not set')}
                </Tag>
              )}
            </Space>
          </Space>
        </Col>
        <Col flex="2">
          <Form.Item name="goodsName" rules={[{ required: true, whitespace: true, message: t('请填写商品名称', 'Enter the goods name') }]}>
            <Input placeholder={t('商品名称，如 供热费', 'Goods name')} data-testid={`${testId}-goods-name`} />
          </Form.Item>
        </Col>
        <Col flex="2">
          <Form.Item
            name="taxCode"
            rules={[
              { required: true, message: t('请填写税收分类编码', 'Enter the tax code') },
              { pattern: TAX_CODE_RE, message: t('税收分类编码应为 19 位数字', '19 digits') },
            ]}
          >
            <Input placeholder={t('税收分类编码（19 位）', 'Tax code (19 digits)')} inputMode="numeric" maxLength={19} data-testid={`${testId}-tax-code`} />
          </Form.Item>
        </Col>
        <Col flex="110px">
          <Form.Item name="taxRate" rules={[{ required: true, message: t('请选择税率', 'Choose a rate') }]}>
            <Select placeholder={t('税率', 'Rate')} options={TAX_RATES.map((r) => ({ value: r, label: formatTaxRate(r) }))} data-testid={`${testId}-tax-rate`} />
          </Form.Item>
        </Col>
        <Col flex="140px">
          <Form.Item name="favouredPolicy">
            <Select options={policies} data-testid={`${testId}-policy`} />
          </Form.Item>
        </Col>
        <Col flex="90px">
          <Form.Item name="unit">
            <Input placeholder={t('单位', 'Unit')} maxLength={10} />
          </Form.Item>
        </Col>
        <Col flex="72px">
          <Button htmlType="submit" loading={save.isPending} data-testid={`${testId}-save`}>
            {t('保存', 'Save')}
          </Button>
        </Col>
      </Row>
    </Form>
  );
}

export default function InvoiceTab() {
  const t = useT();
  const { data, error, isLoading, refetch } = useGraphQL(SettingsInvoice, {});
  if (error) return <Alert type="error" showIcon message={error.message} />;
  if (isLoading) return <Skeleton active />;
  const settings = data?.invoiceSettings ?? null;
  const items = data?.feeItemTaxes ?? [];
  const reload = () => void refetch();
  const unset = items.filter((i) => !i.configured).length;
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Card
        title={t('电子发票设置', 'E-invoice settings')}
        extra={settings?.enabled ? <Tag color="green">{t('已启用', 'On')}</Tag> : <Tag>{t('未启用', 'Off')}</Tag>}
      >
        <SettingsForm key={settings ? `s-${settings.updatedAt}` : 's-new'} settings={settings} onSaved={reload} />
      </Card>
      <Card title={t('收费项目开票设置', 'How each fee item is invoiced')} data-testid="fee-item-taxes">
        <Typography.Paragraph type="secondary">
          {t(
            '每个收费项目按用户类别设置商品名称、税收分类编码、税率和优惠政策（北方采暖地区居民供热通常为 03 免税）。未设置的项目开票会失败。',
            'Per fee item and house category: goods name, tax code, rate and exemption (residential heating in the north is usually 03 exempt). Invoices with an unset item fail.',
          )}
        </Typography.Paragraph>
        {unset > 0 && (
          <Alert type="warning" showIcon style={{ marginBottom: 16 }} message={t(`还有 ${unset} 项未设置`, `${unset} not set yet`)} data-testid="fee-item-unset-count" />
        )}
        {items.map((item) => (
          <FeeItemRow key={`${item.lineKind}-${item.category}-${item.id ?? 'new'}`} item={item} onSaved={reload} />
        ))}
      </Card>
    </Space>
  );
}
