// Two languages: Simplified Chinese (default) and English. Texts are written in place as pairs,
// t('收缴率', 'Collection rate'), so a page carries its own translations and no shared catalogue
// becomes a merge hotspot. The first choice is the server's (the browser's Accept-Language, Chinese unless
// English is asked for); a switch is kept in localStorage (a preference, not a secret).
import { ConfigProvider } from 'antd';
import type { ThemeConfig } from 'antd';
// The ES module builds of the locales: `antd/locale/*` are CommonJS files whose default export sits on
// `module.exports.default`, and Vite 8 gives a `"type": "module"` package's default import of CommonJS the
// whole `module.exports` ({ default: locale }); ConfigProvider ignores that object and antd stayed English.
import enUS from 'antd/es/locale/en_US';
import zhCN from 'antd/es/locale/zh_CN';
import dayjs from 'dayjs';
import { setApiLanguage } from '../api/client';
import 'dayjs/locale/zh-cn';
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

export type Lang = 'zh' | 'en';
const KEY = 'heatcloud.console.lang';

interface LangState {
  lang: Lang;
  setLang: (lang: Lang) => void;
}
const LangContext = createContext<LangState>({ lang: 'zh', setLang: () => undefined });

export function storedLang(fallback: Lang): Lang {
  try {
    const v = window.localStorage.getItem(KEY);
    return v === 'en' || v === 'zh' ? v : fallback;
  } catch {
    return fallback;
  }
}

// Users who ask the system for less motion get dialogs, drawers and menus without animation (antd's `motion`
// token); the browser tests ask for it too, so a click never lands on a dialog still zooming in.
const prefersReducedMotion =
  typeof window !== 'undefined' && !!window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
const theme: ThemeConfig = { token: { colorPrimary: '#d4380d', borderRadius: 4, motion: !prefersReducedMotion } };

export function LangProvider({ initial, children }: { initial: Lang; children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() => storedLang(initial));
  const setLang = useCallback((next: Lang) => {
    try {
      window.localStorage.setItem(KEY, next);
    } catch {
      /* private mode: the choice lasts for this page only */
    }
    setLangState(next);
  }, []);
  dayjs.locale(lang === 'zh' ? 'zh-cn' : 'en');
  setApiLanguage(lang);
  if (typeof document !== 'undefined') document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  const value = useMemo(() => ({ lang, setLang }), [lang, setLang]);
  return (
    <LangContext.Provider value={value}>
      <ConfigProvider locale={lang === 'zh' ? zhCN : enUS} theme={theme}>
        {children}
      </ConfigProvider>
    </LangContext.Provider>
  );
}

export function useLang(): LangState {
  return useContext(LangContext);
}

export type T = (zh: string, en: string) => string;

/** const t = useT(); t('收缴率', 'Collection rate') */
export function useT(): T {
  const { lang } = useLang();
  return useCallback((zh: string, en: string) => (lang === 'zh' ? zh : en), [lang]);
}
