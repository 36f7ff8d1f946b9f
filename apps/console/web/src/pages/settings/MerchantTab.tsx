// @access settings
// Merchant accounts for online payments (WeChat Pay, Alipay): ids shown and editable, secrets write-only
// (the form says "已设置" and never shows one; left empty keeps the stored one), and a connection test that
// signs one harmless call and shows its result.
import { CheckCircleTwoTone, CloseCircleTwoTone } from '@ant-design/icons';
import { Alert, App, Button, Card, Col, Descriptions, Form, Input, Radio, Row, Skeleton, Space, Switch, Tag, Typography, type FormInstance } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { ApiError, fieldErrors } from '../../api/client';
import { useGraphQL, useGraphQLMutation } from '../../api/hooks';
import { graphql } from '../../gql/tenant';
import type { MerchantChannel, SettingsMerchantAccountsQuery } from '../../gql/tenant/graphql';
import { useT, type T } from '../../i18n';
import { MODE_LABELS } from './labels';
import {
  ALIPAY_APP_ID_RE,
  alipayInput,
  MCHID_RE,
  PUBLIC_KEY_ID_RE,
  SELLER_ID_RE,
  SERIAL_RE,
  WX_APPID_RE,
  wechatInput,
  type AlipayValues,
  type WechatValues,
} from './merchant';

const Accounts = graphql(`
  query SettingsMerchantAccounts {
    merchantAccounts {
      channel mode isActive mchid appid merchantSerialNo wechatpayPublicKeyId subMchid subAppid
      platformCertificates { serialNo expireTime }
      alipayAppId alipaySellerId
      hasMerchantPrivateKey hasApiv3Key hasAlipayAppPrivateKey hasAlipayAppAuthToken
      lastTestAt lastTestOk lastTestMessage
    }
  }
`);

const SaveWechat = graphql(`
  mutation SettingsSaveWechatMerchant($input: WechatMerchantInput!) {
    saveWechatMerchant(input: $input) { account { channel } errors { field message code } }
  }
`);

const SaveAlipay = graphql(`
  mutation SettingsSaveAlipayMerchant($input: AlipayMerchantInput!) {
    saveAlipayMerchant(input: $input) { account { channel } errors { field message code } }
  }
`);

const TestConnection = graphql(`
  mutation SettingsTestMerchantConnection($channel: MerchantChannel!) {
    testMerchantConnection(channel: $channel) {
      account { channel lastTestAt lastTestOk lastTestMessage }
      errors { field message code }
    }
  }
`);

type Account = NonNullable<SettingsMerchantAccountsQuery['merchantAccounts']>[number];


/** "已设置" / "未设置" for a write-only secret. */
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

function secretPlaceholder(t: T, set: boolean) {
  return set ? t('已设置；留空保持不变，填写则替换', 'Set; leave empty to keep it, type to replace it') : t('尚未设置', 'Not set yet');
}

function pattern(re: RegExp, message: string) {
  return { pattern: re, message };
}

function TestResult({ account }: { account: Account | undefined }) {
  const t = useT();
  if (!account?.lastTestAt) return <Typography.Text type="secondary">{t('尚未测试连接', 'Connection not tested yet')}</Typography.Text>;
  return (
    <Space data-testid={`merchant-test-result-${account.channel.toLowerCase()}`}>
      {account.lastTestOk ? <CheckCircleTwoTone twoToneColor="#52c41a" /> : <CloseCircleTwoTone twoToneColor="#ff4d4f" />}
      <span>{account.lastTestMessage}</span>
      <Typography.Text type="secondary">{dayjs(account.lastTestAt).format('YYYY-MM-DD HH:mm:ss')}</Typography.Text>
    </Space>
  );
}

function useSave() {
  const { message } = App.useApp();
  const t = useT();
  const [general, setGeneral] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const save = async (form: FormInstance, call: () => Promise<{ errors: readonly { field: string | null; message: string; code: string }[] } | null | undefined>, onSaved: () => void) => {
    setBusy(true);
    setGeneral([]);
    try {
      const res = await call();
      if (res?.errors.length) {
        // Errors on the fields this mode shows go under them; the rest (another mode's field) above the form.
        const mapped = fieldErrors(res.errors, Object.keys(form.getFieldsValue()));
        form.setFields(mapped.fields);
        setGeneral(mapped.general);
        return;
      }
      message.success(t('已保存；建议测试连接', 'Saved; test the connection next'));
      form.resetFields(['merchantPrivateKey', 'apiv3Key', 'wechatpayPublicKey', 'alipayAppPrivateKey', 'alipayPublicKey', 'alipayAppAuthToken']);
      onSaved();
    } catch (err) {
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    } finally {
      setBusy(false);
    }
  };
  return { general, busy, save };
}

