// Every page of both consoles: its route, menu entry and access key (roles live in access.ts only).
// Pages load lazily (one chunk each), so the first screen never waits for ProTable or ECharts.
import {
  AuditOutlined,
  BankOutlined,
  BarChartOutlined,
  CarryOutOutlined,
  CalculatorOutlined,
  DashboardOutlined,
  FileTextOutlined,
  FileDoneOutlined,
  HomeOutlined,
  ImportOutlined,
  ReconciliationOutlined,
  ScheduleOutlined,
  SettingOutlined,
  ToolOutlined,
  MobileOutlined,
  ControlOutlined,
  NotificationOutlined,
  BookOutlined,
  SendOutlined,
  InboxOutlined,
  MessageOutlined,
  FireOutlined,
  FundOutlined,
  ShoppingCartOutlined,
  StopOutlined,
  TeamOutlined,
  ThunderboltOutlined,
  UserOutlined,
} from '@ant-design/icons';
import { lazy, type ComponentType, type LazyExoticComponent, type ReactNode } from 'react';
import type { AccessKey } from './access';

export interface PageDef {
  /** Access key in access.ts; also the page's id (menu key, e2e data-testid `menu-<key>`). */
  access: AccessKey;
  /** Route below /console/ ('' is the home page). */
  path: string;
  title: readonly [zh: string, en: string];
  icon: ReactNode;
  component: LazyExoticComponent<ComponentType>;
  /** false: reachable by URL/link only (detail pages, my account). */
  menu?: boolean;
  /** A heading the menu shows above this page and the pages after it with the same group (消息中心). */
  group?: readonly [zh: string, en: string];
}

const MESSAGING = ['消息中心', 'Messages'] as const;

export const STAFF_PAGES: readonly PageDef[] = [
  {
    access: 'dashboard',
    path: '',
    title: ['工作台', 'Dashboard'],
    icon: <DashboardOutlined />,
    component: lazy(() => import('./pages/dashboard/DashboardPage')),
  },
  {
    access: 'houses',
    path: 'houses',
    title: ['房屋台账', 'Houses'],
    icon: <HomeOutlined />,
    component: lazy(() => import('./pages/houses/HousesPage')),
  },
  {
    access: 'imports',
    path: 'imports',
    title: ['批量导入', 'Bulk import'],
    icon: <ImportOutlined />,
    component: lazy(() => import('./pages/imports/ImportPage')),
  },
  {
    access: 'seasons',
    path: 'seasons',
    title: ['采暖季与收费标准', 'Seasons and tariffs'],
    icon: <ScheduleOutlined />,
    component: lazy(() => import('./pages/seasons/SeasonsPage')),
  },
  {
    access: 'billRuns',
    path: 'bill-runs',
    title: ['出账', 'Bill runs'],
    icon: <ThunderboltOutlined />,
    component: lazy(() => import('./pages/billRuns/BillRunsPage')),
  },
  {
    access: 'bills',
    path: 'bills',
    title: ['账单', 'Bills'],
    icon: <FileTextOutlined />,
    component: lazy(() => import('./pages/bills/BillsPage')),
  },
  {
    access: 'counter',
    path: 'counter',
    title: ['收费台', 'Counter desk'],
    icon: <CalculatorOutlined />,
    component: lazy(() => import('./pages/counter/CounterPage')),
  },
  {
    access: 'orders',
    path: 'orders',
    title: ['订单与退款', 'Orders and refunds'],
    icon: <ShoppingCartOutlined />,
    component: lazy(() => import('./pages/orders/OrdersPage')),
  },
  {
    access: 'invoices',
    path: 'invoices',
    title: ['电子发票', 'E-invoices'],
    icon: <FileDoneOutlined />,
    component: lazy(() => import('./pages/invoices/InvoicesPage')),
  },
  {
    access: 'reconciliation',
    path: 'reconciliation',
    title: ['对账', 'Reconciliation'],
    icon: <ReconciliationOutlined />,
    component: lazy(() => import('./pages/reconciliation/ReconciliationPage')),
  },
  {
    access: 'dailyClose',
    path: 'daily-close',
    title: ['日结', 'Daily close'],
    icon: <CarryOutOutlined />,
    component: lazy(() => import('./pages/dailyClose/DailyClosePage')),
  },
  {
    access: 'reports',
    path: 'reports',
    title: ['财务报表', 'Finance reports'],
    icon: <BarChartOutlined />,
    component: lazy(() => import('./pages/reports/ReportsPage')),
  },
  // issue #16: resident services
  {
    access: 'tickets',
    path: 'tickets',
    title: ['工单', 'Tickets'],
    icon: <ToolOutlined />,
    component: lazy(() => import('./pages/services/TicketsPage')),
  },
  {
    access: 'workQueue',
    path: 'my-work',
    title: ['我的工单', 'My work'],
    icon: <MobileOutlined />,
    component: lazy(() => import('./pages/services/WorkQueuePage')),
  },
  {
    access: 'serviceDashboard',
    path: 'service-dashboard',
    title: ['服务看板', 'Service dashboard'],
    icon: <FundOutlined />,
    component: lazy(() => import('./pages/services/ServiceDashboardPage')),
  },
  {
    access: 'compensations',
    path: 'compensations',
    title: ['室温补偿', 'Temperature compensation'],
    icon: <FireOutlined />,
    component: lazy(() => import('./pages/services/CompensationsPage')),
  },
  {
    access: 'optOuts',
    path: 'opt-outs',
    title: ['报停申请', 'Opt-out applications'],
    icon: <StopOutlined />,
    component: lazy(() => import('./pages/services/OptOutsPage')),
  },
  {
    access: 'serviceSettings',
    path: 'service-settings',
    title: ['服务设置', 'Service settings'],
    icon: <ControlOutlined />,
    component: lazy(() => import('./pages/services/ServiceSettingsPage')),
  },
  // issue #17: messaging, one menu group
  {
    access: 'announcements',
    path: 'announcements',
    title: ['公告', 'Announcements'],
    icon: <NotificationOutlined />,
    component: lazy(() => import('./pages/messaging/AnnouncementsPage')),
    group: MESSAGING,
  },
  {
    access: 'knowledgeBase',
    path: 'knowledge-base',
    title: ['知识库', 'Knowledge base'],
    icon: <BookOutlined />,
    component: lazy(() => import('./pages/messaging/KnowledgeBasePage')),
    group: MESSAGING,
  },
  {
    access: 'campaigns',
    path: 'campaigns',
    title: ['通知活动', 'Campaigns'],
    icon: <SendOutlined />,
    component: lazy(() => import('./pages/messaging/CampaignsPage')),
    group: MESSAGING,
  },
  {
    access: 'outbox',
    path: 'outbox',
    title: ['消息记录', 'Message log'],
    icon: <InboxOutlined />,
    component: lazy(() => import('./pages/messaging/OutboxPage')),
    group: MESSAGING,
  },
  {
    access: 'messagingSettings',
    path: 'messaging-settings',
    title: ['消息设置', 'Message settings'],
    icon: <MessageOutlined />,
    component: lazy(() => import('./pages/messaging/MessagingSettingsPage')),
    group: MESSAGING,
  },
  {
    access: 'settings',
    path: 'settings',
    title: ['公司设置', 'Company settings'],
    icon: <SettingOutlined />,
    component: lazy(() => import('./pages/settings/SettingsPage')),
  },
  {
    access: 'audit',
    path: 'audit',
    title: ['操作日志', 'Audit log'],
    icon: <AuditOutlined />,
    component: lazy(() => import('./pages/audit/AuditPage')),
  },
  {
    access: 'account',
    path: 'account',
    title: ['我的账号', 'My account'],
    icon: <UserOutlined />,
    component: lazy(() => import('./pages/account/AccountPage')),
    menu: false,
  },
];

