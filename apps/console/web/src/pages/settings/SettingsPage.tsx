// Company settings (admins): staff accounts, merchant accounts, e-invoices, branding, the mini-program package and its
// releases, house binding. One tab each; the tab is kept in the URL (/settings?tab=branding) so a link or a
// reload returns to it. Each tab's queries run only when it is opened.
import { Tabs } from 'antd';
import { useSearchParams } from 'react-router-dom';
import { useT } from '../../i18n';
import BindingTab from './BindingTab';
import BrandingTab from './BrandingTab';
import InvoiceTab from './InvoiceTab';
import MerchantTab from './MerchantTab';
import ReleasesTab from './ReleasesTab';
import StaffTab from './StaffTab';

const TABS = ['staff', 'merchants', 'invoices', 'branding', 'miniprogram', 'binding'] as const;
type Tab = (typeof TABS)[number];

export default function SettingsPage() {
  const t = useT();
  const [params, setParams] = useSearchParams();
  const asked = params.get('tab');
  const tab: Tab = (TABS as readonly string[]).includes(asked ?? '') ? (asked as Tab) : 'staff';
  return (
    <Tabs
      activeKey={tab}
      destroyOnHidden
      onChange={(key) => setParams({ tab: key }, { replace: true })}
      items={[
        { key: 'staff', label: <span data-testid="settings-tab-staff">{t('员工账号', 'Staff')}</span>, children: <StaffTab /> },
        { key: 'merchants', label: <span data-testid="settings-tab-merchants">{t('支付商户', 'Merchant accounts')}</span>, children: <MerchantTab /> },
        { key: 'invoices', label: <span data-testid="settings-tab-invoices">{t('电子发票', 'E-invoices')}</span>, children: <InvoiceTab /> },
        { key: 'branding', label: <span data-testid="settings-tab-branding">{t('小程序品牌', 'Branding')}</span>, children: <BrandingTab /> },
        { key: 'miniprogram', label: <span data-testid="settings-tab-miniprogram">{t('小程序发布', 'Mini-program release')}</span>, children: <ReleasesTab /> },
        { key: 'binding', label: <span data-testid="settings-tab-binding">{t('房屋绑定', 'House binding')}</span>, children: <BindingTab /> },
      ]}
    />
  );
}
