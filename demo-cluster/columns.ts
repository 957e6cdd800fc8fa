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
  return `${Math.floor(d / 365)}y`;
}

export const age = (o: KubeObject, now: number): string => humanAge(now - Date.parse(o.metadata.creationTimestamp));

export type Any = Record<string, any>; // printers read loosely typed objects

export const spec = (o: KubeObject): Any => (o.spec ?? {}) as Any;
export const status = (o: KubeObject): Any => (o.status ?? {}) as Any;

export const nameColumn: Column = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', cell: (o) => o.metadata.name };
export const ageColumn: Column = { name: 'Age', type: 'string', description: 'Time since the object was created.', cell: age };
