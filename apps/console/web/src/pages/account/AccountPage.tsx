// My account: who I am, change my own password (the API returns a fresh token: every older one, this
// tab's included, stops working), sign out everywhere. Also the reference form for page authors:
// client rules on the fields, then the API's typed `errors { field message code }` put on the same fields.
import { App, Alert, Button, Card, Descriptions, Form, Input, Space } from 'antd';
import { useState } from 'react';
import { ApiError, fieldErrors } from '../../api/client';
import { useAuth } from '../../auth/AuthProvider';
import { useT } from '../../i18n';

interface Values {
  oldPassword: string;
  newPassword: string;
  confirm: string;
}

export function ChangePasswordForm() {
  const t = useT();
  const { api, adoptToken } = useAuth();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const [general, setGeneral] = useState<string[]>([]);

  const onFinish = async ({ oldPassword, newPassword }: Values) => {
    setBusy(true);
    setGeneral([]);
    try {
      const res = await api.changePassword(oldPassword, newPassword);
      if (res.token && res.expiresIn) {
        adoptToken(res.token, res.expiresIn);
        form.resetFields();
        message.success(t('密码已修改，其他设备上的登录已失效。', 'Password changed; other sign-ins have ended.'));
        return;
      }
      const mapped = fieldErrors(res.errors, ['oldPassword', 'newPassword']);
      form.setFields(mapped.fields);
      setGeneral(mapped.general);
    } catch (err) {
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Form form={form} layout="vertical" onFinish={onFinish} style={{ maxWidth: 420 }} data-testid="change-password-form">
      {general.length > 0 && <Alert type="error" showIcon message={general.join(' ')} style={{ marginBottom: 16 }} />}
      <Form.Item name="oldPassword" label={t('当前密码', 'Current password')} rules={[{ required: true, message: t('请输入当前密码', 'Enter your current password') }]}>
        <Input.Password autoComplete="current-password" />
      </Form.Item>
      <Form.Item
        name="newPassword"
        label={t('新密码', 'New password')}
        rules={[
          { required: true, message: t('请输入新密码', 'Enter a new password') },
          { min: 10, message: t('至少 10 个字符', 'At least 10 characters') },
        ]}
        hasFeedback
      >
        <Input.Password autoComplete="new-password" />
      </Form.Item>
      <Form.Item
        name="confirm"
        label={t('确认新密码', 'Confirm new password')}
        dependencies={['newPassword']}
        hasFeedback
        rules={[
          { required: true, message: t('请再次输入新密码', 'Repeat the new password') },
          ({ getFieldValue }) => ({
            validator: (_, value) =>
              !value || getFieldValue('newPassword') === value
                ? Promise.resolve()
                : Promise.reject(new Error(t('两次输入的密码不一致', 'The passwords do not match'))),
          }),
        ]}
      >
        <Input.Password autoComplete="new-password" />
      </Form.Item>
      <Button type="primary" htmlType="submit" loading={busy}>
        {t('修改密码', 'Change password')}
      </Button>
    </Form>
  );
}

export default function AccountPage() {
  const t = useT();
  const { me, signOut } = useAuth();
  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Card title={t('账号信息', 'Account')}>
        <Descriptions column={1}>
          <Descriptions.Item label={t('用户名', 'Username')}>{me?.username}</Descriptions.Item>
          <Descriptions.Item label={t('姓名', 'Name')}>{me?.displayName || '—'}</Descriptions.Item>
          <Descriptions.Item label={t('角色', 'Role')}>{me?.role}</Descriptions.Item>
        </Descriptions>
        <Button onClick={() => void signOut()}>{t('退出登录', 'Log out')}</Button>
      </Card>
      <Card title={t('修改密码', 'Change password')}>
        <ChangePasswordForm />
      </Card>
    </Space>
  );
}
