/**
 * What a Table printer is made of: a column's definition and how to compute its cell. Shared by
 * the printers of the hand-made kinds (table.ts) and of every other kind (kinds.ts).
 */
import type { KubeObject } from './store.js';

export interface Column {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  priority?: number;
  description: string;
  cell: (o: KubeObject, now: number) => unknown;
}

/** Kubernetes' short human durations: 45s, 5m30s, 45m, 5h30m, 10h, 3d5h, 45d, 3y. */
export function humanAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 730) return `${d}d`;
  // HumanDuration keeps the days of the year up to eight years: "2y30d".
  if (d < 8 * 365) return d % 365 === 0 ? `${Math.floor(d / 365)}y` : `${Math.floor(d / 365)}y${d % 365}d`;
  return `${Math.floor(d / 365)}y`;
}

export const age = (o: KubeObject, now: number): string => humanAge(now - Date.parse(o.metadata.creationTimestamp));

export type Any = Record<string, any>; // printers read loosely typed objects

export const spec = (o: object): Any => ((o as Any).spec ?? {}) as Any;
export const status = (o: object): Any => ((o as Any).status ?? {}) as Any;

export const nameColumn: Column = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', cell: (o) => o.metadata.name };
export const ageColumn: Column = { name: 'Age', type: 'string', description: 'Time since the object was created.', cell: age };

/** kube-apiserver's default table for kinds with no printer: the creation time as RFC 3339. */
export const createdAtColumn: Column = { name: 'Created At', type: 'date', description: 'When the object was created.', cell: (o) => o.metadata.creationTimestamp };

/** `k=v,k2=v2` with keys sorted, as labels.FormatLabels prints a map; `<none>` when empty. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length > 0 ? keys.map((k) => `${k}=${(labels as Record<string, string>)[k]}`).join(',') : '<none>';
}

/** A LabelSelector as metav1.FormatLabelSelector prints it: `<none>` for an empty one. */
export function formatSelector(selector: Any | undefined): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries((selector?.matchLabels ?? {}) as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : 1))) parts.push(`${k}=${v}`);
  for (const e of (selector?.matchExpressions ?? []) as Any[]) {
    const values = ((e.values ?? []) as string[]).slice().sort().join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.length > 0 ? parts.join(',') : '<none>';
}

/** The first `max` items joined with commas, then "+ N more..."; `<unset>` when there are none. */
export function listWithMore(items: string[], max: number): string {
  if (items.length === 0) return '<unset>';
  const shown = items.slice(0, max).join(',');
  return items.length > max ? `${shown} + ${items.length - max} more...` : shown;
}

const accessModeShort: [string, string][] = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];

/** Access modes in their short forms, in the fixed order kubectl uses: RWO,ROX,RWX,RWOP. */
export function accessModes(modes: unknown): string {
  const have = new Set((modes ?? []) as string[]);
  return accessModeShort
    .filter(([mode]) => have.has(mode))
    .map(([, short]) => short)
    .join(',');
}