export const OPERATOR_PAGES: readonly PageDef[] = [
  {
    access: 'op.tenants',
    path: '',
    title: ['供热公司', 'Heating companies'],
    icon: <BankOutlined />,
    component: lazy(() => import('./operator/pages/tenants/TenantsPage')),
  },
  {
    access: 'op.overview',
    path: 'overview',
    title: ['平台概况', 'Platform overview'],
    icon: <DashboardOutlined />,
    component: lazy(() => import('./operator/pages/overview/OverviewPage')),
  },
  {
    access: 'op.audit',
    path: 'audit',
    title: ['平台操作日志', 'Platform audit log'],
    icon: <AuditOutlined />,
    component: lazy(() => import('./operator/pages/audit/OperatorAuditPage')),
  },
  {
    access: 'op.settings',
    path: 'settings',
    title: ['服务商账户', 'Service-provider accounts'],
    icon: <SettingOutlined />,
    component: lazy(() => import('./operator/pages/settings/ServiceProviderPage')),
  },
  {
    access: 'op.account',
    path: 'account',
    title: ['我的账号', 'My account'],
    icon: <UserOutlined />,
    component: lazy(() => import('./pages/account/AccountPage')),
    menu: false,
  },
];

// Icons reserved for the pages still to come (issue #12), so their authors pick from one set.
export const ICONS = {
  houses: <HomeOutlined />,
  imports: <ImportOutlined />,
  seasons: <ScheduleOutlined />,
  billRuns: <ThunderboltOutlined />,
  bills: <FileTextOutlined />,
  counter: <CalculatorOutlined />,
  orders: <ShoppingCartOutlined />,
  settings: <SettingOutlined />,
  staff: <TeamOutlined />,
  audit: <AuditOutlined />,
};
