import { can, type Role } from '../access';
import type { T } from '../i18n';
import type { PageDef } from '../pages';

export interface MenuEntry {
  key: string;
  path: string;
  label: string;
  /** The group heading the entry sits under (消息中心), in the chosen language. */
  group?: string;
}

/** Entries in order, with each run of entries of one group gathered under its heading (empty groups vanish). */
export type MenuNode = { kind: 'page'; entry: MenuEntry } | { kind: 'group'; label: string; entries: MenuEntry[] };

export function groupMenu(entries: readonly MenuEntry[]): MenuNode[] {
  const out: MenuNode[] = [];
  for (const entry of entries) {
    const last = out[out.length - 1];
    if (!entry.group) out.push({ kind: 'page', entry });
    else if (last?.kind === 'group' && last.label === entry.group) last.entries.push(entry);
    else out.push({ kind: 'group', label: entry.group, entries: [entry] });
  }
  return out;
}

/** The pages a role sees in its menu, in declared order. Route guards use the same `can()`. */
export function menuFor(pages: readonly PageDef[], role: Role | null | undefined, t: T): MenuEntry[] {
  return pages
    .filter((p) => p.menu !== false && can(role, p.access))
    .map((p) => ({ key: p.access, path: '/' + p.path, label: t(...p.title), ...(p.group ? { group: t(...p.group) } : {}) }));
}

/** The page whose route best matches a location path (longest prefix), for the selected menu item. */
export function pageForPath(pages: readonly PageDef[], pathname: string): PageDef | undefined {
  const clean = pathname.replace(/^\/+|\/+$/g, '');
  return [...pages]
    .sort((a, b) => b.path.length - a.path.length)
    .find((p) => (p.path === '' ? clean === '' : clean === p.path || clean.startsWith(p.path + '/')));
}
