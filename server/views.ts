/**
 * A view is what one domain + scope sees of the upstream caches: which upstreams back it, which
 * namespace it is narrowed to, and its rows, count, digest, resourceVersion and generation,
 * computed the same way for snapshots, resets, updates and heartbeats so they always agree.
 *
 * A view of a namespaced resource the user may not list cluster-wide is planned (`planView`)
 * onto one upstream per permitted namespace (`pods@shop`, `pods@payments`), combined as the six
 * upstreams of `workloads` are, and its report says it is partial (`pods in 2 of 9 namespaces`).
 */
import { digestOf, formatDigest } from '../adapters/digest.js';
import { isListWatchable, type DiscoveredResource, type Discovery } from '../adapters/kube/discovery.js';
import { domainResources, isResourceName, resourceSpecs, type ListWatchedDomain } from '../adapters/kube/resources.js';
import type { ApiResourceRow, ColumnDefinition, PartialViewReport, Row, SnapshotBody, StreamDomain, UpstreamReport } from '../adapters/protocol.js';
import { isResourceDomain, parseResourceDomain } from '../machines/domains.js';
import { combineAggregates, type GenerationCounter, type ResourceCache } from './cache.js';
import type { NamespaceAccess, RefusedNamespace, ResourceRef } from './permissions.js';
import { helmKey, logKey, type Upstream } from './upstreams.js';

export interface ViewSpec {
  readonly domain: StreamDomain;
  readonly scope: string;
  /** Upstream keys behind the view: as planned for the user's permissions (`pods@shop`), else `baseKeys`. */
  readonly keys: readonly string[];
  /** The resources the view shows, cluster-wide keys (`pods`, the six of `workloads`). */
  readonly baseKeys: readonly string[];
  /** Set when the plan covers only the namespaces the user may list (see planView). */
  readonly partial: PartialViewReport | null;
  /** The namespace rows must be in, or null for all. */
  readonly namespace: string | null;
  /** A resource domain's kind, as discovery lists it; null for the built-in domains. */
  readonly resource: DiscoveredResource | null;
}

function isListWatchedDomain(domain: StreamDomain): domain is ListWatchedDomain {
  return Object.hasOwn(domainResources, domain);
}

/** A view that cannot be: the domain is not served (`unknown-domain`) or the scope does not fit it (`bad-scope`). */
export class ViewError extends Error {
  constructor(
    readonly code: 'unknown-domain' | 'bad-scope',
    message: string,
  ) {
    super(message);
    this.name = 'ViewError';
  }
}

/** The view of a built-in domain (its scope already checked). Resource domains need `resolveView`. */
export function viewSpec(domain: StreamDomain, scope: string): ViewSpec {
  if (domain === 'pod-logs') return { domain, scope, keys: [logKey(scope)], baseKeys: [logKey(scope)], partial: null, namespace: null, resource: null };
  if (domain === 'helm-releases') return { domain, scope, keys: [helmKey], baseKeys: [helmKey], partial: null, namespace: scope !== '' ? scope : null, resource: null };
  if (!isListWatchedDomain(domain)) throw new ViewError('unknown-domain', `${domain} needs discovery: resolve it with resolveView`);
  const namespaced = domain === 'pods' || domain === 'events' || domain === 'workloads';
  const keys = domainResources[domain];
  return { domain, scope, keys, baseKeys: keys, partial: null, namespace: namespaced && scope !== '' ? scope : null, resource: null };
}

/**
 * The view of any streamed domain. A resource domain must be one discovery lists with list and
 * watch (a domain it does not know makes it ask the cluster again, at most every few seconds,
 * so a CRD created a moment ago is found), and a namespace scope needs a namespaced kind.
 */
export async function resolveView(discovery: Discovery, domain: StreamDomain, scope: string): Promise<ViewSpec> {
  if (!isResourceDomain(domain)) return viewSpec(domain, scope);
  await discovery.ready();
  let entry = discovery.resolve(domain);
  if (!entry) {
    await discovery.refreshIfStale();
    entry = discovery.resolve(domain);
  }
  if (!entry) {
    const other = discovery.resolveAnyVersion(domain);
    const hint = other ? `; it is served as ${other.group === '' ? 'core' : other.group}/${other.version}/${other.resource}` : '';
    throw new ViewError('unknown-domain', `the cluster does not serve ${domain}${hint}`);
  }
  if (!isListWatchable(entry)) throw new ViewError('unknown-domain', `${domain} cannot be listed and watched (verbs: ${entry.verbs.join(', ') || 'none'})`);
  if (!entry.namespaced && scope !== '') throw new ViewError('bad-scope', `${domain} is cluster-wide and takes no namespace scope`);
  return { domain, scope, keys: [domain], baseKeys: [domain], partial: null, namespace: scope !== '' ? scope : null, resource: entry };
}

/** The key of a resource's upstream narrowed to one namespace: `pods@shop`, `core/v1/configmaps@shop`. */
export function namespacedKey(base: string, namespace: string): string {
  return `${base}@${namespace}`;
}