function ConnectionTest({ channel, account, onDone }: { channel: MerchantChannel; account: Account | undefined; onDone: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const test = useGraphQLMutation(TestConnection);
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space>
        <Button
          disabled={!account}
          loading={test.isPending}
          data-testid={`merchant-test-${channel.toLowerCase()}`}
          onClick={async () => {
            try {
              const res = (await test.mutateAsync({ channel })).testMerchantConnection;
              if (res?.errors.length) message.error(res.errors.map((e) => e.message).join(' '));
            } catch (err) {
              message.error(err instanceof ApiError ? err.message : String(err));
            }
            onDone();
          }}
        >
          {t('测试连接', 'Test connection')}
        </Button>
        {!account && <Typography.Text type="secondary">{t('保存后可测试', 'Save first, then test')}</Typography.Text>}
      </Space>
      <TestResult account={account} />
    </Space>
  );
}

function WechatForm({ account, onSaved }: { account: Account | undefined; onSaved: () => void }) {
  const t = useT();
  const [form] = Form.useForm<WechatValues>();
  const mode = Form.useWatch('mode', form) ?? account?.mode ?? 'DIRECT';
  const save = useGraphQLMutation(SaveWechat);
  const { general, busy, save: submit } = useSave();
  const hasKey = !!account?.hasMerchantPrivateKey;
  const hasApiv3 = !!account?.hasApiv3Key;
  return (
    <Form<WechatValues>
      form={form}
      layout="vertical"
      data-testid="wechat-merchant-form"
      initialValues={{
        mode: account?.mode ?? 'DIRECT',
        isActive: account?.isActive ?? true,
        mchid: account?.mchid ?? '',
        appid: account?.appid ?? '',
        merchantSerialNo: account?.merchantSerialNo ?? '',
        wechatpayPublicKeyId: account?.wechatpayPublicKeyId ?? '',
        subMchid: account?.subMchid ?? '',
        subAppid: account?.subAppid ?? '',
      }}
      onFinish={(v) => submit(form, async () => (await save.mutateAsync({ input: wechatInput(v) })).saveWechatMerchant, onSaved)}
    >
      {general.length > 0 && <Alert type="error" showIcon message={general.join(' ')} style={{ marginBottom: 16 }} />}
      <Form.Item name="mode" label={t('接入模式', 'Mode')}>
        <Radio.Group
          options={(['DIRECT', 'PARTNER'] as const).map((m) => ({ value: m, label: t(...MODE_LABELS[m]) }))}
          optionType="button"
        />
      </Form.Item>
      <Form.Item name="isActive" label={t('用于新订单', 'Use for new orders')} valuePropName="checked">
        <Switch />
      </Form.Item>
      {mode === 'PARTNER' ? (
        <>
          <Alert type="info" showIcon style={{ marginBottom: 16 }} message={t('通过平台的微信支付服务商收款，只需填写本公司的子商户号。', "Paid through the platform's WeChat Pay service provider: only your sub-merchant id is needed.")} />
          <Form.Item name="subMchid" label={t('子商户号', 'Sub-merchant id')} rules={[{ required: true, message: t('请填写子商户号', 'Enter the sub-merchant id') }, pattern(MCHID_RE, t('子商户号应为 8 到 10 位数字', '8 to 10 digits'))]}>
            <Input />
          </Form.Item>
          <Form.Item name="appid" label={t('小程序 AppID', 'Mini-program AppID')} rules={[pattern(WX_APPID_RE, t('AppID 应为 wx 加 16 位十六进制字符', 'wx + 16 hex characters'))]}>
            <Input />
          </Form.Item>
          <Form.Item name="subAppid" label={t('子商户 AppID（可选）', 'Sub-merchant AppID (optional)')} rules={[pattern(WX_APPID_RE, t('AppID 应为 wx 加 16 位十六进制字符', 'wx + 16 hex characters'))]}>
            <Input />
          </Form.Item>
        </>
      ) : (
        <>
          <Row gutter={16}>
            <Col span={12}>
              <Form.Item name="mchid" label={t('商户号', 'Merchant id')} rules={[{ required: true, message: t('请填写商户号', 'Enter the merchant id') }, pattern(MCHID_RE, t('商户号应为 8 到 10 位数字', '8 to 10 digits'))]}>
                <Input data-testid="wechat-mchid" />
              </Form.Item>
            </Col>
            <Col span={12}>
              <Form.Item name="appid" label={t('小程序 AppID', 'Mini-program AppID')} rules={[{ required: true, message: t('请填写 AppID', 'Enter the AppID') }, pattern(WX_APPID_RE, t('AppID 应为 wx 加 16 位十六进制字符', 'wx + 16 hex characters'))]}>
                <Input />
              </Form.Item>
            </Col>
          </Row>
          <Form.Item name="merchantSerialNo" label={t('商户证书序列号', 'Merchant certificate serial no.')} rules={[{ required: true, message: t('请填写证书序列号', 'Enter the serial number') }, pattern(SERIAL_RE, t('应为 40 位十六进制字符', '40 hex characters'))]}>
            <Input />
          </Form.Item>
          <Form.Item
            name="merchantPrivateKey"
            label={<Space>{t('商户私钥（apiclient_key.pem）', 'Merchant private key (apiclient_key.pem)')}<SecretFlag set={hasKey} testId="wechat-has-private-key" /></Space>}
            rules={hasKey ? [] : [{ required: true, message: t('请粘贴商户私钥', 'Paste the private key') }]}
          >
            <Input.TextArea rows={3} placeholder={secretPlaceholder(t, hasKey)} autoComplete="off" spellCheck={false} data-testid="wechat-private-key" />
          </Form.Item>
          <Form.Item
            name="apiv3Key"
            label={<Space>{t('APIv3 密钥', 'APIv3 key')}<SecretFlag set={hasApiv3} testId="wechat-has-apiv3-key" /></Space>}
            rules={[...(hasApiv3 ? [] : [{ required: true, message: t('请填写 APIv3 密钥', 'Enter the APIv3 key') }]), { len: 32, message: t('APIv3 密钥应为 32 个字符', '32 characters') }]}
          >
            <Input.Password placeholder={secretPlaceholder(t, hasApiv3)} autoComplete="new-password" visibilityToggle={false} />
          </Form.Item>
          <Form.Item name="wechatpayPublicKeyId" label={t('微信支付公钥 ID', 'WeChat Pay public key id')} rules={[pattern(PUBLIC_KEY_ID_RE, t('应为 PUB_KEY_ID_ 加数字', 'PUB_KEY_ID_ + digits'))]}>
            <Input />
          </Form.Item>
          <Form.Item name="wechatpayPublicKey" label={t('微信支付公钥', 'WeChat Pay public key')} extra={t('已保存的公钥不回显；留空保持不变。', 'A stored key is not shown; leave empty to keep it.')}>
            <Input.TextArea rows={2} spellCheck={false} />
          </Form.Item>
          {!!account?.platformCertificates.length && (
            <Descriptions size="small" column={1} style={{ marginBottom: 16 }}>
              {account.platformCertificates.map((c) => (
                <Descriptions.Item key={c.serialNo} label={t('平台证书', 'Platform certificate')}>
                  {c.serialNo} {c.expireTime ? `(${t('到期', 'expires')} ${c.expireTime})` : ''}
                </Descriptions.Item>
              ))}
            </Descriptions>
          )}
        </>
      )}
      <Button type="primary" htmlType="submit" loading={busy} data-testid="wechat-save">
        {t('保存', 'Save')}
      </Button>
    </Form>
  );
}

