// Server-paginated tables: ProTable asks for a page (`current`, `pageSize`, the search form's values);
// every list field of the API takes `first`/`offset` and answers `{ totalCount, items }`.
export interface ProTableParams {
  current?: number;
  pageSize?: number;
  [filter: string]: unknown;
}

export const DEFAULT_PAGE_SIZE = 20;

export function pageArgs(params: ProTableParams): { first: number; offset: number } {
  const size = Math.min(Math.max(params.pageSize ?? DEFAULT_PAGE_SIZE, 1), 100);
  const current = Math.max(params.current ?? 1, 1);
  return { first: size, offset: (current - 1) * size };
}

/** `{ totalCount, items }` → what ProTable's `request` must resolve to. */
export function tablePage<T>(page: { totalCount: number; items: readonly T[] }) {
  return { data: [...page.items], total: page.totalCount, success: true };
}

/** A search-form value as a GraphQL argument: blank strings are "no filter". */
export function optional(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value).trim();
  return text === '' ? undefined : text;
}
