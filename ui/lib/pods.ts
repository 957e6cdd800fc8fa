/** What the Pods view shows about a pod beyond its raw row. */
import type { PodRow, WorkloadRow } from '../../adapters/rows.js';
import { formatAge } from './format.js';
import type { MetricsMoved } from '../../adapters/engine/metricsChangeLog.js';
import { compareText, type ValuesMoved } from './order.js';
import { findWorkload, podOwnerUids } from './related.js';

/**
 * The STATUS kubectl prints (CrashLoopBackOff, Init:1/2, Completed, Terminating...), computed by
 * the backend from the whole pod (`podStatus`); a row from an older backend falls back to the
 * phase, Terminating while it is deleted.
 */
export function phaseText(pod: PodRow): string {
  return pod.status ?? (pod.deleting ? 'Terminating' : pod.phase);
}

/** Statuses that mean a pod is being made or unmade, not broken. */
const transitional = new Set(['Pending', 'ContainerCreating', 'PodInitializing', 'Terminating', 'NotReady']);

export function phaseClass(pod: PodRow): string {
  const status = phaseText(pod);
  if (status === 'Running') return isFullyReady(pod) ? 'ok' : 'warn';
  if (status === 'Completed' || status === 'Succeeded') return 'muted';
  if (transitional.has(status) || /^Init:\d+\/\d+$/.test(status)) return 'warn';
  return 'bad';
}

/** "2/2" is ready; "1/2" or "0/1" is not. */
export function isFullyReady(pod: PodRow): boolean {
  const [ready, total] = pod.ready.split('/').map(Number);
  return ready !== undefined && total !== undefined && ready === total;
}

/** Ready containers as a share of all, for sorting: 0/2 before 1/2 before 2/2. */
export function readyShare(pod: PodRow): number {
  const [ready, total] = pod.ready.split('/').map(Number);
  return ready !== undefined && total ? ready / total : 0;
}

/**
 * By namespace, then name; a pod re-created under a name its predecessor still holds (a
 * StatefulSet's while the old one terminates) is told apart by uid, so the order is total.
 * Only fields that never change for a uid, as OrderedRows requires.
 */
export function podOrder(a: PodRow, b: PodRow): number {
  return compareText(a.namespace, b.namespace) || compareText(a.name, b.name) || compareText(a.uid, b.uid);
}

/** How many pods show each status, most common first: the status filter's choices. */
export function statusCounts(pods: readonly PodRow[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const p of pods) counts.set(phaseText(p), (counts.get(phaseText(p)) ?? 0) + 1);
  return countsInOrder(counts);
}

/** Statuses by count, most first, then by name: the Status filter's order. */
export function countsInOrder(counts: ReadonlyMap<string, number>): [string, number][] {
  return [...counts].sort((a, b) => b[1] - a[1] || compareText(a[0], b[0]));
}

/**
 * The Pods view narrowed by the route: to one workload's pods (`Deployment/web` takes its
 * ReplicaSets' pods), one node's, one status. A workload the rows do not hold yet narrows to
 * nothing rather than to everything. Null when nothing narrows.
 */
export function podNarrowing(narrow: { owner?: string | null; node?: string | null; status?: string | null; namespace: string }, workloads: readonly WorkloadRow[]): ((pod: PodRow) => boolean) | null {
  const tests: ((pod: PodRow) => boolean)[] = [];
  if (narrow.owner) {
    const workload = findWorkload(narrow.owner, narrow.namespace, workloads);
    const uids = workload ? podOwnerUids(workload, workloads) : new Set<string>();
    tests.push((p) => p.owner !== null && uids.has(p.owner.uid));
  }
  if (narrow.node) tests.push((p) => p.nodeName === narrow.node);
  if (narrow.status) tests.push((p) => phaseText(p) === narrow.status);
  return tests.length === 0 ? null : (p) => tests.every((t) => t(p));
}

/** RESTARTS as kubectl prints it: `14 (5m ago)` once a container has restarted, the age counting up with `now`. */
export function restartsText(pod: PodRow, now: number): string {
  const at = pod.lastRestartAt ? Date.parse(pod.lastRestartAt) : Number.NaN;
  return pod.restarts > 0 && Number.isFinite(at) ? `${pod.restarts} (${formatAge(now - at)} ago)` : String(pod.restarts);
}

/** A metrics log's samples as SortedRows takes them: a pod moved when its own sample did. */
export function podsMoved(taken: MetricsMoved): ValuesMoved<PodRow> {
  const samples = taken.samples;
  return { from: taken.from, to: taken.to, moved: samples === 'all' ? 'all' : (pod) => samples.get(pod.namespace)?.has(pod.name) === true };
}
