// @access settings
// The mini-program's branding: display name, logo (sent base64 through updateBranding, the API's only upload
// path for it), theme colour with its contrast against white text shown as the admin types, service phone,
// AppID and the write-only AppSecret; beside it a live preview of the mini-program's home screen.
import { UploadOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Col, ColorPicker, Form, Input, Row, Skeleton, Space, Tag, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { ApiError, fieldErrors } from '../../api/client';
import { useGraphQL, useGraphQLMutation } from '../../api/hooks';
import { graphql } from '../../gql/tenant';
import type { SettingsBrandingQuery } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import {
  APP_ID_RE,
  APP_SECRET_RE,
  brandingChanges,
  checkLogo,
  contrastWithWhite,
  DEFAULT_THEME,
  isHexColor,
  MAX_DISPLAY_NAME,
  MIN_CONTRAST,
  validServicePhone,
  type BrandingValues,
} from './branding';
import { PART_LABELS } from './labels';
import { MiniProgramPreview } from './MiniProgramPreview';

const Branding = graphql(`
  query SettingsBranding {
    branding { displayName logoUrl themeColor servicePhone appId apiBaseUrl complete missing }
  }
`);

const UpdateBranding = graphql(`
  mutation SettingsUpdateBranding($input: BrandingInput!) {
    updateBranding(input: $input) {
      branding { displayName logoUrl themeColor servicePhone appId complete missing }
      errors { field message code }
    }
  }
`);

type Saved = SettingsBrandingQuery['branding'];
const FIELDS = ['displayName', 'logoBase64', 'themeColor', 'servicePhone', 'appId', 'appSecret'] as const;

/** The contrast of white text on the colour, as the admin types it. */
export function ContrastBadge({ color }: { color: string }) {
  const t = useT();
  const ratio = contrastWithWhite(color);
  if (ratio === null) return <Tag data-testid="contrast-ratio">{t('格式：#RRGGBB', 'Format: #RRGGBB')}</Tag>;
  const text = `${ratio.toFixed(2)}:1`;
  const level =
    ratio >= 4.5
      ? { color: 'green', label: t('清晰（AA 正文）', 'Clear (AA, body text)') }
      : ratio >= MIN_CONTRAST
        ? { color: 'gold', label: t('合格（AA 大字/导航栏）', 'Passes (AA, large text / navigation bar)') }
        : { color: 'red', label: t('太浅：白色文字看不清', 'Too light: white text is hard to read') };
  return (
    <Space size={4} data-testid="contrast-ratio" data-ratio={ratio.toFixed(2)} data-pass={ratio >= MIN_CONTRAST ? 'yes' : 'no'}>
      <span style={{ background: color, color: '#fff', padding: '0 8px', borderRadius: 4, fontWeight: 600 }}>{t('白字', 'White')} Aa</span>
      <Tag color={level.color}>
        {t('对比度', 'Contrast')} {text} · {level.label}
      </Tag>
    </Space>
  );
}

function readDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

function imageSize(url: string): Promise<{ width: number; height: number }> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve({ width: img.naturalWidth, height: img.naturalHeight });
    img.onerror = () => reject(new Error('not an image'));
    img.src = url;
  });
}

