// React Query over `request`: cached per operation and variables, refetched on demand or on an interval
// (job progress), with ApiError as the error type.
import { useMutation, useQuery, type UseQueryOptions } from '@tanstack/react-query';
import { request, type ApiError, type Doc } from './client';

export function operationName(doc: { toString(): string }): string {
  return /\b(?:query|mutation)\s+(\w+)/.exec(doc.toString())?.[1] ?? doc.toString();
}

type QueryOpts<R> = Omit<UseQueryOptions<R, ApiError>, 'queryKey' | 'queryFn'>;

/** const { data, isLoading, error } = useGraphQL(Houses, { first: 20 }); */
export function useGraphQL<R, V>(doc: Doc<R, V>, variables: V, options: QueryOpts<R> = {}) {
  return useQuery<R, ApiError>({
    queryKey: [operationName(doc), variables],
    queryFn: () => (request as (d: Doc<R, V>, v: V) => Promise<R>)(doc, variables),
    ...options,
  });
}

/** const save = useGraphQLMutation(SaveTariffPlan); await save.mutateAsync(vars) */
export function useGraphQLMutation<R, V>(doc: Doc<R, V>) {
  return useMutation<R, ApiError, V>({
    mutationFn: (variables: V) => (request as (d: Doc<R, V>, v: V) => Promise<R>)(doc, variables),
  });
}
