/** The location hash names the tab and the namespace scope: `#/pods?ns=shop`. */
export type Tab = 'nodes' | 'workloads' | 'pods' | 'diagnostics';

export interface Route {
  readonly tab: Tab;
  /** '' is all namespaces. */
  readonly namespace: string;
}

const tabNames: readonly Tab[] = ['nodes', 'workloads', 'pods', 'diagnostics'];

export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = text.split('?');
  const tab = (tabNames as readonly string[]).includes(path) ? (path as Tab) : 'nodes';
  const namespace = new URLSearchParams(query).get('ns') ?? '';
  // A namespace is a DNS label; anything else in the hash is ignored rather than subscribed to.
  return { tab, namespace: /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace) ? namespace : '' };
}

export function routeHash(route: Route): string {
  return `#/${route.tab}${route.namespace ? `?ns=${encodeURIComponent(route.namespace)}` : ''}`;
}