function BrandingForm({ saved, onSaved }: { saved: Saved; onSaved: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<BrandingValues>();
  const save = useGraphQLMutation(UpdateBranding);
  const [general, setGeneral] = useState<string[]>([]);
  const [logo, setLogo] = useState<{ dataUrl: string; name: string } | null>(null);
  const [logoError, setLogoError] = useState<string | null>(null);
  const live = Form.useWatch([], form) as Partial<BrandingValues> | undefined;
  const color = (live?.themeColor ?? saved.themeColor ?? '').trim();
  const appSecretSet = !saved.missing.includes('APP_SECRET');

  const pickLogo = async (file: File | undefined) => {
    setLogoError(null);
    if (!file) return;
    try {
      const dataUrl = await readDataUrl(file);
      const { width, height } = await imageSize(dataUrl);
      const check = checkLogo(file, width, height);
      if (!check.ok) {
        setLogoError(t(...check.problem!));
        return;
      }
      setLogo({ dataUrl, name: file.name });
    } catch {
      setLogoError(t('无法读取该图片', 'This image cannot be read'));
    }
  };

  const onFinish = async (values: BrandingValues) => {
    setGeneral([]);
    const input = brandingChanges(saved, values, logo?.dataUrl ?? null);
    if (!Object.keys(input).length) {
      message.info(t('没有需要保存的修改', 'Nothing changed'));
      return;
    }
    try {
      const res = (await save.mutateAsync({ input })).updateBranding;
      if (res?.errors.length) {
        const mapped = fieldErrors(res.errors, FIELDS);
        form.setFields(mapped.fields.filter((f) => f.name !== 'logoBase64') as Parameters<typeof form.setFields>[0]);
        const logoErrors = mapped.fields.find((f) => f.name === 'logoBase64');
        if (logoErrors) setLogoError(logoErrors.errors.join(' '));
        setGeneral(mapped.general);
        return;
      }
      message.success(t('品牌设置已保存', 'Branding saved'));
      setLogo(null);
      form.setFieldValue('appSecret', '');
      onSaved();
    } catch (err) {
      setGeneral([err instanceof ApiError ? err.message : String(err)]);
    }
  };

  return (
    <Row gutter={24}>
      <Col xs={24} xl={14}>
        <Form<BrandingValues>
          form={form}
          layout="vertical"
          data-testid="branding-form"
          initialValues={{ displayName: saved.displayName, themeColor: saved.themeColor, servicePhone: saved.servicePhone, appId: saved.appId, appSecret: '' }}
          onFinish={onFinish}
        >
          {general.length > 0 && <Alert type="error" showIcon message={general.join(' ')} style={{ marginBottom: 16 }} />}
          {!saved.complete && (
            <Alert
              type="warning"
              showIcon
              style={{ marginBottom: 16 }}
              data-testid="branding-missing"
              message={t('构建小程序前还需填写：', 'Still needed before a build: ') + saved.missing.map((p) => t(...PART_LABELS[p])).join(t('、', ', '))}
            />
          )}
          <Form.Item
            name="displayName"
            label={t('显示名称（导航栏）', 'Display name (navigation bar)')}
            rules={[
              { required: true, whitespace: true, message: t('请填写显示名称', 'Enter a display name') },
              { max: MAX_DISPLAY_NAME, message: t(`最多 ${MAX_DISPLAY_NAME} 个字符`, `At most ${MAX_DISPLAY_NAME} characters`) },
            ]}
          >
            <Input showCount maxLength={MAX_DISPLAY_NAME + 5} data-testid="branding-display-name" />
          </Form.Item>
          <Form.Item label={t('标志', 'Logo')} help={logoError ?? t('PNG 或 JPEG，≤ 512 KB，接近正方形，边长 64–1024 像素', 'PNG or JPEG, ≤ 512 KB, about square, 64–1024 px a side')} validateStatus={logoError ? 'error' : undefined}>
            <Space>
              {(logo?.dataUrl || saved.logoUrl) && <img src={logo?.dataUrl || saved.logoUrl} alt="" style={{ width: 48, height: 48, objectFit: 'contain', border: '1px solid #eee', borderRadius: 8 }} data-testid="branding-logo" />}
              <Button icon={<UploadOutlined />} onClick={() => document.getElementById('branding-logo-file')?.click()}>
                {saved.logoUrl || logo ? t('更换标志', 'Replace logo') : t('上传标志', 'Upload logo')}
              </Button>
              {logo && <Typography.Text type="secondary">{t(`${logo.name}（保存后生效）`, `${logo.name} (applies when saved)`)}</Typography.Text>}
              <input
                id="branding-logo-file"
                type="file"
                accept="image/png,image/jpeg"
                style={{ display: 'none' }}
                data-testid="branding-logo-input"
                onChange={(e) => {
                  void pickLogo(e.target.files?.[0]);
                  e.target.value = '';
                }}
              />
            </Space>
          </Form.Item>
          <Form.Item
            label={t('主题色', 'Theme colour')}
            required
            extra={<ContrastBadge color={color} />}
          >
            <Space.Compact>
              <ColorPicker
                value={isHexColor(color) ? color : DEFAULT_THEME}
                disabledAlpha
                onChange={(c) => form.setFieldValue('themeColor', c.toHexString().toUpperCase())}
                onChangeComplete={() => void form.validateFields(['themeColor'])}
              />
              <Form.Item
                name="themeColor"
                noStyle
                rules={[
                  { required: true, message: t('请选择主题色', 'Choose a theme colour') },
                  {
                    validator: (_, value: string) => {
                      if (!value) return Promise.resolve();
                      if (!isHexColor(value)) return Promise.reject(new Error(t('须为 #RRGGBB 格式', 'Use the #RRGGBB format')));
                      const ratio = contrastWithWhite(value)!;
                      return ratio >= MIN_CONTRAST
                        ? Promise.resolve()
                        : Promise.reject(new Error(t(`与白色文字的对比度 ${ratio.toFixed(2)}:1，低于 3:1，请选更深的颜色`, `Contrast with white text ${ratio.toFixed(2)}:1 is below 3:1; choose a darker colour`)));
                    },
                  },
                ]}
              >
                <Input style={{ width: 140 }} placeholder="#D9480F" maxLength={7} data-testid="branding-theme-color" />
              </Form.Item>
            </Space.Compact>
          </Form.Item>
          <Form.Item
            name="servicePhone"
            label={t('客服电话', 'Service phone')}
            rules={[
              { required: true, whitespace: true, message: t('请填写客服电话', 'Enter a service phone') },
              { validator: (_, v: string) => (!v || validServicePhone(v) ? Promise.resolve() : Promise.reject(new Error(t('手机号、固定电话、400/800 号码或 95xxx/96xxx 服务号', 'A mobile, landline, 400/800 number or 95xxx/96xxx line')))) },
            ]}
          >
            <Input style={{ maxWidth: 260 }} data-testid="branding-service-phone" />
          </Form.Item>
          <Row gutter={16}>
            <Col span={12}>
              <Form.Item name="appId" label={t('小程序 AppID', 'Mini-program AppID')} rules={[{ required: true, message: t('请填写 AppID', 'Enter the AppID') }, { pattern: APP_ID_RE, message: t('wx 加 16 位小写十六进制字符', 'wx + 16 lowercase hex characters') }]}>
                <Input placeholder="wx0123456789abcdef" />
              </Form.Item>
            </Col>
            <Col span={12}>
              <Form.Item
                name="appSecret"
                label={
                  <Space>
                    {t('小程序 AppSecret', 'Mini-program AppSecret')}
                    {appSecretSet ? <Tag color="green" data-testid="branding-has-app-secret">{t('已设置', 'Set')}</Tag> : <Tag>{t('未设置', 'Not set')}</Tag>}
                  </Space>
                }
                rules={[{ pattern: APP_SECRET_RE, message: t('32 位十六进制字符', '32 hex characters') }]}
              >
                <Input.Password autoComplete="new-password" visibilityToggle={false} placeholder={appSecretSet ? t('留空保持不变', 'Leave empty to keep it') : ''} />
              </Form.Item>
            </Col>
          </Row>
          <Typography.Paragraph type="secondary">
            {t('小程序访问的接口地址：', 'The API the mini-program calls: ')}
            <Typography.Text code>{saved.apiBaseUrl}</Typography.Text>
          </Typography.Paragraph>
          <Button type="primary" htmlType="submit" loading={save.isPending} data-testid="branding-save">
            {t('保存', 'Save')}
          </Button>
        </Form>
      </Col>
      <Col xs={24} xl={10}>
        <Typography.Title level={5}>{t('小程序首页预览', 'Mini-program home preview')}</Typography.Title>
        <MiniProgramPreview
          displayName={live?.displayName ?? saved.displayName}
          themeColor={color}
          logoUrl={logo?.dataUrl || saved.logoUrl}
          servicePhone={live?.servicePhone ?? saved.servicePhone}
        />
      </Col>
    </Row>
  );
}

export default function BrandingTab() {
  const { data, error, isLoading, refetch } = useGraphQL(Branding, {});
  const saved = data?.branding;
  const key = useMemo(() => (saved ? JSON.stringify(saved) : ''), [saved]);
  if (error) return <Alert type="error" showIcon message={error.message} />;
  if (isLoading || !saved) return <Skeleton active />;
  return (
    <Card>
      <BrandingForm key={key} saved={saved} onSaved={() => void refetch()} />
    </Card>
  );
}
