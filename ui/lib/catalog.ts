/**
 * The sidebar's catalogue: which kinds the cluster serves (discovery, the `api-resources`
 * domain), placed where a Kubernetes user looks for them. Cluster-wide things first (nodes,
 * namespaces, events, cluster RBAC, storage, config, CRDs and cluster-scoped custom resources),
 * then what lives in a namespace (workloads, pods, config, network, RBAC, storage, autoscaling,
 * quotas, custom resources by API group, Helm releases). A kind the cluster does not serve is not
 * listed; one served that has no place here goes under "Other" rather than nowhere.
 *
 * Pure: discovery rows in, sections out, so it is tested without React.
 */
import type { ApiResourceRow } from '../../adapters/rows.js';

/** What an entry opens: a hand-made view, or the generic view of one resource domain. */
export type CatalogTarget =
  | { readonly view: 'nodes' | 'workloads' | 'pods' | 'events' | 'helm' }
  | { readonly view: 'resource'; readonly domain: string };

export interface CatalogItem {
  /** Unique in the sidebar: the view name, or the domain. */
  readonly id: string;
  readonly label: string;
  /** The kind's API group, shown small beside custom resources; '' for none. */
  readonly detail: string;
  readonly target: CatalogTarget;
  readonly namespaced: boolean;
  /**
   * Where its count comes from in `/api/v1/counts`: the first alternative whose domains are all
   * counted, summed (Workloads are five kinds).
   */
  readonly countFrom: readonly (readonly string[])[];
}

export interface CatalogGroup {
  readonly id: string;
  /** '' for items that stand on their own at the top of a section. */
  readonly label: string;
  readonly items: readonly CatalogItem[];
}

export interface CatalogSection {
  readonly id: 'cluster' | 'namespace';
  readonly label: string;
  readonly groups: readonly CatalogGroup[];
}

/** `group/resource` without the version: where a kind goes does not depend on which version is served. */
type Place = { readonly section: 'cluster' | 'namespace'; readonly group: string; readonly label: string };

const placed: Readonly<Record<string, Place>> = {
  'core/namespaces': { section: 'cluster', group: '', label: 'Namespaces' },
  'rbac.authorization.k8s.io/clusterroles': { section: 'cluster', group: 'RBAC', label: 'Cluster Roles' },
  'rbac.authorization.k8s.io/clusterrolebindings': { section: 'cluster', group: 'RBAC', label: 'Cluster Role Bindings' },
  'core/persistentvolumes': { section: 'cluster', group: 'Storage', label: 'Persistent Volumes' },
  'storage.k8s.io/storageclasses': { section: 'cluster', group: 'Storage', label: 'Storage Classes' },
  'networking.k8s.io/ingressclasses': { section: 'cluster', group: 'Config', label: 'Ingress Classes' },
  'scheduling.k8s.io/priorityclasses': { section: 'cluster', group: 'Config', label: 'Priority Classes' },
  'admissionregistration.k8s.io/validatingwebhookconfigurations': { section: 'cluster', group: 'Config', label: 'Validating Webhooks' },
  'admissionregistration.k8s.io/mutatingwebhookconfigurations': { section: 'cluster', group: 'Config', label: 'Mutating Webhooks' },
  'apiextensions.k8s.io/customresourcedefinitions': { section: 'cluster', group: 'CRDs', label: 'Definitions' },
  'core/configmaps': { section: 'namespace', group: 'Config', label: 'ConfigMaps' },
  'core/secrets': { section: 'namespace', group: 'Config', label: 'Secrets' },
  'core/services': { section: 'namespace', group: 'Network', label: 'Services' },
  'networking.k8s.io/ingresses': { section: 'namespace', group: 'Network', label: 'Ingresses' },
  'networking.k8s.io/networkpolicies': { section: 'namespace', group: 'Network', label: 'Network Policies' },
  'discovery.k8s.io/endpointslices': { section: 'namespace', group: 'Network', label: 'Endpoint Slices' },
  'rbac.authorization.k8s.io/roles': { section: 'namespace', group: 'RBAC', label: 'Roles' },
  'rbac.authorization.k8s.io/rolebindings': { section: 'namespace', group: 'RBAC', label: 'Role Bindings' },
  'core/serviceaccounts': { section: 'namespace', group: 'RBAC', label: 'Service Accounts' },
  'core/persistentvolumeclaims': { section: 'namespace', group: 'Storage', label: 'Persistent Volume Claims' },
  'autoscaling/horizontalpodautoscalers': { section: 'namespace', group: 'Autoscaling', label: 'Horizontal Pod Autoscalers' },
  'core/resourcequotas': { section: 'namespace', group: 'Quotas', label: 'Resource Quotas' },
  'core/limitranges': { section: 'namespace', group: 'Quotas', label: 'Limit Ranges' },
  'policy/poddisruptionbudgets': { section: 'namespace', group: 'Quotas', label: 'Pod Disruption Budgets' },
};