/** `pods@shop` → `{base: 'pods', namespace: 'shop'}`; a cluster-wide key has namespace null. Namespace names hold no `@`. */
export function splitKey(key: string): { base: string; namespace: string | null } {
  const at = key.lastIndexOf('@');
  return at < 0 || key.startsWith('pod-logs:') ? { base: key, namespace: null } : { base: key.slice(0, at), namespace: key.slice(at + 1) };
}

/**
 * The resource behind a view's key, as authorization names it, when the view could be narrowed
 * to namespaces: namespaced kinds only (nodes, namespaces, a cluster-wide CRD are all or nothing).
 */
export function resourceRefOf(view: Pick<ViewSpec, 'resource'>, key: string): ResourceRef | null {
  if (isResourceName(key)) {
    const spec = resourceSpecs[key];
    if (!spec.namespaced) return null;
    const group = spec.groupVersion.startsWith('/apis/') ? (spec.groupVersion.split('/')[2] ?? '') : '';
    return { group, resource: key };
  }
  if (key === helmKey) return { group: '', resource: 'secrets' };
  const gvr = parseResourceDomain(key);
  if (!gvr || !view.resource?.namespaced) return null;
  return { group: gvr.group, resource: gvr.resource };
}

/** The part of Permissions a plan needs. */
export interface AccessLookup {
  access(ref: ResourceRef, scope: string | null): Promise<NamespaceAccess>;
  current(ref: ResourceRef): NamespaceAccess | undefined;
}

/** The view as the user's permissions allow it now; the first check of a resource waits for its answer. */
export async function planWithPermissions(permissions: AccessLookup | undefined, view: ViewSpec): Promise<ViewSpec> {
  if (!permissions || view.domain === 'pod-logs') return view;
  for (const key of view.baseKeys) {
    const ref = resourceRefOf(view, key);
    if (ref) await permissions.access(ref, view.namespace);
  }
  return planView(view, (ref) => permissions.current(ref));
}

/**
 * Refused namespaces a partial report lists (it rides on every heartbeat, every 2 s): a cluster of
 * a thousand namespaces must not make each heartbeat 100 kB. The summary counts them all, and
 * /api/v1/diagnostics (`permissions`) lists every one.
 */
export const maxRefusedListed = 20;

/** More namespaces than this in one view are left out, and said so: each is a watch and a probe on the API server. */
export const maxNamespacesPerView = 64;

/**
 * The view as the user's permissions allow it. Each resource the user may list cluster-wide (or
 * whose access is not known) keeps its one cluster-wide upstream; one it may list only in some
 * namespaces gets an upstream per permitted namespace the view wants (all of them, or its
 * scope). A resource permitted nowhere the view wants keeps its cluster-wide key, whose 403
 * makes the view `forbidden`: that is what `blocked.permissions` is for. A view of all namespaces
 * that ends up narrowed says so in `partial`.
 */
export function planView(view: ViewSpec, access: (ref: ResourceRef) => NamespaceAccess | undefined, maxNamespaces = maxNamespacesPerView): ViewSpec {
  if (view.domain === 'pod-logs') return view;
  const keys: string[] = [];
  const covered = new Set<string>();
  const refused = new Map<string, string>();
  let narrowed = false;
  let total: number | null = null;
  for (const key of view.baseKeys) {
    const ref = resourceRefOf(view, key);
    const known = ref ? access(ref) : undefined;
    if (!known || known.kind === 'cluster') {
      keys.push(key);
      continue;
    }
    narrowed = true;
    total = known.total ?? total;
    for (const r of known.refused) if (!refused.has(r.namespace)) refused.set(r.namespace, r.reason);
    const wanted = view.namespace === null ? known.permitted : known.permitted.filter((n) => n === view.namespace);
    if (wanted.length === 0) {
      keys.push(key);
      continue;
    }
    wanted.forEach((namespace, i) => {
      if (i >= maxNamespaces) {
        refused.set(namespace, `kubelive watches at most ${maxNamespaces} namespaces of one view`);
        return;
      }
      keys.push(namespacedKey(key, namespace));
      covered.add(namespace);
    });
  }
  if (!narrowed) return { ...view, keys, partial: null };
  // A view scoped to one namespace shows all it asked for once that namespace is permitted.
  if (view.namespace !== null) return { ...view, keys, partial: null };
  const namespaces = [...covered].sort();
  const notCovered: RefusedNamespace[] = [...refused].filter(([n]) => !covered.has(n)).map(([namespace, reason]) => ({ namespace, reason })).sort((a, b) => (a.namespace < b.namespace ? -1 : 1));
  const of = total ?? namespaces.length + notCovered.length;
  return {
    ...view,
    keys,
    partial: { namespaces, refused: notCovered.slice(0, maxRefusedListed), total, summary: `${view.domain} in ${namespaces.length} of ${of} namespace${of === 1 ? '' : 's'}` },
  };
}

