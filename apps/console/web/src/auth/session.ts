// The Bearer token lives in sessionStorage: it is per tab and gone when the browser closes, which suits
// shared counter PCs (no sign-in left behind for the next person) and keeps a stolen disk profile useless;
// a new tab signs in again. Tokens are
// bound to the host that issued them (tenant vs platform), and each host has its own sessionStorage anyway.
const KEY = 'heatcloud.console.session';

export interface StoredSession {
  token: string;
  /** epoch ms */
  expiresAt: number;
}

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

export const session = {
  get(): StoredSession | null {
    const raw = storage()?.getItem(KEY);
    if (!raw) return null;
    try {
      const parsed = JSON.parse(raw) as StoredSession;
      if (!parsed.token || parsed.expiresAt <= Date.now()) return null;
      return parsed;
    } catch {
      return null;
    }
  },
  token(): string | null {
    return this.get()?.token ?? null;
  },
  set(token: string, expiresInSeconds: number): StoredSession {
    const value = { token, expiresAt: Date.now() + expiresInSeconds * 1000 };
    storage()?.setItem(KEY, JSON.stringify(value));
    return value;
  },
  clear(): void {
    storage()?.removeItem(KEY);
  },
};