/** The order of the named groups in each section; custom resources by API group follow, then Other. */
const groupOrder = { cluster: ['', 'RBAC', 'Storage', 'Config', 'CRDs'], namespace: ['', 'Config', 'Network', 'RBAC', 'Storage', 'Autoscaling', 'Quotas'] } as const;

/**
 * Kinds a hand-made view already shows with richer rows (and metrics), or that another entry
 * covers: they are not listed again under Other.
 */
const shownElsewhere = new Set([
  'core/pods',
  'core/nodes',
  'apps/deployments',
  'apps/statefulsets',
  'apps/daemonsets',
  'apps/replicasets',
  'batch/jobs',
  'batch/cronjobs',
  // Events have a hand-made view (live Last Seen), and events.k8s.io serves the same ones.
  'core/events',
  'events.k8s.io/events',
]);

const workloadDomains = ['apps/v1/deployments', 'apps/v1/statefulsets', 'apps/v1/daemonsets', 'batch/v1/jobs', 'batch/v1/cronjobs'];

/**
 * Groups Kubernetes itself defines: the core group, the dotless ones (apps, batch, policy...) and
 * those under k8s.io or kubernetes.io. Anything else comes from a CRD or an aggregated API.
 */
function isKubernetesGroup(group: string): boolean {
  return !group.includes('.') || /(^|\.)(k8s|kubernetes)\.io$/.test(group);
}

/** A kind's place key: `core/configmaps`, `apps/deployments`. */
function placeKey(row: Pick<ApiResourceRow, 'group' | 'resource'>): string {
  return `${row.group === '' ? 'core' : row.group}/${row.resource}`;
}

/** Whether a resource can be shown live: it must answer list and watch. */
export function isListable(row: ApiResourceRow): boolean {
  return row.verbs.includes('list') && row.verbs.includes('watch') && !row.resource.includes('/');
}

/**
 * A kind's plural for a label, in the kind's own capitals: the resource name is the plural the
 * API chose (Endpoints stays Endpoints, Ingress → Ingresses), and where it does not continue the
 * kind's name, English rules do (Policy → Policies).
 */
