// Finance reports (财务报表; finance and admins): one tab per report, the tab in the URL (?tab=) so a link or a
// reload keeps it. Each tab loads its own figures; each has an Excel export run as a background job.
import { Card, Tabs } from 'antd';
import { useSearchParams } from 'react-router-dom';
import { useT } from '../../i18n';
import { AgingTab } from './AgingTab';
import { CollectionRateTab } from './CollectionRateTab';
import { CollectionsTab } from './CollectionsTab';
import { CollectorsTab } from './CollectorsTab';
import { RefundsTab } from './RefundsTab';
import { StatementsTab } from './StatementsTab';

const TABS = ['collections', 'rate', 'aging', 'refunds', 'collectors', 'statements'] as const;
type Tab = (typeof TABS)[number];

export default function ReportsPage() {
  const t = useT();
  const [params, setParams] = useSearchParams();
  const tab: Tab = (TABS as readonly string[]).includes(params.get('tab') ?? '') ? (params.get('tab') as Tab) : 'collections';
  const items = [
    { key: 'collections', label: t('收款统计', 'Collections'), children: <CollectionsTab /> },
    { key: 'rate', label: t('收缴率', 'Collection rate'), children: <CollectionRateTab /> },
    { key: 'aging', label: t('欠费账龄', 'Arrears aging'), children: <AgingTab /> },
    { key: 'refunds', label: t('退款', 'Refunds'), children: <RefundsTab /> },
    { key: 'collectors', label: t('柜台收款（按收费员）', 'Counter, by collector'), children: <CollectorsTab /> },
    { key: 'statements', label: t('对账结果', 'Statement results'), children: <StatementsTab /> },
  ];
  return (
    <Card data-testid="reports">
      <Tabs
        activeKey={tab}
        destroyOnHidden
        onChange={(key) => setParams({ tab: key }, { replace: true })}
        items={items.map((i) => ({ ...i, label: <span data-testid={`report-tab-${i.key}`}>{i.label}</span> }))}
      />
    </Card>
  );
}
