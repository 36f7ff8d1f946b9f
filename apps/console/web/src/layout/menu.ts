import { can, type Role } from '../access';
import type { T } from '../i18n';
import type { PageDef } from '../pages';

export interface MenuEntry {
  key: string;
  path: string;
  label: string;
}

/** The pages a role sees in its menu, in declared order. Route guards use the same `can()`. */
export function menuFor(pages: readonly PageDef[], role: Role | null | undefined, t: T): MenuEntry[] {
  return pages
    .filter((p) => p.menu !== false && can(role, p.access))
    .map((p) => ({ key: p.access, path: '/' + p.path, label: t(...p.title) }));
}

/** The page whose route best matches a location path (longest prefix), for the selected menu item. */
export function pageForPath(pages: readonly PageDef[], pathname: string): PageDef | undefined {
  const clean = pathname.replace(/^\/+|\/+$/g, '');
  return [...pages]
    .sort((a, b) => b.path.length - a.path.length)
    .find((p) => (p.path === '' ? clean === '' : clean === p.path || clean.startsWith(p.path + '/')));
}
