// Test support for the services pages: a signed-in staff member of a given role (the AuthProvider asks the
// fake API who is signed in; the network stays faked by src/test/fetch.ts).
import { vi } from 'vitest';
import type { Role } from '../../access';
import { session } from '../../auth/session';
import type { AuthApi } from '../../auth/types';

export function staffApi(role: Role): AuthApi {
  return {
    login: vi.fn(),
    me: async () => ({ id: '5', username: role.toLowerCase(), displayName: role, role }),
    refresh: vi.fn(),
    logout: vi.fn(),
    changePassword: vi.fn(),
  };
}

export function signIn(): void {
  window.sessionStorage.clear();
  session.set('staff-token', 3600);
}
