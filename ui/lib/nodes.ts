/** What the Nodes view shows about a node beyond its raw row. */
import type { NodeRow } from '../../adapters/rows.js';
import { compareText } from './order.js';

/** Roles from the node-role labels; a node with none is a worker as far as kubectl is concerned. */
export function rolesText(node: NodeRow): string {
  return node.roles.length === 0 ? '<none>' : node.roles.join(', ');
}

/**
 * `kubectl get nodes` STATUS, by its printer's rule: Ready when the Ready condition is True,
 * NotReady for False and for Unknown alike (a node whose kubelet stopped reporting), Unknown only
 * when the node has no Ready condition at all; then SchedulingDisabled when cordoned.
 */
export function statusText(node: NodeRow): string {
  const condition = node.conditions.find((c) => c.type === 'Ready');
  const ready = condition === undefined ? (node.ready === 'True' ? 'Ready' : 'Unknown') : condition.status === 'True' ? 'Ready' : 'NotReady';
  return node.unschedulable ? `${ready},SchedulingDisabled` : ready;
}

/** Why a NotReady node is not ready: `NodeStatusUnknown` (the kubelet went quiet), `KubeletNotReady`... */
export function notReadyReason(node: NodeRow): string | null {
  if (node.ready === 'True') return null;
  return node.conditions.find((c) => c.type === 'Ready')?.reason ?? null;
}

/** Conditions other than Ready that are True are pressure or trouble (MemoryPressure, DiskPressure, PIDPressure, NetworkUnavailable). */
export function troubleConditions(node: NodeRow): string[] {
  return node.conditions.filter((c) => c.type !== 'Ready' && c.status === 'True').map((c) => c.type);
}

/** What the filter finds a node by: its name, roles, status, the reason it is not ready and its trouble conditions. */
export function nodeMatches(node: NodeRow, needle: string): boolean {
  if (needle === '') return true;
  const words = [node.name, ...node.roles, statusText(node), notReadyReason(node) ?? '', ...troubleConditions(node)].join(' ').toLowerCase();
  return words.includes(needle);
}

export function byName<T extends { name: string }>(a: T, b: T): number {
  return compareText(a.name, b.name);
}
