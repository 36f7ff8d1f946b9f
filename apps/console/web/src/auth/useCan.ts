import { useCallback } from 'react';
import { can, type AccessKey } from '../access';
import { useAuth } from './AuthProvider';

/** const can = useCan(); can('bills.adjust') — show a button/part only to the roles access.ts names. */
export function useCan(): (key: AccessKey) => boolean {
  const { me } = useAuth();
  return useCallback((key: AccessKey) => can(me?.role, key), [me?.role]);
}
