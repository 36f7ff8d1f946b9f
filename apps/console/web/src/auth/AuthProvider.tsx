// Who is signed in, and the token's life: refreshed 5 minutes before it expires while the user is active
// (the API swaps it for a fresh one, up to its maximum session length); when idle the token runs out and
// the next screen is the login page. Any UNAUTHENTICATED answer also leads there.
import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { ApiError, onApiFailure, SESSION_CODES } from '../api/client';
import { session } from './session';
import type { AuthApi, Me, TokenResult } from './types';

export type EndReason = 'expired' | 'loggedOut' | null;

interface AuthState {
  status: 'loading' | 'anonymous' | 'signedIn';
  me: Me | null;
  /** Why the last session ended (the login page says so). */
  ended: EndReason;
  api: AuthApi;
  signIn(username: string, password: string): Promise<TokenResult>;
  signOut(): Promise<void>;
  /** After changeMyPassword: keep going with the fresh token it returned. */
  adoptToken(token: string, expiresIn: number): void;
}

const AuthContext = createContext<AuthState | null>(null);

const REFRESH_BEFORE_MS = 5 * 60_000;
const IDLE_MS = 30 * 60_000;

export function AuthProvider({ api, children }: { api: AuthApi; children: ReactNode }) {
  const queryClient = useQueryClient();
  const [me, setMe] = useState<Me | null>(null);
  const [status, setStatus] = useState<AuthState['status']>(session.get() ? 'loading' : 'anonymous');
  const [ended, setEnded] = useState<EndReason>(null);
  const [expiresAt, setExpiresAt] = useState<number | null>(session.get()?.expiresAt ?? null);
  const lastActive = useRef(Date.now());

  const end = useCallback(
    (reason: EndReason) => {
      session.clear();
      queryClient.clear();
      setMe(null);
      setExpiresAt(null);
      setEnded(reason);
      setStatus('anonymous');
    },
    [queryClient],
  );

  // Resume a session kept in this tab.
  useEffect(() => {
    if (!session.get()) return;
    let live = true;
    api
      .me()
      .then((who) => {
        if (!live) return;
        setMe(who);
        setStatus('signedIn');
      })
      .catch((err) => live && end(err instanceof ApiError && SESSION_CODES.has(err.code) ? 'expired' : null));
    return () => {
      live = false;
    };
  }, [api, end]);

  useEffect(
    () =>
      onApiFailure((err: ApiError) => {
        if (SESSION_CODES.has(err.code)) end('expired');
      }),
    [end],
  );

  useEffect(() => {
    const touch = () => {
      lastActive.current = Date.now();
    };
    window.addEventListener('pointerdown', touch);
    window.addEventListener('keydown', touch);
    return () => {
      window.removeEventListener('pointerdown', touch);
      window.removeEventListener('keydown', touch);
    };
  }, []);

  // Refresh shortly before expiry if the user was active; otherwise let it run out.
  useEffect(() => {
    if (status !== 'signedIn' || expiresAt === null) return;
    const now = Date.now();
    const refreshIn = Math.max(expiresAt - REFRESH_BEFORE_MS - now, 1000);
    const refreshTimer = window.setTimeout(async () => {
      if (Date.now() - lastActive.current > IDLE_MS) return;
      try {
        const res = await api.refresh();
        if (res.token && res.expiresIn) setExpiresAt(session.set(res.token, res.expiresIn).expiresAt);
      } catch {
        /* the expiry timer below ends the session */
      }
    }, refreshIn);
    const expiryTimer = window.setTimeout(() => end('expired'), Math.max(expiresAt - now, 0));
    return () => {
      window.clearTimeout(refreshTimer);
      window.clearTimeout(expiryTimer);
    };
  }, [api, end, expiresAt, status]);

  const signIn = useCallback(
    async (username: string, password: string) => {
      const res = await api.login(username, password);
      if (res.token && res.expiresIn && res.user) {
        setExpiresAt(session.set(res.token, res.expiresIn).expiresAt);
        queryClient.clear();
        setMe(res.user);
        setEnded(null);
        setStatus('signedIn');
      }
      return res;
    },
    [api, queryClient],
  );

  const signOut = useCallback(async () => {
    try {
      await api.logout();
    } catch {
      /* the token is dropped here either way */
    }
    end('loggedOut');
  }, [api, end]);

  const adoptToken = useCallback((token: string, expiresIn: number) => {
    setExpiresAt(session.set(token, expiresIn).expiresAt);
  }, []);

  const value = useMemo<AuthState>(
    () => ({ status, me, ended, api, signIn, signOut, adoptToken }),
    [status, me, ended, api, signIn, signOut, adoptToken],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}
