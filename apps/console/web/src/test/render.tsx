import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import { App as AntApp, ConfigProvider } from 'antd';
import type { ReactElement } from 'react';
import { MemoryRouter } from 'react-router-dom';
import { AuthProvider } from '../auth/AuthProvider';
import type { AuthApi } from '../auth/types';
import { tenantAuthApi } from '../auth/tenantAuth';
import { LangProvider, type Lang } from '../i18n';

/** The console's providers around `ui`: language, antd App, React Query, a router and the real auth API. */
export function renderWithProviders(ui: ReactElement, opts: { lang?: Lang; route?: string; api?: AuthApi } = {}) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <LangProvider initial={opts.lang ?? 'zh'}>
      {/* No motion or click waves: jsdom has no use for them and they cost each form test re-renders. */}
      <ConfigProvider theme={{ token: { motion: false } }} wave={{ disabled: true }}>
        <AntApp>
          <QueryClientProvider client={client}>
            <MemoryRouter initialEntries={[opts.route ?? '/']}>
              <AuthProvider api={opts.api ?? tenantAuthApi}>{ui}</AuthProvider>
            </MemoryRouter>
          </QueryClientProvider>
        </AntApp>
      </ConfigProvider>
    </LangProvider>,
  );
}
