import { GlobalOutlined, LogoutOutlined, UserOutlined } from '@ant-design/icons';
import { Button, Dropdown, Grid, Layout, Menu, Space, Spin, Typography } from 'antd';
import { lazy, Suspense, useMemo } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { useAuth } from '../auth/AuthProvider';
import { useBootstrap } from '../context';
import { useLang, useT } from '../i18n';
import type { PageDef } from '../pages';
import { groupMenu, menuFor, pageForPath, type MenuEntry } from './menu';

const ProLocale = lazy(() => import('../components/ProLocale'));

const ROLE_NAMES: Record<string, [string, string]> = {
  TENANT_ADMIN: ['管理员', 'Administrator'],
  COLLECTOR: ['收费员', 'Collector'],
  TECHNICIAN: ['技术员', 'Technician'],
  FINANCE: ['财务', 'Finance'],
  OPERATOR: ['平台运营', 'Platform operator'],
};

export function ConsoleLayout({ pages }: { pages: readonly PageDef[] }) {
  const t = useT();
  const { lang, setLang } = useLang();
  const { me, signOut } = useAuth();
  const boot = useBootstrap();
  const location = useLocation();
  const navigate = useNavigate();
  const items = useMemo(() => menuFor(pages, me?.role, t), [pages, me?.role, t]);
  const current = pageForPath(pages, location.pathname);
  const title = boot.kind === 'tenant' ? boot.tenant?.name ?? '' : t('暖云平台运营', 'HeatCloud operations');
  const roleName = me ? t(...(ROLE_NAMES[me.role] ?? [me.role, me.role])) : '';
  // A phone (a technician's work queue): tighter margins, the user button as an icon, room for the menu trigger.
  const narrow = Grid.useBreakpoint().md === false;
  const menuItem = (i: MenuEntry) => ({
    key: i.key,
    icon: pages.find((p) => p.access === i.key)?.icon,
    label: (
      <Link to={i.path} data-testid={`menu-${i.key}`}>
        {i.label}
      </Link>
    ),
  });

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider breakpoint="lg" collapsedWidth={0} width={208} theme="dark">
        <div style={{ color: '#fff', padding: '16px 20px', fontWeight: 600, fontSize: 16 }} data-testid="console-title">
          {title}
        </div>
        <Menu
          theme="dark"
          mode="inline"
          data-testid="console-menu"
          selectedKeys={current ? [current.access] : []}
          items={groupMenu(items).map((node) =>
            node.kind === 'page'
              ? menuItem(node.entry)
              : { type: 'group' as const, key: `group-${node.entries[0].key}`, label: <span data-testid={`menugroup-${node.entries[0].key}`}>{node.label}</span>, children: node.entries.map(menuItem) },
          )}
        />
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{ background: '#fff', padding: narrow ? '0 12px' : '0 24px', display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 8 }}
        >
          {/* One line however narrow the screen (a technician's phone): the title gives way, the buttons stay. */}
          <Typography.Title level={4} ellipsis style={{ margin: 0, minWidth: 0, flex: '1 1 auto' }} data-testid="page-title">
            {current ? t(...current.title) : ''}
          </Typography.Title>
          <Space size={narrow ? 0 : 8}>
            <Button
              type="text"
              icon={<GlobalOutlined />}
              onClick={() => setLang(lang === 'zh' ? 'en' : 'zh')}
              data-testid="switch-language"
            >
              {lang === 'zh' ? 'English' : '中文'}
            </Button>
            <Dropdown
              trigger={['click']}
              menu={{
                items: [
                  { key: 'account', icon: <UserOutlined />, label: <span data-testid="menu-account">{t('我的账号', 'My account')}</span> },
                  { key: 'logout', icon: <LogoutOutlined />, label: <span data-testid="logout">{t('退出登录', 'Log out')}</span> },
                ],
                onClick: ({ key }) => (key === 'logout' ? void signOut() : navigate('/account')),
              }}
            >
              <Button type="text" icon={<UserOutlined />} data-testid="user-menu" title={`${me?.displayName || me?.username} · ${roleName}`}>
                {narrow ? null : `${me?.displayName || me?.username} · ${roleName}`}
              </Button>
            </Dropdown>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ margin: narrow ? '48px 12px 12px' : 24 }}>
          <Suspense fallback={<Spin size="large" style={{ display: 'block', marginTop: 80 }} />}>
            <ProLocale>
              <Outlet />
            </ProLocale>
          </Suspense>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
