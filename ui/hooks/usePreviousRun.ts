/**
 * The logs panel's two one-shot reads: which containers of a pod have a previous run (the pod
 * object's containerStatuses, read when the panel opens on a pod that has restarted, and again when
 * its restart count moves), and the previous run's lines themselves while the reader asks for them
 * (`GET /api/v1/logs/previous`). Nothing here follows or polls: a finished run does not change.
 *
 * `followed` false (the pod was deleted, as useLogFollowers is told): neither is read, since the
 * cluster would answer 404 for a pod it no longer has, and what was read before is kept. The
 * views drop a deleted pod's restarts (no longer known), which would otherwise read again.
 */
import { useEffect, useState } from 'react';
import type { LogLineRow } from '../../adapters/rows.js';
import { fetchObject, fetchPreviousLog } from '../lib/api.js';
import { useScopeCluster } from './clusters.js';
import { containerRunsOf, type ContainerRuns } from '../lib/containerRuns.js';

/** The previous run's lines read: about what a kubelet keeps of a run, and what the demo cluster does. */
export const previousTailLines = 1000;

export type PreviousRun =
  | { readonly state: 'off' }
  | { readonly state: 'loading' }
  | { readonly state: 'loaded'; readonly rows: readonly LogLineRow[] }
  | { readonly state: 'failed'; readonly message: string };

/**
 * Each container's runs, or null while not known (not read yet, or the read failed: then every
 * container is offered its previous run, and one without says so in the API server's words).
 * A pod known never to have restarted is not read at all, nor one that was deleted.
 */
export function useContainerRuns(namespace: string, pod: string, restarts: number | undefined, followed: boolean): ReadonlyMap<string, ContainerRuns> | null {
  const [runs, setRuns] = useState<ReadonlyMap<string, ContainerRuns> | null>(null);
  const cluster = useScopeCluster();
  useEffect(() => {
    if (!followed) return;
    setRuns(null);
    if (restarts === 0) return;
    const request = new AbortController();
    fetchObject({ resource: 'pods', namespace, name: pod }, request.signal, cluster).then(
      (object) => setRuns(containerRunsOf(object)),
      () => undefined, // not known: offered to every container, as before the read
    );
    return () => request.abort();
  }, [namespace, pod, restarts, followed, cluster]);
  return runs;
}

/**
 * The previous run's lines while `enabled`; read again when the pod restarts again. Once the pod is
 * not `followed`, lines already read stay and nothing more is read.
 */
export function usePreviousRun(namespace: string, pod: string, container: string | null, enabled: boolean, restarts: number | undefined, followed: boolean): PreviousRun {
  const [run, setRun] = useState<PreviousRun>({ state: 'off' });
  const cluster = useScopeCluster();
  useEffect(() => {
    if (!enabled || container === null) {
      setRun({ state: 'off' });
      return;
    }
    if (!followed) {
      // A read cut short by the deletion would say "loading" for ever.
      setRun((held) => (held.state === 'loaded' ? held : { state: 'off' }));
      return;
    }
    const request = new AbortController();
    setRun({ state: 'loading' });
    fetchPreviousLog({ namespace, pod, container }, previousTailLines, request.signal, cluster).then(
      (rows) => setRun({ state: 'loaded', rows }),
      (error: unknown) => {
        if (!request.signal.aborted) setRun({ state: 'failed', message: error instanceof Error ? error.message : String(error) });
      },
    );
    return () => request.abort();
  }, [namespace, pod, container, enabled, restarts, followed, cluster]);
  return run;
}
