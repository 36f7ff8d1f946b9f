import { createContext, useContext } from 'react';
import type { Bootstrap } from './bootstrap';

export const BootstrapContext = createContext<Bootstrap>({
  kind: 'tenant',
  graphql: '/graphql/',
  language: 'zh-hans',
  tenant: null,
});

export function useBootstrap(): Bootstrap {
  return useContext(BootstrapContext);
}
