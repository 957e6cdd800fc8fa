/**
 * Freshness says whether the rows on screen can be trusted right now, from a domain's
 * diagnostics row (itself derived from its machine's snapshot) and the clock.
 *
 * The bound is how old the data may get before it is stale:
 * - streaming healthily: the one freshness bound, measured on the end-to-end proof (the oldest
 *   of the backend's proof of its upstream cache, the last stream delivery and the last time the
 *   store agreed with the backend). Healthy but not proven end to end yet: proving.
 * - polling (snapshots or metrics): two poll intervals. One interval is the normal wait; a
 *   second one covers a slow or failed poll before we call the data stale.
 * - polled by design (no stream: metrics, discovery) and working: fresh, not a warning. Amber
 *   (polling) is kept for a real problem: a streamed view that fell back to polling, or polled
 *   data whose requests are failing.
 * - no data yet: loading; blocked with nothing to show: blocked.
 * - rows still arriving (a cold view's first list shown as it comes, lib/loading.ts): loading,
 *   whatever the machine says. Its proof and its data age speak for an older or an empty view,
 *   not for these rows, so a view that is loading is never `live`, `fresh` or `polling`.
 * - a cluster that serves no metrics API (no metrics-server): unavailable, whatever was shown before.
 */
import type { ConnectionDiagnostics, DiagnosticsRow } from '../../machines/diagnostics.js';
import type { RetrievalMode } from '../../machines/types.js';
import { formatAgo, formatInterval } from './format.js';
import { loadingProgress, type RowsLoading } from './loading.js';

export type FreshnessLevel = 'loading' | 'live' | 'fresh' | 'proving' | 'polling' | 'stale' | 'blocked' | 'unavailable';

export interface Freshness {
  readonly level: FreshnessLevel;
  readonly mode: RetrievalMode;
  /** Age of what vouches for the rows: the end-to-end proof while streaming, else the data. */
  readonly ageMs: number | null;
  readonly basis: 'proof' | 'data';
  /** Older than this is stale; null when nothing bounds it (blocked, stopped). */
  readonly boundMs: number | null;
  /** Rows still arriving, with how far; null when the view is whole (or shows nothing yet). */
  readonly rows: RowsLoading | null;
}

const streamingHealthily = (row: DiagnosticsRow) => row.mode === 'streaming' && !row.polling.enabled;

/** How old this row's data (or, streaming, its proof) may get before it is stale. */
export function freshnessBound(row: DiagnosticsRow): number | null {
  if (streamingHealthily(row)) return row.freshnessBoundMs;
  if (row.polling.enabled && row.polling.intervalMs !== null) {
    const interval = row.machine === 'metrics' ? row.metricsIntervalMs : row.polling.intervalMs;
    return 2 * interval;
  }
  return null;
}

export function freshnessOf(row: DiagnosticsRow | undefined, loading: RowsLoading | null = null): Freshness {
  const settled = settledFreshness(row);
  if (loading === null) return settled;
  // Blocked or unavailable is said even so; anything else of a view still arriving is `loading`.
  if (settled.level === 'blocked' || settled.level === 'unavailable') return { ...settled, rows: loading };
  return { ...settled, level: 'loading', rows: loading };
}

function settledFreshness(row: DiagnosticsRow | undefined): Freshness {
  const rows = null;
  if (!row) return { level: 'loading', mode: 'snapshot', ageMs: null, basis: 'data', boundMs: null, rows };
  const boundMs = freshnessBound(row);
  if (row.reason === 'metrics unavailable') return { level: 'unavailable', mode: row.mode, ageMs: row.dataAgeMs, basis: 'data', boundMs: null, rows };
  if (streamingHealthily(row)) {
    const ageMs = row.proofAgeMs;
    if (ageMs === null) return { level: 'proving', mode: row.mode, ageMs, basis: 'proof', boundMs, rows };
    return { level: boundMs === null || ageMs > boundMs ? 'stale' : 'live', mode: row.mode, ageMs, basis: 'proof', boundMs, rows };
  }
  const ageMs = row.dataAgeMs;
  const blocked = row.state === 'blocked' || row.state === 'stopped';
  if (ageMs === null) return { level: blocked ? 'blocked' : 'loading', mode: row.mode, ageMs, basis: 'data', boundMs, rows };
  if (boundMs === null || ageMs > boundMs) return { level: 'stale', mode: row.mode, ageMs, basis: 'data', boundMs, rows };
  const polledByDesign = row.stream === null && row.health === 'healthy';
  return { level: polledByDesign ? 'fresh' : 'polling', mode: row.mode, ageMs, basis: 'data', boundMs, rows };
}

