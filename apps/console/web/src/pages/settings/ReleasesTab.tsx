// @access settings
// The branded mini-program package: build it (refused with one error per missing branding part) and download
// the zip (GET /files/miniprogram/<id>.zip with the admin's token), and the latest template releases to this
// company with their review status.
import { DownloadOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Descriptions, Space, Table, Tag, Tooltip, Typography } from 'antd';
import dayjs from 'dayjs';
import { useState } from 'react';
import { ApiError } from '../../api/client';
import { downloadFile } from '../../api/files';
import { useGraphQL, useGraphQLMutation } from '../../api/hooks';
import { graphql } from '../../gql/tenant';
import type { SettingsBuildMiniprogramMutation, SettingsMiniprogramReleasesQuery } from '../../gql/tenant/graphql';
import { useT } from '../../i18n';
import { RELEASE_COLORS, RELEASE_LABELS } from './labels';

const Releases = graphql(`
  query SettingsMiniprogramReleases {
    miniprogramReleases {
      id templateId userVersion status auditId reason errorCode errorMessage committedAt submittedAt releasedAt updatedAt
    }
  }
`);

const Build = graphql(`
  mutation SettingsBuildMiniprogram {
    buildMiniprogram {
      build { id sha256 size appId apiBaseUrl downloadUrl createdAt }
      errors { field message code }
    }
  }
`);

type Release = NonNullable<SettingsMiniprogramReleasesQuery['miniprogramReleases']>[number];
type BuildResult = NonNullable<NonNullable<SettingsBuildMiniprogramMutation['buildMiniprogram']>['build']>;

const when = (v: string | null | undefined) => (v ? dayjs(v).format('YYYY-MM-DD HH:mm') : '—');

function kb(bytes: number) {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

export default function ReleasesTab() {
  const t = useT();
  const { message } = App.useApp();
  const releases = useGraphQL(Releases, {});
  const build = useGraphQLMutation(Build);
  const [built, setBuilt] = useState<BuildResult | null>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const [downloading, setDownloading] = useState(false);

  const download = async (b: BuildResult) => {
    setDownloading(true);
    try {
      await downloadFile(b.downloadUrl, `miniprogram-${b.sha256.slice(0, 12)}.zip`);
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    } finally {
      setDownloading(false);
    }
  };

  const onBuild = async () => {
    setProblems([]);
    try {
      const res = (await build.mutateAsync({})).buildMiniprogram;
      if (res?.errors.length) {
        setProblems([...new Set(res.errors.map((e) => e.message))]);  // one error per missing part, often worded alike
        return;
      }
      if (res?.build) {
        setBuilt(res.build);
        await download(res.build);
      }
    } catch (err) {
      setProblems([err instanceof ApiError ? err.message : String(err)]);
    }
  };

  const columns = [
    { title: t('模板', 'Template'), dataIndex: 'templateId', render: (v: string, r: Release) => `${v} · ${r.userVersion}` },
    {
      title: t('状态', 'Status'),
      dataIndex: 'status',
      render: (_: unknown, r: Release) => {
        const tag = <Tag color={RELEASE_COLORS[r.status]}>{t(...RELEASE_LABELS[r.status])}</Tag>;
        const why = [r.reason, r.errorCode && `${r.errorCode} ${r.errorMessage}`].filter(Boolean).join(' · ');
        return why ? <Tooltip title={why}>{tag}</Tooltip> : tag;
      },
    },
    { title: t('审核单号', 'Audit id'), dataIndex: 'auditId', render: (v: string | null) => v || '—' },
    { title: t('上传', 'Uploaded'), dataIndex: 'committedAt', render: when },
    { title: t('提交审核', 'Submitted'), dataIndex: 'submittedAt', render: when },
    { title: t('发布', 'Released'), dataIndex: 'releasedAt', render: when },
    { title: t('更新时间', 'Updated'), dataIndex: 'updatedAt', render: when },
  ];

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Card title={t('小程序代码包', 'Mini-program package')}>
        <Typography.Paragraph type="secondary">
          {t(
            '按当前品牌设置（名称、标志、主题色、客服电话、AppID）生成本公司的小程序代码包，用微信开发者工具上传。',
            "Builds your company's mini-program from the current branding (name, logo, colour, service phone, AppID); upload it with WeChat DevTools.",
          )}
        </Typography.Paragraph>
        {problems.length > 0 && (
          <Alert type="error" showIcon style={{ marginBottom: 16 }} data-testid="build-errors" message={t('无法构建', 'Cannot build')} description={<ul style={{ margin: 0, paddingLeft: 20 }}>{problems.map((p) => <li key={p}>{p}</li>)}</ul>} />
        )}
        <Space>
          <Button type="primary" icon={<DownloadOutlined />} loading={build.isPending || downloading} onClick={onBuild} data-testid="build-miniprogram">
            {t('构建并下载', 'Build and download')}
          </Button>
          {built && (
            <Button onClick={() => download(built)} loading={downloading}>
              {t('再次下载', 'Download again')}
            </Button>
          )}
        </Space>
        {built && (
          <Descriptions size="small" column={2} style={{ marginTop: 16 }} data-testid="build-result">
            <Descriptions.Item label="AppID">{built.appId}</Descriptions.Item>
            <Descriptions.Item label={t('大小', 'Size')}>{kb(built.size)}</Descriptions.Item>
            <Descriptions.Item label={t('接口地址', 'API')}>{built.apiBaseUrl}</Descriptions.Item>
            <Descriptions.Item label={t('构建时间', 'Built')}>{when(built.createdAt)}</Descriptions.Item>
            <Descriptions.Item label="SHA-256" span={2}>
              <Typography.Text code copyable>
                {built.sha256}
              </Typography.Text>
            </Descriptions.Item>
          </Descriptions>
        )}
      </Card>
      <Card title={t('发布记录（最近 20 次）', 'Releases (latest 20)')}>
        {releases.error && <Alert type="error" showIcon message={releases.error.message} />}
        <Table<Release>
          rowKey="id"
          size="small"
          loading={releases.isLoading}
          columns={columns}
          dataSource={releases.data?.miniprogramReleases ?? []}
          pagination={false}
          locale={{ emptyText: t('平台尚未向本公司发布模板', 'The platform has not released a template to you yet') }}
          data-testid="release-table"
        />
      </Card>
    </Space>
  );
}
