// What the Django view inlines into index.html (apps/console/views.py): which console this host serves.
export type TenantStatus = 'ACTIVE' | 'SUSPENDED' | 'CLOSED';

export interface Bootstrap {
  kind: 'tenant' | 'platform';
  graphql: string;
  language: 'zh-hans' | 'en';
  tenant: { name: string; slug: string; status: TenantStatus } | null;
}

export function readBootstrap(doc: Document = document): Bootstrap {
  const node = doc.getElementById('console-bootstrap');
  if (node?.textContent) return JSON.parse(node.textContent) as Bootstrap;
  // `npm run dev` (Vite serves index.html itself): guess from the host name.
  const host = doc.location?.hostname ?? 'localhost';
  const sub = host.split('.').length > 1 && host !== '127.0.0.1' ? host.split('.')[0] : null;
  return sub
    ? { kind: 'tenant', graphql: '/graphql/', language: 'zh-hans', tenant: { name: sub, slug: sub, status: 'ACTIVE' } }
    : { kind: 'platform', graphql: '/graphql/', language: 'zh-hans', tenant: null };
}
