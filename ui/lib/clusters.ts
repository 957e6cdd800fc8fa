/**
 * Which clusters the page shows, as the address says it, and one list across them.
 *
 * The choice lives in the page's query, before the hash (the hash is the screen, lib/route.ts),
 * so every screen keeps it:
 *
 *   /?cluster=prod#/pods            one cluster
 *   /?clusters=prod,staging#/pods   several, in this order
 *   /#/pods                         the backend's default cluster
 *
 * A cluster is a kubeconfig context, named as the kubeconfig names it (adapters/protocol.ts).
 */
import type { ClusterSummary } from '../../adapters/protocol.js';

/**
 * More clusters than this in one address are ignored past the limit: each is an engine with its
 * own socket and subscriptions, and a typed or pasted address must not open fifty.
 */
export const maxChosenClusters = 8;

/**
 * A context name is whatever key the kubeconfig gives it: `kubectl config set-context NAME`
 * (kubernetes.io, kubectl reference) puts no rule on NAME, and real ones hold `:`, `/`, `@`
 * (`arn:aws:eks:…:cluster/prod`, `admin@prod`) and even spaces. So only what no one names a
 * context with is refused: control characters, and more than 253 characters. A name with a
 * comma can be shown alone (`?cluster=`), not in a `?clusters=` list, whose separator it is.
 */
const clusterNamePattern = /^[^\u0000-\u001f\u007f]{1,253}$/;

export interface ClusterChoice {
  /** Chosen clusters in the address's order; empty: the backend's default cluster. */
  readonly names: readonly string[];
  /** What the address named that cannot be a context name (said on screen, never sent). */
  readonly refused: readonly string[];
}

export function parseClusterChoice(search: string): ClusterChoice {
  const query = new URLSearchParams(search);
  const several = query.get('clusters');
  const listed = several !== null ? several.split(',') : query.has('cluster') ? [query.get('cluster') ?? ''] : [];
  const names: string[] = [];
  const refused: string[] = [];
  for (const raw of listed) {
    const name = raw.trim();
    if (name === '') continue;
    if (!clusterNamePattern.test(name)) refused.push(name.slice(0, 80));
    else if (!names.includes(name) && names.length < maxChosenClusters) names.push(name);
  }
  return { names, refused };
}

/** The query for a choice, keeping whatever else the query holds (`?inspect`). */
export function clusterSearch(search: string, names: readonly string[]): string {
  const query = new URLSearchParams(search);
  query.delete('cluster');
  query.delete('clusters');
  if (names.length === 1) query.set('cluster', names[0]!);
  else if (names.length > 1) query.set('clusters', names.filter((n) => !n.includes(',')).join(','));
  // Commas and slashes read better in an address than %2C and %2F, and are valid in a query.
  const text = query.toString().replace(/%2C/gi, ',').replace(/%2F/gi, '/').replace(/%3A/gi, ':').replace(/%40/g, '@');
  return text === '' ? '' : `?${text}`;
}

/** Picking a cluster's name shows that one alone; ticking its box adds it to, or takes it from, the rest. */
export function toggleCluster(chosen: readonly string[], name: string): string[] {
  if (chosen.includes(name)) return chosen.length === 1 ? [...chosen] : chosen.filter((c) => c !== name);
  return chosen.length >= maxChosenClusters ? [...chosen] : [...chosen, name];
}

/** A row of one cluster in a list across several: keyed by cluster and uid, since uids are only unique within a cluster. */
export type ClusterRow<R> = R & { readonly cluster: string; readonly clusterKey: string };

/**
 * One list from each cluster's rows. Each part's tagged rows are cached by the identity of its
 * rows, so a change in one cluster re-tags only that cluster's rows. With `order`, by which every
 * part is already sorted (the store keeps each cluster's rows in order), the parts are merged in
 * that order, ties by cluster, in one linear pass. Measured on 3 × 17,000 pods with one row of one
 * cluster changed: re-tagging every row and sorting the whole list took 86 ms, re-tagging only
 * the changed rows and merging 27 ms (docs/ui.md). Without it, the clusters'
 * rows follow one another in the clusters' order.
 */
