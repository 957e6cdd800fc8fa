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

export function useCounts(scope: string): Readonly<Record<string, number>> {
  const [counts, setCounts] = useState<Readonly<Record<string, number>>>({});
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const abort = new AbortController();
    const poll = async () => {
      try {
        const next = await fetchCounts(scope, abort.signal);
        if (live) setCounts(next);
      } catch {
        // No counts is not an error worth a banner: the sidebar simply shows none.
      }
      if (live) timer = setTimeout(poll, countsRefreshMs);
    };
    setCounts({});
    void poll();
    return () => {
      live = false;
      abort.abort();
      clearTimeout(timer);
    };
  }, [scope]);
  return counts;
}
