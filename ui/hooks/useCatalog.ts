/**
 * What the sidebar needs: discovery (the `api-resources` domain, polled by the engine like any
 * snapshot-only domain, so a CRD created or deleted shows within one poll) and the counts per
 * domain (`/api/v1/counts`), refreshed slowly: they are a guide to where things are, and the
 * view that is open shows its own live count.
 */
import { useEffect, useState } from 'react';
import type { ApiResourceRow } from '../../adapters/rows.js';
import type { DiagnosticsRow } from '../../machines/diagnostics.js';
import { fetchCounts } from '../lib/api.js';
import { useDomain } from './useDomain.js';
import { useRows } from './useStore.js';

export interface Discovery {
  readonly rows: readonly ApiResourceRow[];
  readonly status: DiagnosticsRow | undefined;
  /** Discovery has answered at least once: only then does a kind's absence mean it is not served. */
  readonly answered: boolean;
}

export function useDiscovery(): Discovery {
  const handle = useDomain('api-resources', '');
  const rows = useRows<ApiResourceRow>(handle.key);
  const answered = rows.length > 0 || (handle.status !== undefined && handle.status.dataAgeMs !== null);
  return { rows, status: handle.status, answered };
}

/** Counts change slowly compared with what the open view shows live; a minute apart would feel stuck. */
export const countsRefreshMs = 30_000;

/** One cluster's counts per domain; empty while not answered (or when it could not count). */
export interface ClusterCounts {
  readonly cluster: string | null;
  readonly counts: Readonly<Record<string, number>>;
}

/** Each cluster's counts, asked of each cluster's own backend route, in the order given. */
export function useCounts(scope: string, clusters: readonly (string | null)[]): readonly ClusterCounts[] {
  const [counts, setCounts] = useState<readonly ClusterCounts[]>([]);
  // The clusters by value: a new array of the same names is not a new choice.
  const names = JSON.stringify(clusters);
  useEffect(() => {
    const chosen = JSON.parse(names) as (string | null)[];
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const abort = new AbortController();
    const poll = async () => {
      // No counts is not an error worth a banner: that cluster's entries simply show none.
      const next = await Promise.all(chosen.map((cluster) => fetchCounts(scope, abort.signal, cluster).catch(() => ({}))));
      if (live) setCounts(chosen.map((cluster, i) => ({ cluster, counts: next[i]! })));
      if (live) timer = setTimeout(poll, countsRefreshMs);
    };
    setCounts([]);
    void poll();
    return () => {
      live = false;
      abort.abort();
      clearTimeout(timer);
    };
  }, [scope, names]);
  return counts;
}
