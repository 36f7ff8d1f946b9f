import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { ApiError, fieldErrors } from '../../api/client';
import { useAuth } from '../../auth/AuthProvider';
import { useBootstrap } from '../../context';
import { useLang, useT } from '../../i18n';

interface Values {
  username: string;
  password: string;
}

export function LoginPage() {
  const t = useT();
  const { lang, setLang } = useLang();
  const boot = useBootstrap();
  const { signIn, ended } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const onFinish = async (values: Values) => {
    setBusy(true);
    setError(null);
    try {
      const res = await signIn(values.username.trim(), values.password);
      if (res.token) {
        const from = (location.state as { from?: string } | null)?.from;
        navigate(from && from !== '/login' ? from : '/', { replace: true });
        return;
      }
      const { fields, general } = fieldErrors(res.errors, ['username', 'password']);
      form.setFields(fields);
      const wait = res.errors.find((e) => e.retryAfter)?.retryAfter;
      setError(
        [...general, wait ? t(`请在 ${wait} 秒后再试。`, `Try again in ${wait} s.`) : '']
          .filter(Boolean)
          .join(' ') || null,
      );
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const heading =
    boot.kind === 'platform' ? t('暖云平台运营控制台', 'HeatCloud operator console') : `${boot.tenant?.name ?? ''} · ${t('员工登录', 'Staff sign-in')}`;

  return (
    <div style={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', background: '#f0f2f5' }}>
      <Card style={{ width: 380 }}>
        <Typography.Title level={3} style={{ textAlign: 'center' }} data-testid="login-heading">
          {heading}
        </Typography.Title>
        {ended === 'expired' && (
          <Alert type="warning" showIcon style={{ marginBottom: 16 }} message={t('登录已过期，请重新登录。', 'Your session expired; please sign in again.')} data-testid="session-expired" />
        )}
        {error && <Alert type="error" showIcon style={{ marginBottom: 16 }} message={error} data-testid="login-error" />}
        <Form form={form} layout="vertical" onFinish={onFinish} requiredMark={false}>
          <Form.Item name="username" label={t('用户名', 'Username')} rules={[{ required: true, whitespace: true, message: t('请输入用户名', 'Enter your username') }]}>
            <Input prefix={<UserOutlined />} autoComplete="username" autoFocus data-testid="login-username" />
          </Form.Item>
          <Form.Item name="password" label={t('密码', 'Password')} rules={[{ required: true, message: t('请输入密码', 'Enter your password') }]}>
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" data-testid="login-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy} data-testid="login-submit">
            {t('登录', 'Sign in')}
          </Button>
        </Form>
        <Button type="link" block style={{ marginTop: 8 }} onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}>
          {lang === 'zh' ? 'English' : '中文'}
        </Button>
      </Card>
    </div>
  );
}