export function createClusterMerger<R extends { readonly uid: string }>(order?: (a: R, b: R) => number): (parts: readonly { cluster: string; rows: readonly R[] }[]) => ClusterRow<R>[] {
  const tagged = new Map<string, { rows: readonly R[]; out: ClusterRow<R>[] }>();
  // Per cluster, each row object's tagged copy: the store keeps an unchanged row the same object,
  // so a change re-tags only the rows it wrote.
  const copies = new Map<string, WeakMap<R, ClusterRow<R>>>();
  const tag = (cluster: string, row: R): ClusterRow<R> => {
    let byRow = copies.get(cluster);
    if (!byRow) copies.set(cluster, (byRow = new WeakMap()));
    let copy = byRow.get(row);
    if (!copy) byRow.set(row, (copy = { ...row, cluster, clusterKey: `${cluster}/${row.uid}` }));
    return copy;
  };
  return (parts) => {
    const lists: ClusterRow<R>[][] = [];
    const seen = new Set<string>();
    for (const { cluster, rows } of parts) {
      seen.add(cluster);
      let held = tagged.get(cluster);
      if (!held || held.rows !== rows) {
        held = { rows, out: rows.map((row) => tag(cluster, row)) };
        tagged.set(cluster, held);
      }
      lists.push(held.out);
    }
    for (const cluster of [...tagged.keys()]) {
      if (seen.has(cluster)) continue;
      tagged.delete(cluster);
      copies.delete(cluster);
    }
    return order ? mergeSorted(lists, (a, b) => order(a, b) || compareNames(a.cluster, b.cluster)) : lists.flat();
  };
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Lists each sorted by `compare`, as one sorted list: a linear pass per list, for the few lists a page shows. */
function mergeSorted<T>(lists: readonly (readonly T[])[], compare: (a: T, b: T) => number): T[] {
  const at = lists.map(() => 0);
  const total = lists.reduce((n, list) => n + list.length, 0);
  const merged: T[] = new Array<T>(total);
  for (let out = 0; out < total; out++) {
    let best = -1;
    for (let i = 0; i < lists.length; i++) {
      if (at[i]! >= lists[i]!.length) continue;
      if (best < 0 || compare(lists[i]![at[i]!]!, lists[best]![at[best]!]!) < 0) best = i;
    }
    merged[out] = lists[best]![at[best]!++]!;
  }
  return merged;
}

/** One merge, uncached. */
export function mergeClusterRows<R extends { readonly uid: string }>(parts: readonly { cluster: string; rows: readonly R[] }[]): ClusterRow<R>[] {
  return createClusterMerger<R>()(parts);
}

/** The chosen names the backend does not know; none while its list has not answered. */
export function unknownClusters(chosen: readonly string[], known: readonly ClusterSummary[] | null): string[] {
  if (known === null) return [];
  return chosen.filter((name) => !known.some((c) => c.name === name));
}

/** `path` with `cluster=` added to its query; `null` (the default cluster) adds nothing. */
export function withCluster(path: string, cluster: string | null | undefined): string {
  if (cluster === null || cluster === undefined) return path;
  return `${path}${path.includes('?') ? '&' : '?'}cluster=${encodeURIComponent(cluster)}`;
}

/**
 * The cluster the page's single-cluster views show: the first one the address names, or null
 * for the backend's default. Requests that are not a view's subscription (an object's YAML, a
 * Secret key, counts) go to it.
 */
export function pageCluster(): string | null {
  if (typeof window === 'undefined') return null;
  return parseClusterChoice(window.location.search).names[0] ?? null;
}

/** A cluster's health in words, as the picker says it. */
export function clusterHealthWords(summary: Pick<ClusterSummary, 'health' | 'reason'>): string {
  const words: Record<ClusterSummary['health'], string> = {
    healthy: 'healthy',
    degraded: 'degraded',
    unreachable: 'unreachable',
    idle: 'reachable, not in use',
    unknown: 'not checked yet',
  };
  return words[summary.health] ?? summary.health;
}
