// Who finds the 消息中心 pages in the side menu: admins all five, finance 通知活动 and 消息记录, collectors 消息记录,
// technicians none (and no empty 消息中心 heading). The route guards read the same table (access.ts).
import { configure, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Role } from '../../access';
import { can } from '../../access';
import { ConsoleLayout } from '../../layout/ConsoleLayout';
import { STAFF_PAGES } from '../../pages';
import { fakeGraphQL } from '../../test/fetch';
import { renderWithProviders } from '../../test/render';
import { signIn, staffApi } from './testSupport';

configure({ asyncUtilTimeout: 8000 });

const MESSAGING = STAFF_PAGES.filter((p) => p.group?.[0] === '消息中心').map((p) => p.access);

const EXPECTED: Record<string, string[]> = {
  TENANT_ADMIN: MESSAGING,
  FINANCE: MESSAGING.filter((k) => k === 'campaigns' || k === 'outbox'),
  COLLECTOR: MESSAGING.filter((k) => k === 'outbox'),
  TECHNICIAN: [],
};

describe('消息中心 in the menu', () => {
  beforeEach(() => {
    signIn();
    fakeGraphQL(() => ({ data: {} }));
  });
  afterEach(() => vi.unstubAllGlobals());

  it('holds the messaging pages', () => {
    expect(MESSAGING.slice(0, 3)).toEqual(['announcements', 'knowledgeBase', 'campaigns']);
  });

  for (const role of Object.keys(EXPECTED) as Role[]) {
    it(`shows ${role} only its messaging pages`, async () => {
      renderWithProviders(<ConsoleLayout pages={STAFF_PAGES} />, { api: staffApi(role) });
      await screen.findByTestId('menu-dashboard');
      const shown = MESSAGING.filter((k) => screen.queryByTestId(`menu-${k}`));
      expect(shown).toEqual(EXPECTED[role]);
      expect(shown.every((k) => can(role, k))).toBe(true);
      const heading = screen.queryByText('消息中心');
      expect(!!heading).toBe(EXPECTED[role].length > 0);
    });
  }
});