/** The columns a view's rows follow: a resource domain's cache's; undefined for built-in rows. */
export function viewColumns(view: ViewSpec, caches: readonly ResourceCache[]): readonly ColumnDefinition[] | undefined {
  if (view.resource === null) return undefined;
  return caches[0]?.columns ?? undefined;
}

export interface ViewState {
  readonly count: number;
  readonly digest: string;
  readonly generation: number;
  readonly resourceVersion: string;
}

export function viewState(caches: readonly ResourceCache[], namespace: string | null): ViewState {
  const combined = combineAggregates(caches.map((cache) => cache.aggregate(namespace)));
  return {
    count: combined.count,
    digest: formatDigest(combined.digest),
    generation: combined.lastGeneration,
    resourceVersion: combined.lastResourceVersion,
  };
}

/** A view's rows as last gathered, with the generations they were gathered at. */
interface Gathered {
  readonly caches: readonly ResourceCache[];
  readonly namespace: string | null;
  readonly generations: readonly number[];
  readonly rows: readonly Row[];
}

/** By the view's first cache: one gathering per view kept, until its rows change. */
const lastGathered = new WeakMap<ResourceCache, Gathered>();

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

/**
 * The view's rows, for a reset or a snapshot. Every change moves its namespace's generation, so
 * while the generations are those of the last gathering its rows are too, and they are shared:
 * ten clients subscribing to 150,000 pods in one turn gather them once, not ten times (each
 * gathering 5–30 ms of the loop). Callers only read the array.
 */
export function viewRows(caches: readonly ResourceCache[], namespace: string | null): readonly Row[] {
  const generations = caches.map((cache) => cache.aggregate(namespace).lastGeneration);
  const first = caches[0];
  const held = first ? lastGathered.get(first) : undefined;
  if (held && held.namespace === namespace && sameItems(held.caches, caches) && sameItems(held.generations, generations)) return held.rows;
  const rows: Row[] = [];
  for (const cache of caches) cache.collectRows(namespace, rows);
  if (first) lastGathered.set(first, { caches: [...caches], namespace, generations, rows });
  return rows;
}

/**
 * One report for a view over several upstreams: healthy only when all are; otherwise the first
 * unhealthy one speaks, its reason prefixed with the resource when there are several.
 */
export function combinedReport(upstreams: readonly Upstream[], now = Date.now(), partial: PartialViewReport | null = null): UpstreamReport {
  const reports = upstreams.map((u) => ({ key: u.key, report: u.report(now) }));
  const first = reports[0];
  if (reports.length === 1 && first) return partial ? { ...first.report, partial } : first.report;
  const sick = reports.find((r) => !r.report.healthy);
  const ages = reports.map((r) => r.report.lastEventAgeMs).filter((a): a is number => typeof a === 'number');
  return {
    state: sick ? sick.report.state : 'watching',
    healthy: !sick,
    lastEventAgeMs: ages.length > 0 ? Math.max(...ages) : null,
    relists: reports.reduce((n, r) => n + (r.report.relists ?? 0), 0),
    errors: reports.reduce((n, r) => n + (r.report.errors ?? 0), 0),
    reason: sick ? `${sick.key}: ${sick.report.reason ?? sick.report.state}` : null,
    // The view is as freshly proven as its least freshly proven resource.
    proofAgeMs: reports.some((r) => r.report.proofAgeMs === null || r.report.proofAgeMs === undefined)
      ? null
      : Math.max(...reports.map((r) => r.report.proofAgeMs as number)),
    ...(partial ? { partial } : {}),
  };
}

/** The generation each discovery answer was first served with: it moves only when the answer does. */
const discoveryGenerations = new WeakMap<Discovery, { digest: string; generation: number }>();

/**
 * The `api-resources` snapshot: every resource discovery found, sorted by domain. Its digest and
 * ETag change only when an entry does; its upstream is discovery itself (unhealthy, with the
 * reason, when the last rediscovery failed and the rows are the previous answer).
 */
export function apiResourcesSnapshot(discovery: Discovery, generations: GenerationCounter): { body: SnapshotBody<ApiResourceRow>; etag: string } {
  const items = discovery.rows().sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0));
  const digest = digestOf(items);
  let memo = discoveryGenerations.get(discovery);
  if (!memo || memo.digest !== digest) {
    memo = { digest, generation: generations.next() };
    discoveryGenerations.set(discovery, memo);
  }
  const healthy = discovery.lastError === null;
  const body: SnapshotBody<ApiResourceRow> = {
    domain: 'api-resources',
    scope: '',
    resourceVersion: digest,
    generation: memo.generation,
    generatedAt: new Date().toISOString(),
    items,
    count: items.length,
    digest,
    upstream: {
      state: healthy ? 'watching' : 'backoff',
      healthy,
      lastEventAgeMs: discovery.refreshedAt === null ? null : Date.now() - discovery.refreshedAt,
      relists: discovery.refreshes,
      errors: 0,
      reason: healthy ? null : `discovery: ${discovery.lastError}`,
      proofAgeMs: null,
    },
    source: 'api',
  };
  return { body, etag: `"discovery-${digest}-${items.length}"` };
}