function AlipayForm({ account, onSaved }: { account: Account | undefined; onSaved: () => void }) {
  const t = useT();
  const [form] = Form.useForm<AlipayValues>();
  const mode = Form.useWatch('mode', form) ?? account?.mode ?? 'DIRECT';
  const save = useGraphQLMutation(SaveAlipay);
  const { general, busy, save: submit } = useSave();
  const hasKey = !!account?.hasAlipayAppPrivateKey;
  const hasToken = !!account?.hasAlipayAppAuthToken;
  return (
    <Form<AlipayValues>
      form={form}
      layout="vertical"
      data-testid="alipay-merchant-form"
      initialValues={{
        mode: account?.mode ?? 'DIRECT',
        isActive: account?.isActive ?? true,
        alipayAppId: account?.alipayAppId ?? '',
        alipaySellerId: account?.alipaySellerId ?? '',
      }}
      onFinish={(v) => submit(form, async () => (await save.mutateAsync({ input: alipayInput(v) })).saveAlipayMerchant, onSaved)}
    >
      {general.length > 0 && <Alert type="error" showIcon message={general.join(' ')} style={{ marginBottom: 16 }} />}
      <Form.Item name="mode" label={t('接入模式', 'Mode')}>
        <Radio.Group options={(['DIRECT', 'ISV'] as const).map((m) => ({ value: m, label: t(...MODE_LABELS[m]) }))} optionType="button" />
      </Form.Item>
      <Form.Item name="isActive" label={t('用于新订单', 'Use for new orders')} valuePropName="checked">
        <Switch />
      </Form.Item>
      <Row gutter={16}>
        <Col span={12}>
          <Form.Item
            name="alipayAppId"
            label={mode === 'ISV' ? t('本公司应用 AppID（可选）', 'Your own app id (optional)') : t('应用 AppID', 'App id')}
            rules={[...(mode === 'ISV' ? [] : [{ required: true, message: t('请填写 AppID', 'Enter the app id') }]), pattern(ALIPAY_APP_ID_RE, t('应为 16 位数字', '16 digits'))]}
          >
            <Input />
          </Form.Item>
        </Col>
        <Col span={12}>
          <Form.Item name="alipaySellerId" label={t('商户 PID', 'Seller id (PID)')} rules={[pattern(SELLER_ID_RE, t('应为 2088 开头的 16 位数字', '16 digits starting with 2088'))]}>
            <Input />
          </Form.Item>
        </Col>
      </Row>
      {mode === 'ISV' ? (
        <Form.Item
          name="alipayAppAuthToken"
          label={<Space>{t('商户授权令牌 app_auth_token', 'App auth token')}<SecretFlag set={hasToken} testId="alipay-has-auth-token" /></Space>}
          rules={hasToken ? [] : [{ required: true, message: t('服务商模式需要授权令牌', 'ISV mode needs the token') }]}
        >
          <Input.Password placeholder={secretPlaceholder(t, hasToken)} autoComplete="new-password" visibilityToggle={false} />
        </Form.Item>
      ) : (
        <>
          <Form.Item
            name="alipayAppPrivateKey"
            label={<Space>{t('应用私钥', 'App private key')}<SecretFlag set={hasKey} testId="alipay-has-private-key" /></Space>}
            rules={hasKey ? [] : [{ required: true, message: t('请粘贴应用私钥', 'Paste the app private key') }]}
          >
            <Input.TextArea rows={3} placeholder={secretPlaceholder(t, hasKey)} autoComplete="off" spellCheck={false} />
          </Form.Item>
          <Form.Item name="alipayPublicKey" label={t('支付宝公钥', 'Alipay public key')} extra={t('已保存的公钥不回显；留空保持不变。', 'A stored key is not shown; leave empty to keep it.')}>
            <Input.TextArea rows={2} spellCheck={false} />
          </Form.Item>
        </>
      )}
      <Button type="primary" htmlType="submit" loading={busy}>
        {t('保存', 'Save')}
      </Button>
    </Form>
  );
}

