// Tests fake the network, not our modules: `fetch` answers GraphQL requests through a handler that sees
// the operation name and variables (and records every call).
import { vi } from 'vitest';

export interface GraphQLCall {
  operation: string;
  query: string;
  variables: Record<string, unknown>;
  headers: Record<string, string>;
}

export type Handler = (call: GraphQLCall) => { data?: unknown; errors?: unknown[] } | { status: number; body: unknown };

export function fakeGraphQL(handler: Handler): GraphQLCall[] {
  const calls: GraphQLCall[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (_url: string, init: RequestInit) => {
      const body = JSON.parse(String(init.body)) as { query: string; variables: Record<string, unknown> };
      const call = {
        operation: /\b(?:query|mutation)\s+(\w+)/.exec(body.query)?.[1] ?? '',
        query: body.query,
        variables: body.variables,
        headers: init.headers as Record<string, string>,
      };
      calls.push(call);
      const answer = handler(call);
      const [status, payload] = 'status' in answer ? [answer.status, answer.body] : [200, answer];
      return new Response(JSON.stringify(payload), { status, headers: { 'Content-Type': 'application/json' } });
    }),
  );
  return calls;
}
