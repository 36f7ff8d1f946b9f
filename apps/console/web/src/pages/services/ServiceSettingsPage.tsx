// 服务设置 (admins): room-temperature rules, ticket categories with SLAs, and the service settings, one tab each
// (kept in the URL: /service-settings?tab=categories). Each tab's queries run only when it is opened.
import { Tabs } from 'antd';
import { useSearchParams } from 'react-router-dom';
import { useT } from '../../i18n';
import CategoriesTab from './CategoriesTab';
import GeneralTab from './GeneralTab';
import RulesTab from './RulesTab';

const TABS = ['rules', 'categories', 'general'] as const;
type Tab = (typeof TABS)[number];

export default function ServiceSettingsPage() {
  const t = useT();
  const [params, setParams] = useSearchParams();
  const asked = params.get('tab');
  const tab: Tab = (TABS as readonly string[]).includes(asked ?? '') ? (asked as Tab) : 'rules';
  return (
    <Tabs
      activeKey={tab}
      destroyOnHidden
      onChange={(key) => setParams({ tab: key }, { replace: true })}
      items={[
        { key: 'rules', label: <span data-testid="service-settings-tab-rules">{t('室温标准', 'Temperature rules')}</span>, children: <RulesTab /> },
        { key: 'categories', label: <span data-testid="service-settings-tab-categories">{t('工单类别与时限', 'Ticket categories and SLAs')}</span>, children: <CategoriesTab /> },
        { key: 'general', label: <span data-testid="service-settings-tab-general">{t('服务设置', 'Service settings')}</span>, children: <GeneralTab /> },
      ]}
    />
  );
}
