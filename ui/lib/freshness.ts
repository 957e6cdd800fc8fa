/**
 * Freshness says whether the rows on screen can be trusted right now, from a domain's
 * diagnostics row (itself derived from its machine's snapshot) and the clock.
 *
 * The bound is how old the data may get before it is stale:
 * - streaming healthily: the stall timeout. Every heartbeat whose digest agrees renews the data,
 *   and past the stall timeout the machine itself stops trusting the stream.
 * - polling (snapshots or metrics): two poll intervals. One interval is the normal wait; a
 *   second one covers a slow or failed poll before we call the data stale.
 * - no data yet: loading; blocked with nothing to show: blocked.
 * - a cluster that serves no metrics API (no metrics-server): unavailable, whatever was shown before.
 */
import type { DiagnosticsRow } from '../../machines/diagnostics.js';
import type { RetrievalMode } from '../../machines/types.js';

export type FreshnessLevel = 'loading' | 'live' | 'polling' | 'stale' | 'blocked' | 'unavailable';

export interface Freshness {
  readonly level: FreshnessLevel;
  readonly mode: RetrievalMode;
  readonly ageMs: number | null;
  /** Older than this is stale; null when nothing bounds it (blocked, stopped). */
  readonly boundMs: number | null;
}

/** How old this row's data may get before it is stale. */
export function freshnessBound(row: DiagnosticsRow, stallTimeoutMs: number): number | null {
  if (row.mode === 'streaming' && !row.polling.enabled) return stallTimeoutMs;
  if (row.polling.enabled && row.polling.intervalMs !== null) {
    const interval = row.machine === 'metrics' ? row.metricsIntervalMs : row.polling.intervalMs;
    return 2 * interval;
  }
  return null;
}

export function freshnessOf(row: DiagnosticsRow | undefined, stallTimeoutMs: number): Freshness {
  if (!row) return { level: 'loading', mode: 'snapshot', ageMs: null, boundMs: null };
  const boundMs = freshnessBound(row, stallTimeoutMs);
  const ageMs = row.dataAgeMs;
  if (row.reason === 'metrics unavailable') return { level: 'unavailable', mode: row.mode, ageMs, boundMs: null };
  const blocked = row.state === 'blocked' || row.state === 'stopped';
  if (ageMs === null) return { level: blocked ? 'blocked' : 'loading', mode: row.mode, ageMs, boundMs };
  if (boundMs === null || ageMs > boundMs) return { level: 'stale', mode: row.mode, ageMs, boundMs };
  const level = row.mode === 'streaming' ? 'live' : 'polling';
  return { level, mode: row.mode, ageMs, boundMs };
}

/** The words a freshness badge shows after its label: the mode, or why there is none. */
export function badgeText(freshness: Freshness): string {
  if (freshness.level === 'unavailable') return 'metrics unavailable';
  return freshness.level === 'stale' ? `STALE · ${freshness.mode}` : freshness.mode;
}

/** Nothing to show yet and still expecting something: the first snapshot is on its way. */
export function isLoading(row: DiagnosticsRow | undefined, count: number): boolean {
  if (count > 0) return false;
  if (!row) return true;
  return row.dataAgeMs === null && row.state !== 'blocked' && row.state !== 'stopped';
}