export function pluralKind(kind: string, resource = ''): string {
  const lower = kind.toLowerCase();
  if (resource === lower) return kind;
  if (resource.startsWith(lower)) return `${kind}${resource.slice(lower.length)}`;
  if (/[^aeiou]y$/i.test(kind)) return `${kind.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/i.test(kind)) return `${kind}es`;
  return `${kind}s`;
}

/** Version order as Kubernetes sorts them: GA before beta before alpha, higher numbers first. */
function versionRank(version: string): [number, number, number] {
  const match = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(version);
  if (!match) return [3, 0, 0];
  const stage = match[2] === undefined ? 0 : match[2] === 'beta' ? 1 : 2;
  return [stage, -Number(match[1]), -Number(match[3] ?? 0)];
}

function compareVersions(a: string, b: string): number {
  const ra = versionRank(a);
  const rb = versionRank(b);
  return ra[0] - rb[0] || ra[1] - rb[1] || ra[2] - rb[2];
}

/**
 * One row per group and resource: the version the server prefers for its group where it serves
 * the resource there, else the most stable one (as kubectl picks when no version is named).
 */
export function servedKinds(rows: readonly ApiResourceRow[]): ApiResourceRow[] {
  const byKind = new Map<string, ApiResourceRow>();
  for (const row of rows) {
    if (!isListable(row)) continue;
    const key = placeKey(row);
    const held = byKind.get(key);
    if (!held || (row.preferred && !held.preferred) || (row.preferred === held.preferred && compareVersions(row.version, held.version) < 0)) {
      byKind.set(key, row);
    }
  }
  return [...byKind.values()];
}

function item(row: ApiResourceRow, label: string, detail = ''): CatalogItem {
  return { id: row.domain, label, detail, target: { view: 'resource', domain: row.domain }, namespaced: row.namespaced, countFrom: [[row.domain]] };
}

function builtin(view: 'nodes' | 'workloads' | 'pods' | 'events' | 'helm', label: string, namespaced: boolean, countFrom: readonly (readonly string[])[]): CatalogItem {
  return { id: view, label, detail: '', target: { view }, namespaced, countFrom };
}

const byLabel = (a: CatalogItem, b: CatalogItem) => a.label.localeCompare(b.label);

/** Placed kinds keep the order of the table above (Cluster Roles before their bindings, ConfigMaps before Secrets). */
const placedRank = new Map(Object.values(placed).map((place, i) => [place.label, i]));
/** Hand-made views among them: Nodes first, Events after Namespaces, Workloads and Pods first in a namespace. */
const builtinRank: Readonly<Record<string, number>> = { nodes: -3, workloads: -2, pods: -1, events: 0.5 };
const rankOf = (item: CatalogItem) => builtinRank[item.id] ?? placedRank.get(item.label) ?? 0;
const byPlace = (a: CatalogItem, b: CatalogItem) => rankOf(a) - rankOf(b);

/**
 * The sidebar, from discovery. Before discovery has answered (`rows` empty) the hand-made views
 * are still listed, so the dashboard is usable from the first frame.
 */
export function buildCatalog(rows: readonly ApiResourceRow[]): CatalogSection[] {
  const groups = { cluster: new Map<string, CatalogItem[]>(), namespace: new Map<string, CatalogItem[]>() };
  const add = (section: 'cluster' | 'namespace', group: string, entry: CatalogItem) => {
    const list = groups[section].get(group) ?? [];
    list.push(entry);
    groups[section].set(group, list);
  };
  add('cluster', '', builtin('nodes', 'Nodes', false, [['nodes'], ['core/v1/nodes']]));
  add('cluster', '', builtin('events', 'Events', true, [['events'], ['core/v1/events']]));
  add('namespace', '', builtin('workloads', 'Workloads', true, [['workloads'], workloadDomains]));
  add('namespace', '', builtin('pods', 'Pods', true, [['pods'], ['core/v1/pods']]));

  const customGroups = { cluster: new Map<string, CatalogItem[]>(), namespace: new Map<string, CatalogItem[]>() };
  for (const row of servedKinds(rows)) {
    const key = placeKey(row);
    const place = placed[key];
    if (place) {
      add(place.section, place.group, item(row, place.label));
      continue;
    }
    if (shownElsewhere.has(key)) continue;
    const section = row.namespaced ? 'namespace' : 'cluster';
    // Grouped by API group: a CRD's kinds, and those of an aggregated API (discovery marks only CRDs custom).
    if (row.custom || !isKubernetesGroup(row.group)) {
      const list = customGroups[section].get(row.group) ?? [];
      list.push(item(row, pluralKind(row.kind, row.resource), row.group));
      customGroups[section].set(row.group, list);
    } else {
      add(section, 'Other', item(row, pluralKind(row.kind, row.resource), row.group));
    }
  }

  const sections: CatalogSection[] = [];
  for (const section of ['cluster', 'namespace'] as const) {
    const named = groups[section];
    const out: CatalogGroup[] = [];
    for (const label of groupOrder[section]) {
      const items = named.get(label);
      // The placed kinds in the table's order, hand-made views where builtinRank puts them.
      if (items && items.length > 0) out.push({ id: `${section}:${label || 'top'}`, label, items: [...items].sort(byPlace) });
    }
    for (const [group, items] of [...customGroups[section]].sort(([a], [b]) => a.localeCompare(b))) {
      out.push({ id: `${section}:custom:${group}`, label: group, items: items.sort(byLabel) });
    }
    // No count: /api/v1/counts counts Helm's release Secrets, one per revision, not releases.
    if (section === 'namespace') out.push({ id: 'namespace:helm', label: 'Helm', items: [builtin('helm', 'Releases', true, [])] });
    const other = named.get('Other');
    if (other && other.length > 0) out.push({ id: `${section}:Other`, label: 'Other', items: other.sort(byLabel) });
    sections.push({ id: section, label: section === 'cluster' ? 'Cluster' : 'Namespace', groups: out });
  }
  return sections;
}

/** A count for an entry from `/api/v1/counts`, or null when the backend counted none of its alternatives. */
export function countOf(entry: CatalogItem, counts: Readonly<Record<string, number>>): number | null {
  for (const alternative of entry.countFrom) {
    if (alternative.every((domain) => typeof counts[domain] === 'number')) {
      return alternative.reduce((sum, domain) => sum + counts[domain]!, 0);
    }
  }
  return null;
}

/** The discovery row of a domain, if the cluster serves it. */
export function findKind(rows: readonly ApiResourceRow[], domain: string): ApiResourceRow | undefined {
  return rows.find((row) => row.domain === domain);
}
