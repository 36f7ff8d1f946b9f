// 消息设置 (admins): message templates and the sending rules, one tab each (kept in the URL: ?tab=sending).
import { Tabs } from 'antd';
import { useSearchParams } from 'react-router-dom';
import { useT } from '../../i18n';
import SendingTab from './SendingTab';
import TemplatesTab from './TemplatesTab';

const TABS = ['templates', 'sending'] as const;
type Tab = (typeof TABS)[number];

export default function MessagingSettingsPage() {
  const t = useT();
  const [params, setParams] = useSearchParams();
  const asked = params.get('tab');
  const tab: Tab = (TABS as readonly string[]).includes(asked ?? '') ? (asked as Tab) : 'templates';
  return (
    <Tabs
      activeKey={tab}
      destroyOnHidden
      onChange={(key) => setParams({ tab: key }, { replace: true })}
      items={[
        { key: 'templates', label: <span data-testid="messaging-settings-tab-templates">{t('消息模板', 'Templates')}</span>, children: <TemplatesTab /> },
        { key: 'sending', label: <span data-testid="messaging-settings-tab-sending">{t('发送规则', 'Sending rules')}</span>, children: <SendingTab /> },
      ]}
    />
  );
}