/** The words a freshness badge shows after its label: the mode, or why there is none. */
export function badgeText(freshness: Freshness): string {
  if (freshness.level === 'unavailable') return 'metrics unavailable';
  if (freshness.level === 'loading' && freshness.rows !== null) return 'loading';
  return freshness.level === 'stale' ? `STALE · ${freshness.mode}` : freshness.mode;
}

/** The age a badge shows: "proven 2s ago" while streaming, "3s ago" for polled data, "proving…". */
export function badgeAge(freshness: Freshness): string {
  if (freshness.level === 'loading' && freshness.rows !== null) return loadingProgress(freshness.rows);
  if (freshness.level === 'proving') return 'proving…';
  if (freshness.ageMs === null) return '';
  return freshness.basis === 'proof' ? `proven ${formatAgo(freshness.ageMs)}` : formatAgo(freshness.ageMs);
}

/**
 * Whether a row's data is proven end to end now: streaming healthily with a proof within the
 * bound. Domains that have no stream (metrics, forced snapshots) are polled by design and are not
 * asked to prove anything.
 */
export function isProven(row: DiagnosticsRow): boolean {
  if (row.stream === null) return true;
  return row.state === 'streamingHealthy' && row.proofAgeMs !== null && row.proofAgeMs <= row.freshnessBoundMs;
}

export interface HeaderStatus {
  /** `live`: connected and every streamed view proven; `unproven`: connected, some view is not; `down`: no stream. */
  readonly level: 'live' | 'unproven' | 'down';
  readonly text: string;
  readonly title: string;
}

/**
 * What the header's dot says for the whole page: green only when everything on it is proven.
 * `loadingOf` tells which views' rows are still arriving: such a view is not proven whatever its
 * machine says (its proof speaks for rows it does not show yet), and the dot says it is loading.
 */
export function headerStatus(connection: ConnectionDiagnostics | null, rows: readonly DiagnosticsRow[], loadingOf: (key: string) => RowsLoading | null = () => null): HeaderStatus {
  if (!connection?.open) {
    const state = connection?.state ?? 'starting';
    return { level: 'down', text: state, title: `No stream to the kubelive backend (${state}): views are polled, nothing is live.` };
  }
  const loading = rows.flatMap((r) => {
    const l = loadingOf(r.key);
    return l === null ? [] : [{ row: r, loading: l }];
  });
  if (loading.length > 0) {
    const names = [...new Set(loading.map((l) => l.row.domain))];
    const what = loading.map((l) => `${l.row.key} ${loadingProgress(l.loading)}`).join(', ');
    return { level: 'unproven', text: `loading: ${names.join(', ')}`, title: `Connected; rows still arriving, not yet whole and verified: ${what}.` };
  }
  const unproven = rows.filter((r) => !isProven(r));
  if (unproven.length === 0) return { level: 'live', text: 'live', title: 'Every view is proven fresh end to end, within its bound.' };
  const names = [...new Set(unproven.map((r) => r.domain))];
  const why = unproven.map((r) => `${r.key} ${r.state}${r.reason ? ` (${r.reason})` : ''}`).join(', ');
  return { level: 'unproven', text: `unproven: ${names.join(', ')}`, title: `Connected, but not proven fresh: ${why}.` };
}

/** Nothing to show yet and still expecting something: the first snapshot is on its way. */
export function isLoading(row: DiagnosticsRow | undefined, count: number): boolean {
  if (count > 0) return false;
  if (!row) return true;
  return row.dataAgeMs === null && row.state !== 'blocked' && row.state !== 'stopped';
}

/**
 * Slack past one metrics interval before the numbers count as old: a read of 50,000 pods' samples
 * takes a second or two, and the timer can fire late in a busy tab.
 */
export const metricsReadSlackMs = 2_000;

/**
 * Whether a view's metric numbers are older than the metrics interval (plus the slack), and the
 * words that say how old: null while they are this interval's. What counts is the last read of
 * the metrics API (a failing or stopped API leaves the last numbers on screen); the title gives
 * the sample's own age too, as metrics-server stamped it.
 */
export function staleMetrics(row: DiagnosticsRow | undefined, sampleTime: number | null | undefined, now: number): string | null {
  if (!row || row.dataAgeMs === null) return null;
  const limit = row.metricsIntervalMs + metricsReadSlackMs;
  if (row.dataAgeMs <= limit) return null;
  const sampled = sampleTime == null ? '' : `, sampled ${formatAgo(Math.max(0, now - sampleTime))}`;
  return `Old: metrics last read ${formatAgo(row.dataAgeMs)}${sampled} (read every ${formatInterval(row.metricsIntervalMs)})`;
}
