/**
 * The location hash names the screen: the view, the namespace scope, and for the resource and
 * Helm views the filter, the sort, the wide columns and the selected object, so a reload or a
 * copied link opens the same screen and Back/Forward walk the screens visited.
 *
 *   #/pods?ns=shop
 *   #/r/core/v1/configmaps?ns=shop&q=nginx&sort=-Age&sel=shop/nginx-conf&wide=1
 *   #/helm?ns=shop&sel=shop/web
 *
 * `sort` is a column id, `-` before it for descending; `sel` is `namespace/name`, or `name` for a
 * cluster-wide object (a Helm release: the one whose history is open).
 */
import { isResourceDomain } from '../../machines/domains.js';
import type { SortSpec } from './order.js';

export type Tab = 'nodes' | 'workloads' | 'pods' | 'events' | 'diagnostics' | 'helm' | 'resource';

export interface Route {
  readonly tab: Tab;
  /** '' is all namespaces. */
  readonly namespace: string;
  /** The resource view's domain (`core/v1/configmaps`); null for the other views. */
  readonly domain: string | null;
  readonly filter: string;
  readonly sort: SortSpec | null;
  /** `namespace/name` or `name`. */
  readonly selected: string | null;
  /** Show the columns `kubectl get -o wide` adds. */
  readonly wide: boolean;
}

const plainTabs: readonly Tab[] = ['nodes', 'workloads', 'pods', 'events', 'diagnostics', 'helm'];
const namespacePattern = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A name as Kubernetes allows it (DNS subdomain, and the looser names some kinds take); anything else is ignored. */
const objectPattern = /^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.:@]{0,251}[A-Za-z0-9])?$/;

/** Goes to a screen: a new history entry, or `replace` for what should not be one (a filter as it is typed). */
export type Navigate = (route: Route, options?: { replace?: boolean }) => void;

export const defaultRoute: Route = { tab: 'nodes', namespace: '', domain: null, filter: '', sort: null, selected: null, wide: false };

export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const at = text.indexOf('?');
  const path = at < 0 ? text : text.slice(0, at);
  const query = new URLSearchParams(at < 0 ? '' : text.slice(at + 1));
  let tab: Tab = 'nodes';
  let domain: string | null = null;
  if (path.startsWith('r/') && isResourceDomain(path.slice(2))) {
    tab = 'resource';
    domain = path.slice(2);
  } else if ((plainTabs as readonly string[]).includes(path)) {
    tab = path as Tab;
  }
  const namespace = query.get('ns') ?? '';
  const sortText = query.get('sort') ?? '';
  const sortColumn = sortText.replace(/^-/, '');
  const selected = query.get('sel') ?? '';
  return {
    tab,
    // A namespace is a DNS label; anything else in the hash is ignored rather than subscribed to.
    namespace: namespacePattern.test(namespace) ? namespace : '',
    domain,
    filter: (query.get('q') ?? '').slice(0, 200),
    sort: sortColumn !== '' && sortColumn.length <= 100 ? { column: sortColumn, descending: sortText.startsWith('-') } : null,
    selected: objectPattern.test(selected) ? selected : null,
    wide: query.get('wide') === '1',
  };
}

export function routeHash(route: Route): string {
  const path = route.tab === 'resource' && route.domain ? `r/${route.domain}` : route.tab === 'resource' ? 'nodes' : route.tab;
  const query = new URLSearchParams();
  if (route.namespace) query.set('ns', route.namespace);
  if (route.filter) query.set('q', route.filter);
  if (route.sort) query.set('sort', `${route.sort.descending ? '-' : ''}${route.sort.column}`);
  if (route.selected) query.set('sel', route.selected);
  if (route.wide) query.set('wide', '1');
  const search = query.toString();
  return `#/${path}${search ? `?${search}` : ''}`;
}

/**
 * The route for opening another view: the namespace scope carries over, what belonged to the
 * view left behind (its filter, sort, selection, wide columns) does not.
 */
export function openView(from: Route, tab: Tab, domain: string | null = null): Route {
  return { ...defaultRoute, tab, domain: tab === 'resource' ? domain : null, namespace: from.namespace };
}

/** `namespace/name` for a namespaced object, `name` for a cluster-wide one. */
export function objectId(namespace: string, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}
