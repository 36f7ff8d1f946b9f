// @access op.settings
// The platform's own payment accounts (operators): the WeChat Pay service-provider merchant and the Alipay ISV
// app through which PARTNER / ISV companies are paid. Ids shown and editable; secrets write-only ("已设置",
// never shown; an empty field keeps the stored one); public keys are not read back, so a blank one is not sent.
import { Alert, App, Button, Card, Col, Form, Input, Row, Skeleton, Space, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { ApiError, fieldErrors } from '../../../api/client';
import { useGraphQL, useGraphQLMutation } from '../../../api/hooks';
import { graphql } from '../../../gql/platform';
import type { MerchantChannel, ServiceProviderInput, ServiceProviderPageAccountsQuery } from '../../../gql/platform/graphql';
import { useT, type T } from '../../../i18n';

const Accounts = graphql(`
  query ServiceProviderPageAccounts {
    serviceProviderAccounts {
      channel spMchid spAppid merchantSerialNo wechatpayPublicKeyId hasMerchantPrivateKey hasApiv3Key
      alipayAppId hasAlipayAppPrivateKey hasAlipayPublicKey updatedAt
    }
  }
`);

const Save = graphql(`
  mutation ServiceProviderPageSave($input: ServiceProviderInput!) {
    saveServiceProviderAccount(input: $input) {
      account { channel updatedAt }
      errors { field message code }
    }
  }
`);

type Account = NonNullable<ServiceProviderPageAccountsQuery['serviceProviderAccounts']>[number];
type Values = Omit<ServiceProviderInput, 'channel'>;

const SECRET_OR_KEY = ['merchantPrivateKey', 'apiv3Key', 'wechatpayPublicKey', 'alipayAppPrivateKey', 'alipayPublicKey'] as const;
const IDS: Record<MerchantChannel, readonly (keyof Values)[]> = {
  WECHAT: ['spMchid', 'spAppid', 'merchantSerialNo', 'wechatpayPublicKeyId'],
  ALIPAY: ['alipayAppId'],
};

/** Form values → ServiceProviderInput: ids as typed, secrets and public keys only when typed. */
export function serviceProviderInput(channel: MerchantChannel, values: Values): ServiceProviderInput {
  const out: ServiceProviderInput = { channel };
  for (const k of IDS[channel]) (out as Record<string, string>)[k] = String(values[k] ?? '').trim();
  for (const k of SECRET_OR_KEY) {
    const v = String(values[k] ?? '').trim();
    if (v) (out as Record<string, string>)[k] = v;
  }
  return out;
}

function Flag({ set }: { set: boolean }) {
  const t = useT();
  return set ? <Tag color="green">{t('已设置', 'Set')}</Tag> : <Tag>{t('未设置', 'Not set')}</Tag>;
}

function keepPlaceholder(t: T, set: boolean) {
  return set ? t('已设置；留空保持不变，填写则替换', 'Set; leave empty to keep it, type to replace it') : t('尚未设置', 'Not set yet');
}

function AccountForm({ channel, account, onSaved }: { channel: MerchantChannel; account: Account | undefined; onSaved: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const save = useGraphQLMutation(Save);
  const [general, setGeneral] = useState<string[]>([]);
  const wechat = channel === 'WECHAT';

  const onFinish = async (values: Values) => {
    setGeneral([]);
    try {
      const res = (await save.mutateAsync({ input: serviceProviderInput(channel, values) })).saveServiceProviderAccount;
      if (res?.errors.length) {
        const mapped = fieldErrors(res.errors, Object.keys(form.getFieldsValue()));
        form.setFields(mapped.fields as Parameters<typeof form.setFields>[0]);
        setGeneral(mapped.general);
        return;
      }
      message.success(t('已保存', 'Saved'));
      form.resetFields([...SECRET_OR_KEY]);
      onSaved();
    } catch (err) {
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    }
  };

  return (
    <Form<Values>
      form={form}
      layout="vertical"
      data-testid={`sp-form-${channel.toLowerCase()}`}
      initialValues={{
        spMchid: account?.spMchid ?? '',
        spAppid: account?.spAppid ?? '',
        merchantSerialNo: account?.merchantSerialNo ?? '',
        wechatpayPublicKeyId: account?.wechatpayPublicKeyId ?? '',
        alipayAppId: account?.alipayAppId ?? '',
      }}
      onFinish={onFinish}
    >
      {general.length > 0 && <Alert type="error" showIcon message={general.join(' ')} style={{ marginBottom: 16 }} />}
      {wechat ? (
        <>
          <Row gutter={16}>
            <Col span={12}>
              <Form.Item name="spMchid" label={t('服务商商户号', 'Service-provider merchant id')} rules={[{ required: true, message: t('请填写商户号', 'Enter the merchant id') }, { pattern: /^\d{8,10}$/, message: t('8 到 10 位数字', '8 to 10 digits') }]}>
                <Input />
              </Form.Item>
            </Col>
            <Col span={12}>
              <Form.Item name="spAppid" label={t('服务商 AppID', 'Service-provider AppID')} rules={[{ required: true, message: t('请填写 AppID', 'Enter the AppID') }, { pattern: /^wx[0-9a-f]{16}$/, message: t('wx 加 16 位十六进制字符', 'wx + 16 hex characters') }]}>
                <Input />
              </Form.Item>
            </Col>
          </Row>
          <Form.Item name="merchantSerialNo" label={t('商户证书序列号', 'Merchant certificate serial no.')} rules={[{ required: true, message: t('请填写证书序列号', 'Enter the serial number') }, { pattern: /^[0-9A-Fa-f]{40}$/, message: t('40 位十六进制字符', '40 hex characters') }]}>
            <Input />
          </Form.Item>
          <Form.Item
            name="merchantPrivateKey"
            label={<Space>{t('商户私钥', 'Merchant private key')}<Flag set={!!account?.hasMerchantPrivateKey} /></Space>}
            rules={account?.hasMerchantPrivateKey ? [] : [{ required: true, message: t('请粘贴商户私钥', 'Paste the private key') }]}
          >
            <Input.TextArea rows={3} spellCheck={false} autoComplete="off" placeholder={keepPlaceholder(t, !!account?.hasMerchantPrivateKey)} />
          </Form.Item>
          <Form.Item
            name="apiv3Key"
            label={<Space>{t('APIv3 密钥', 'APIv3 key')}<Flag set={!!account?.hasApiv3Key} /></Space>}
            rules={[...(account?.hasApiv3Key ? [] : [{ required: true, message: t('请填写 APIv3 密钥', 'Enter the APIv3 key') }]), { len: 32, message: t('32 个字符', '32 characters') }]}
          >
            <Input.Password visibilityToggle={false} autoComplete="new-password" placeholder={keepPlaceholder(t, !!account?.hasApiv3Key)} />
          </Form.Item>
          <Form.Item name="wechatpayPublicKeyId" label={t('微信支付公钥 ID', 'WeChat Pay public key id')} rules={[{ pattern: /^PUB_KEY_ID_\d+$/, message: t('PUB_KEY_ID_ 加数字', 'PUB_KEY_ID_ + digits') }]}>
            <Input />
          </Form.Item>
          <Form.Item name="wechatpayPublicKey" label={t('微信支付公钥', 'WeChat Pay public key')} extra={t('已保存的公钥不回显；留空保持不变。', 'A stored key is not shown; leave empty to keep it.')}>
            <Input.TextArea rows={2} spellCheck={false} />
          </Form.Item>
        </>
      ) : (
        <>
          <Form.Item name="alipayAppId" label={t('ISV 应用 AppID', 'ISV app id')} rules={[{ required: true, message: t('请填写 AppID', 'Enter the app id') }, { pattern: /^\d{16}$/, message: t('16 位数字', '16 digits') }]}>
            <Input />
          </Form.Item>
          <Form.Item
            name="alipayAppPrivateKey"
            label={<Space>{t('应用私钥', 'App private key')}<Flag set={!!account?.hasAlipayAppPrivateKey} /></Space>}
            rules={account?.hasAlipayAppPrivateKey ? [] : [{ required: true, message: t('请粘贴应用私钥', 'Paste the app private key') }]}
          >
            <Input.TextArea rows={3} spellCheck={false} autoComplete="off" placeholder={keepPlaceholder(t, !!account?.hasAlipayAppPrivateKey)} />
          </Form.Item>
          <Form.Item
            name="alipayPublicKey"
            label={<Space>{t('支付宝公钥', 'Alipay public key')}<Flag set={!!account?.hasAlipayPublicKey} /></Space>}
            rules={account?.hasAlipayPublicKey ? [] : [{ required: true, message: t('请粘贴支付宝公钥', 'Paste the Alipay public key') }]}
          >
            <Input.TextArea rows={2} spellCheck={false} placeholder={keepPlaceholder(t, !!account?.hasAlipayPublicKey)} />
          </Form.Item>
        </>
      )}
      <Space>
        <Button type="primary" htmlType="submit" loading={save.isPending} data-testid={`sp-save-${channel.toLowerCase()}`}>
          {t('保存', 'Save')}
        </Button>
        {account && (
          <Typography.Text type="secondary">
            {t('更新于', 'Updated')} {dayjs(account.updatedAt).format('YYYY-MM-DD HH:mm')}
          </Typography.Text>
        )}
      </Space>
    </Form>
  );
}

export default function ServiceProviderPage() {
  const t = useT();
  const { data, error, isLoading, refetch } = useGraphQL(Accounts, {});
  if (error) return <Alert type="error" showIcon message={error.message} />;
  if (isLoading) return <Skeleton active />;
  const list = data?.serviceProviderAccounts ?? [];
  const wechat = list.find((a) => a.channel === 'WECHAT');
  const alipay = list.find((a) => a.channel === 'ALIPAY');
  const reload = () => void refetch();
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Alert
        type="info"
        showIcon
        message={t(
          '服务商模式（微信子商户、支付宝 ISV）的供热公司通过以下平台账户收款；修改后立即对这些公司生效，并记入平台操作日志（只记字段名）。',
          'Companies in partner (WeChat sub-merchant) or ISV (Alipay) mode are paid through these platform accounts; a change applies to them at once and is recorded in the platform log (field names only).',
        )}
      />
      <Row gutter={16}>
        <Col xs={24} xl={12}>
          <Card title={t('微信支付服务商', 'WeChat Pay service provider')}>
            <AccountForm key={wechat?.updatedAt ?? 'new'} channel="WECHAT" account={wechat} onSaved={reload} />
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          <Card title={t('支付宝 ISV 应用', 'Alipay ISV app')}>
            <AccountForm key={alipay?.updatedAt ?? 'new'} channel="ALIPAY" account={alipay} onSaved={reload} />
          </Card>
        </Col>
      </Row>
    </Space>
  );
}
