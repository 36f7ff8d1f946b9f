// ProComponents keep their own texts (table toolbar, pagination, search form): follow the console's language.
// Loaded lazily around the pages (layout/ConsoleLayout.tsx) so the login screen does not carry it.
import { ProConfigProvider, enUSIntl, zhCNIntl } from '@ant-design/pro-provider';
import type { ReactNode } from 'react';
import { useLang } from '../i18n';

export default function ProLocale({ children }: { children: ReactNode }) {
  const { lang } = useLang();
  return (
    <ProConfigProvider intl={lang === 'zh' ? zhCNIntl : enUSIntl} hashed={false}>
      {children}
    </ProConfigProvider>
  );
}
