/** What the Pods view shows about a pod beyond its raw row. */
import type { PodRow } from '../../adapters/rows.js';
import { compareText } from './order.js';

/** kubectl shows a pod being deleted as Terminating, whatever its phase. */
export function phaseText(pod: PodRow): string {
  return pod.deleting ? 'Terminating' : pod.phase;
}

export function phaseClass(pod: PodRow): string {
  if (pod.deleting) return 'warn';
  switch (pod.phase) {
    case 'Running':
      return isFullyReady(pod) ? 'ok' : 'warn';
    case 'Succeeded':
      return 'muted';
    case 'Pending':
      return 'warn';
    default:
      return 'bad';
  }
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
