// @access settings
// Which proofs a resident may bind a house with: the owner's name always; the last 4 digits of the owner's
// phone only when the company turns it on (weaker: guessable by neighbours who know the number).
import { Alert, App, Card, Skeleton, Space, Switch, Typography } from 'antd';
import { ApiError } from '../../api/client';
import { useGraphQL, useGraphQLMutation } from '../../api/hooks';
import { graphql } from '../../gql/tenant';
import { useT } from '../../i18n';

const Settings = graphql(`
  query SettingsHouseBinding {
    houseBindingSettings { phoneLast4Allowed }
  }
`);

const Update = graphql(`
  mutation SettingsUpdateHouseBinding($phoneLast4Allowed: Boolean!) {
    updateHouseBindingSettings(phoneLast4Allowed: $phoneLast4Allowed) {
      settings { phoneLast4Allowed }
      errors { field message code }
    }
  }
`);

export default function BindingTab() {
  const t = useT();
  const { message } = App.useApp();
  const { data, error, isLoading, refetch } = useGraphQL(Settings, {});
  const update = useGraphQLMutation(Update);
  if (error) return <Alert type="error" showIcon message={error.message} />;
  if (isLoading || !data) return <Skeleton active />;
  const allowed = data.houseBindingSettings.phoneLast4Allowed;

  const toggle = async (next: boolean) => {
    try {
      const res = (await update.mutateAsync({ phoneLast4Allowed: next })).updateHouseBindingSettings;
      if (res?.errors.length) message.error(res.errors.map((e) => e.message).join(' '));
      else message.success(next ? t('已允许手机尾号验证', 'Phone last-4 proof allowed') : t('已关闭手机尾号验证', 'Phone last-4 proof turned off'));
    } catch (err) {
      message.error(err instanceof ApiError ? err.message : String(err));
    }
    void refetch();
  };

  return (
    <Card title={t('居民绑定房屋', 'Residents binding a house')}>
      <Space direction="vertical">
        <Typography.Paragraph>
          {t('居民在小程序中输入户号，并用以下方式之一证明是该房屋的住户：', 'In the mini-program a resident enters the account number and proves the house is theirs with:')}
        </Typography.Paragraph>
        <Space>
          <Switch checked disabled />
          <span>{t('户主姓名（始终可用）', "The owner's name (always)")}</span>
        </Space>
        <Space>
          <Switch checked={allowed} loading={update.isPending} onChange={toggle} data-testid="binding-phone-last4" />
          <span>{t('户主手机号后 4 位', "The last 4 digits of the owner's phone")}</span>
        </Space>
        <Typography.Text type="secondary">
          {t('手机尾号较易被猜到，仅在户主姓名常有出入时开启。每次修改都会记入操作日志。', 'Phone digits are easier to guess; turn this on only when owner names are often wrong. Each change is audited.')}
        </Typography.Text>
      </Space>
    </Card>
  );
}
