// One fetch-based GraphQL executor for both schemas. Documents are typed strings from codegen
// (`graphql()` in src/gql/*), so `request(doc, vars)` is typed end to end without a GraphQL runtime.
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
import { session } from '../auth/session';

export type Doc<R, V> = DocumentTypeDecoration<R, V> & { toString(): string };

/** Codes a page may need to tell apart: GraphQL `extensions.code`, or the host-level JSON `error.code`. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly retryAfter?: number;
  constructor(code: string, message: string, status = 200, retryAfter?: number) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

/** Whole-console events: the session ended, or the company's service is suspended/closed. */
type Listener = (error: ApiError) => void;
const listeners = new Set<Listener>();
export function onApiFailure(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
export const SESSION_CODES = new Set(['UNAUTHENTICATED', 'SESSION_EXPIRED', 'TOKEN_EXPIRED']);
export const HOST_CODES = new Set(['TENANT_SUSPENDED', 'TENANT_CLOSED', 'UNKNOWN_HOST']);

let endpoint = '/graphql/';
export function setEndpoint(path: string): void {
  endpoint = path;
}

// The API words its messages (typed errors included) in the console's language, not the browser's.
let acceptLanguage = 'zh-CN';
export function setApiLanguage(lang: 'zh' | 'en'): void {
  acceptLanguage = lang === 'en' ? 'en' : 'zh-CN';
}

type VarsArg<V> = V extends Record<string, never> ? [variables?: V] : [variables: V];

export async function request<R, V>(doc: Doc<R, V>, ...[variables]: VarsArg<V>): Promise<R> {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Accept: 'application/json',
    'Accept-Language': acceptLanguage,
  };
  const token = session.token();
  if (token) headers.Authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query: doc.toString(), variables: variables ?? {} }),
    });
  } catch {
    throw new ApiError('NETWORK', '网络连接失败，请检查网络后重试。', 0);
  }
  let body: { data?: R; errors?: { message: string; extensions?: Record<string, unknown> }[]; error?: { code: string; message: string } };
  try {
    body = await response.json();
  } catch {
    throw new ApiError('HTTP_' + response.status, `服务器错误 (HTTP ${response.status})`, response.status);
  }
  if (body.error) {
    // The host itself refused (suspended / closed company, unknown host): not a GraphQL answer.
    const err = new ApiError(body.error.code, body.error.message, response.status);
    listeners.forEach((fn) => fn(err));
    throw err;
  }
  if (body.errors?.length) {
    const first = body.errors.find((e) => SESSION_CODES.has(String(e.extensions?.code))) ?? body.errors[0];
    const code = String(first.extensions?.code ?? 'ERROR');
    const retry = first.extensions?.retryAfter;
    const err = new ApiError(code, first.message, response.status, typeof retry === 'number' ? retry : undefined);
    if (SESSION_CODES.has(code) && token) {
      session.clear();
      listeners.forEach((fn) => fn(err));
    }
    throw err;
  }
  if (!response.ok || body.data === undefined) {
    throw new ApiError('HTTP_' + response.status, `服务器错误 (HTTP ${response.status})`, response.status);
  }
  return body.data as R;
}

/** Typed payload errors (`errors { field message code }`) as antd Form's setFields input. */
export interface PayloadError {
  field: string | null;
  message: string;
  code: string;
}

export function fieldErrors<K extends string>(errors: readonly PayloadError[], known: readonly K[]) {
  const isKnown = (f: string | null): f is K => f !== null && (known as readonly string[]).includes(f);
  const byField = new Map<K, string[]>();
  for (const e of errors) if (isKnown(e.field)) byField.set(e.field, [...(byField.get(e.field) ?? []), e.message]);
  const rest = errors.filter((e) => !isKnown(e.field));
  return {
    fields: [...byField].map(([name, messages]) => ({ name, errors: messages })),
    /** Whole-input errors, and errors on fields the form does not show: say them above the form. */
    general: rest.map((e) => e.message),
  };
}