export default function MerchantTab() {
  const t = useT();
  const { data, error, isLoading, refetch } = useGraphQL(Accounts, {});
  if (error) return <Alert type="error" showIcon message={error.message} />;
  if (isLoading) return <Skeleton active />;
  const accounts = data?.merchantAccounts ?? [];
  const wechat = accounts.find((a) => a.channel === 'WECHAT');
  const alipay = accounts.find((a) => a.channel === 'ALIPAY');
  const reload = () => void refetch();
  return (
    <Row gutter={16}>
      <Col xs={24} xl={12}>
        <Card title={t('微信支付', 'WeChat Pay')} extra={wechat ? <Tag color={wechat.isActive ? 'green' : 'default'}>{t(...MODE_LABELS[wechat.mode])}</Tag> : <Tag>{t('未配置', 'Not configured')}</Tag>}>
          <ConnectionTest channel="WECHAT" account={wechat} onDone={reload} />
          <div style={{ height: 16 }} />
          <WechatForm key={wechat ? `w-${wechat.mode}-${wechat.mchid}-${wechat.hasMerchantPrivateKey}` : 'w-new'} account={wechat} onSaved={reload} />
        </Card>
      </Col>
      <Col xs={24} xl={12}>
        <Card title={t('支付宝', 'Alipay')} extra={alipay ? <Tag color={alipay.isActive ? 'green' : 'default'}>{t(...MODE_LABELS[alipay.mode])}</Tag> : <Tag>{t('未配置', 'Not configured')}</Tag>}>
          <ConnectionTest channel="ALIPAY" account={alipay} onDone={reload} />
          <div style={{ height: 16 }} />
          <AlipayForm key={alipay ? `a-${alipay.mode}-${alipay.alipayAppId}-${alipay.hasAlipayAppPrivateKey}` : 'a-new'} account={alipay} onSaved={reload} />
        </Card>
      </Col>
    </Row>
  );
}
