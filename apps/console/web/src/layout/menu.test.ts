import { describe, expect, it } from 'vitest';
import { STAFF_ROLES } from '../access';
import { OPERATOR_PAGES, STAFF_PAGES } from '../pages';
import { groupMenu, menuFor, pageForPath } from './menu';

const zh = (z: string) => z;

describe('menuFor', () => {
  it('shows each staff role exactly the pages access.ts grants it', () => {
    expect(menuFor(STAFF_PAGES, 'TENANT_ADMIN', zh).map((m) => m.key)).toContain('dashboard');
    for (const role of STAFF_ROLES) {
      const keys = menuFor(STAFF_PAGES, role, zh).map((m) => m.key);
      expect(keys).not.toContain('account'); // reachable from the user menu, not the side menu
      expect(keys.every((k) => !k.startsWith('op.'))).toBe(true);
    }
  });
  it('shows nothing without a role, and staff pages never to operators', () => {
    expect(menuFor(STAFF_PAGES, null, zh)).toEqual([]);
    expect(menuFor(STAFF_PAGES, 'OPERATOR', zh)).toEqual([]);
    expect(menuFor(OPERATOR_PAGES, 'TENANT_ADMIN', zh)).toEqual([]);
    expect(menuFor(OPERATOR_PAGES, 'OPERATOR', zh).map((m) => m.key)).toContain('op.tenants');
  });
  it('labels entries in the chosen language', () => {
    const en = menuFor(STAFF_PAGES, 'FINANCE', (_z, e) => e);
    expect(en.find((m) => m.key === 'dashboard')?.label).toBe('Dashboard');
  });
});

describe('groupMenu', () => {
  it('gathers the messaging pages under 消息中心 for the roles that see them, and no empty heading', () => {
    const nodes = (role: 'TENANT_ADMIN' | 'FINANCE' | 'COLLECTOR' | 'TECHNICIAN') => groupMenu(menuFor(STAFF_PAGES, role, zh));
    const group = (role: Parameters<typeof nodes>[0]) => nodes(role).find((n) => n.kind === 'group');
    const keys = (role: Parameters<typeof nodes>[0]) => {
      const g = group(role);
      return g?.kind === 'group' ? g.entries.map((e) => e.key) : [];
    };
    expect(group('TENANT_ADMIN')?.kind === 'group' && group('TENANT_ADMIN')?.label).toBe('消息中心');
    expect(keys('TENANT_ADMIN')).toEqual(['announcements', 'knowledgeBase', 'campaigns', 'outbox', 'messagingSettings']);
    expect(keys('FINANCE')).toEqual(['campaigns', 'outbox']);
    expect(keys('COLLECTOR')).toEqual(['outbox']);
    expect(group('TECHNICIAN')).toBeUndefined();
    expect(nodes('TENANT_ADMIN').filter((n) => n.kind === 'group')).toHaveLength(1);
  });
});

describe('pageForPath', () => {
  it('picks the longest matching route', () => {
    expect(pageForPath(STAFF_PAGES, '/')?.access).toBe('dashboard');
    expect(pageForPath(STAFF_PAGES, '/account')?.access).toBe('account');
    expect(pageForPath(STAFF_PAGES, '/nope')).toBeUndefined();
  });
});
