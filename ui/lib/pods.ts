/** What the Pods view shows about a pod beyond its raw row. */
import type { PodRow } from '../../adapters/rows.js';
import { compareText } from './order.js';

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
