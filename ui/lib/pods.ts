/** What the Pods view shows about a pod beyond its raw row. */
import type { PodRow } from '../../adapters/rows.js';

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

export function podOrder(a: PodRow, b: PodRow): number {
  return a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
