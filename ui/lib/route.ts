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
import { parseClusterChoice } from './clusters.js';
import type { SortSpec } from './order.js';

export type Tab = 'nodes' | 'workloads' | 'pods' | 'events' | 'diagnostics' | 'helm' | 'resource' | 'describe';

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
  /** Pods only: those of this workload (`Deployment/web`: its ReplicaSets' pods too), `owner=`. */
  readonly owner?: string | null;
  /** Pods only: those bound to this node, `node=`. */
  readonly node?: string | null;
  /** Pods only: those whose STATUS is exactly this (`CrashLoopBackOff`, `Init:0/2`), `status=`. */
  readonly status?: string | null;
  /** Workloads only: the kind chip (`Deployment`), `kind=`. */
  readonly kind?: string | null;
  /** Workloads only: the selected object's kind, since names repeat across kinds (`sel=shop/web&of=StatefulSet`), `of=`. */
  readonly selectedKind?: string | null;
  /** Pods across clusters only: the selected pod's cluster, since names repeat across clusters (`sel=shop/web&in=prod`), `in=`. */
  readonly selectedCluster?: string | null;
}

const plainTabs: readonly Tab[] = ['nodes', 'workloads', 'pods', 'events', 'diagnostics', 'helm'];
const namespacePattern = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A name as Kubernetes allows it (DNS subdomain, and the looser names some kinds take); anything else is ignored. */
/** `Kind/name`: a workload kind (letters) and an object name. */
const ownerPattern = /^[A-Z][A-Za-z]{0,62}\/[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
/** A kind's name: `Deployment`. */
const kindPattern = /^[A-Z][A-Za-z]{0,62}$/;
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
  } else if (path.startsWith('describe/') && isResourceDomain(path.slice('describe/'.length))) {
    // The Describe page of one object: `#/describe/apps/v1/deployments?sel=shop/web`.
    tab = 'describe';
    domain = path.slice('describe/'.length);
  } else if ((plainTabs as readonly string[]).includes(path)) {
    tab = path as Tab;
  }
  const namespace = query.get('ns') ?? '';
  const sortText = query.get('sort') ?? '';
  const sortColumn = sortText.replace(/^-/, '');
  const selected = query.get('sel') ?? '';
  const owner = ownerPattern.test(query.get('owner') ?? '') ? query.get('owner') : null;
  const nodeText = query.get('node') ?? '';
  const node = objectPattern.test(nodeText) && !nodeText.includes('/') ? nodeText : null;
  const status = /^[A-Za-z][A-Za-z0-9:/]{0,62}$/.test(query.get('status') ?? '') ? query.get('status') : null;
  const kind = kindPattern.test(query.get('kind') ?? '') ? query.get('kind') : null;
  const selectedKind = kindPattern.test(query.get('of') ?? '') ? query.get('of') : null;
  const selectedCluster = parseClusterChoice(`?cluster=${encodeURIComponent(query.get('in') ?? '')}`).names[0] ?? null;
  return {
    tab,
    // A namespace is a DNS label; anything else in the hash is ignored rather than subscribed to.
    namespace: namespacePattern.test(namespace) ? namespace : '',
    domain,
    filter: (query.get('q') ?? '').slice(0, 200),
    sort: sortColumn !== '' && sortColumn.length <= 100 ? { column: sortColumn, descending: sortText.startsWith('-') } : null,
    selected: objectPattern.test(selected) ? selected : null,
    wide: query.get('wide') === '1',
    // The Pods view's narrowing, only when the address names it (the other views have none).
    ...(owner !== null ? { owner } : {}),
    ...(node !== null ? { node } : {}),
    ...(status !== null ? { status } : {}),
    // The Workloads view's kind chip and the kind of its open object.
    ...(kind !== null ? { kind } : {}),
    ...(selectedKind !== null ? { selectedKind } : {}),
    ...(selectedCluster !== null ? { selectedCluster } : {}),
  };
}

export function routeHash(route: Route): string {
  const path =
    (route.tab === 'resource' || route.tab === 'describe') && route.domain ? `${route.tab === 'resource' ? 'r' : 'describe'}/${route.domain}` : route.tab === 'resource' || route.tab === 'describe' ? 'nodes' : route.tab;
  const query = new URLSearchParams();
  if (route.namespace) query.set('ns', route.namespace);
  if (route.filter) query.set('q', route.filter);
  if (route.sort) query.set('sort', `${route.sort.descending ? '-' : ''}${route.sort.column}`);
  if (route.selected) query.set('sel', route.selected);
  if (route.wide) query.set('wide', '1');
  if (route.owner) query.set('owner', route.owner);
  if (route.node) query.set('node', route.node);
  if (route.status) query.set('status', route.status);
  if (route.kind) query.set('kind', route.kind);
  if (route.selectedKind) query.set('of', route.selectedKind);
  if (route.selectedCluster) query.set('in', route.selectedCluster);
  const search = query.toString();
  return `#/${path}${search ? `?${search}` : ''}`;
}

/**
 * The route for opening another view: the namespace scope carries over, what belonged to the
 * view left behind (its filter, sort, selection, wide columns) does not.
 */
export function openView(from: Route, tab: Tab, domain: string | null = null): Route {
  return { ...defaultRoute, tab, domain: tab === 'resource' || tab === 'describe' ? domain : null, namespace: from.namespace };
}

/** `namespace/name` for a namespaced object, `name` for a cluster-wide one. */
export function objectId(namespace: string, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** The Pods view narrowed to one workload's pods (`Deployment/web`) or one node's; Back returns. */
export function podsOf(by: { owner: string; namespace: string } | { node: string }): Route {
  return 'node' in by ? { ...defaultRoute, tab: 'pods', namespace: '', node: by.node } : { ...defaultRoute, tab: 'pods', namespace: by.namespace, owner: by.owner };
}

/** The Describe page of one object, its kind's resource domain (`apps/v1/deployments`) naming where to read it. */
export function describeRoute(from: Route, domain: string, namespace: string, name: string): Route {
  // An object of another cluster than the first keeps its cluster (`in=`), so Describe reads that cluster's.
  return { ...defaultRoute, tab: 'describe', domain, namespace: from.namespace, selected: objectId(namespace, name), ...(from.selectedCluster ? { selectedCluster: from.selectedCluster } : {}) };
}
