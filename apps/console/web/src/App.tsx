import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, Button, Result, Spin } from 'antd';
import { Suspense, useEffect, useState, type ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { ApiError, HOST_CODES, onApiFailure, setEndpoint } from './api/client';
import { can } from './access';
import { AuthProvider, useAuth } from './auth/AuthProvider';
import { tenantAuthApi } from './auth/tenantAuth';
import type { Bootstrap, TenantStatus } from './bootstrap';
import { BootstrapContext } from './context';
import { LangProvider, useT } from './i18n';
import { ConsoleLayout } from './layout/ConsoleLayout';
import { operatorAuthApi } from './operator/auth';
import { LoginPage } from './pages/login/LoginPage';
import { SuspendedPage } from './pages/suspended/SuspendedPage';
import { OPERATOR_PAGES, STAFF_PAGES, type PageDef } from './pages';

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Session and host refusals are handled once (login / suspended page); retrying them helps nobody.
        retry: (count, err) => !(err instanceof ApiError && err.code !== 'NETWORK') && count < 2,
        refetchOnWindowFocus: false,
        staleTime: 15_000,
      },
    },
  });
}

function Guard({ page, children }: { page: PageDef; children: ReactNode }) {
  const { me } = useAuth();
  const t = useT();
  if (!can(me?.role, page.access)) {
    return (
      <div data-testid="forbidden">
        <Result status="403" title="403" subTitle={t('您的角色无权访问此页面。', 'Your role may not use this page.')} />
      </div>
    );
  }
  return <>{children}</>;
}

function NotFound() {
  const t = useT();
  return (
    <Result
      status="404"
      title="404"
      subTitle={t('页面不存在。', 'This page does not exist.')}
      extra={<Button href="/console/">{t('返回首页', 'Home')}</Button>}
    />
  );
}

function Shell({ pages }: { pages: readonly PageDef[] }) {
  const { status } = useAuth();
  const location = useLocation();
  if (status === 'loading') return <Spin size="large" style={{ display: 'block', marginTop: 160 }} />;
  if (status !== 'signedIn' && location.pathname !== '/login') {
    return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  }
  return (
    <Routes>
      <Route path="/login" element={status === 'signedIn' ? <Navigate to="/" replace /> : <LoginPage />} />
      <Route element={<ConsoleLayout pages={pages} />}>
        {pages.map((p) => {
          const Page = p.component;
          const element = (
            <Guard page={p}>
              <Page />
            </Guard>
          );
          return p.path === '' ? <Route key={p.access} index element={element} /> : <Route key={p.access} path={`${p.path}/*`} element={element} />;
        })}
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

export function App({ boot, queryClient = makeQueryClient() }: { boot: Bootstrap; queryClient?: QueryClient }) {
  const [hostStatus, setHostStatus] = useState<TenantStatus>(boot.tenant?.status ?? 'ACTIVE');
  setEndpoint(boot.graphql);
  useEffect(
    () =>
      onApiFailure((err) => {
        if (!HOST_CODES.has(err.code)) return;
        setHostStatus(err.code === 'TENANT_CLOSED' ? 'CLOSED' : 'SUSPENDED');
      }),
    [],
  );
  const pages = boot.kind === 'platform' ? OPERATOR_PAGES : STAFF_PAGES;
  const api = boot.kind === 'platform' ? operatorAuthApi : tenantAuthApi;
  return (
    <BootstrapContext.Provider value={boot}>
      <LangProvider initial={boot.language === 'en' ? 'en' : 'zh'}>
        <AntApp>
          {hostStatus !== 'ACTIVE' ? (
            <SuspendedPage status={hostStatus} />
          ) : (
            <QueryClientProvider client={queryClient}>
              <BrowserRouter basename="/console">
                <AuthProvider api={api}>
                  <Suspense fallback={<Spin />}>
                    <Shell pages={pages} />
                  </Suspense>
                </AuthProvider>
              </BrowserRouter>
            </QueryClientProvider>
          )}
        </AntApp>
      </LangProvider>
    </BootstrapContext.Provider>
  );
}
