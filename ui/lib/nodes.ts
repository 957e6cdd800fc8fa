/** What the Nodes view shows about a node beyond its raw row. */
import type { NodeRow } from '../../adapters/rows.js';
import { compareText } from './order.js';

/** Roles from the node-role labels; a node with none is a worker as far as kubectl is concerned. */
export function rolesText(node: NodeRow): string {
  return node.roles.length === 0 ? '<none>' : node.roles.join(', ');
}

/** `kubectl get nodes` STATUS: Ready / NotReady / Unknown, plus SchedulingDisabled when cordoned. */
export function statusText(node: NodeRow): string {
  const ready = node.ready === 'True' ? 'Ready' : node.ready === 'False' ? 'NotReady' : 'Unknown';
  return node.unschedulable ? `${ready},SchedulingDisabled` : ready;
}

/** Conditions other than Ready that are True are pressure or trouble (MemoryPressure, ...). */
export function troubleConditions(node: NodeRow): string[] {
  return node.conditions.filter((c) => c.type !== 'Ready' && c.status === 'True').map((c) => c.type);
}

export function byName<T extends { name: string }>(a: T, b: T): number {
  return compareText(a.name, b.name);
}
