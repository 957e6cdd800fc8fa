/**
 * The soak's verdicts, kept pure so tests can hand them a diverged store or a stale-but-healthy
 * view and see them fail.
 *
 * - Truth: what a view holds is compared with the cluster's own objects, never with the
 *   backend's cache; a disagreement may outlive the freshness bound only while the view does
 *   not call itself `healthy` (a stalled upstream watch keeps every heartbeat agreeing with a
 *   store that is wrong: only the cluster can tell).
 * - Staleness: a view may be old only while its diagnostics say it is not `healthy`. Its bound
 *   is the timeout after which its own machine must stop calling it healthy (the stall timeout
 *   for a stream, the interval for a poller), plus an allowance for the request in flight and
 *   for timers that fired late because the event loop was busy.
 * - Convergence: once faults are cleared, each subscription's rows must equal the cluster's
 *   objects with the same scoping, `uid@resourceVersion` for `uid@resourceVersion`.
 * - Leaks and heap growth after the run.
 */
import type { Collection } from '../adapters/engine/store.js';
import { pollIntervalMs, type KubeliveConfig } from '../machines/config.js';
import type { Diagnostics, DiagnosticsRow } from '../machines/diagnostics.js';
import type { Health } from '../machines/types.js';

export interface ViewAge {
  readonly key: string;
  readonly health: Health;
  /** How old the data is now; null before anything arrived. */
  readonly ageMs: number | null;
  /** How old it may get while its diagnostics still say `healthy`. */
  readonly boundMs: number;
}

export interface StaleButHealthy {
  readonly key: string;
  readonly ageMs: number;
  readonly boundMs: number;
}

/** Time a fetch or a frame may take between the data being current and it being applied. */
export const requestAllowanceMs = 1000;

/** The age past which a view's own machine must have left `healthy`. */
export function stalenessBound(row: Pick<DiagnosticsRow, 'machine' | 'domain'>, config: KubeliveConfig): number {
  switch (row.machine) {
    case 'subscription':
      return config.stallTimeoutMs + requestAllowanceMs;
    case 'metrics':
      return config.metricsIntervalMs + requestAllowanceMs;
    case 'snapshotOnly':
      return pollIntervalMs(config, row.domain) + requestAllowanceMs;
  }
}

/**
 * Views that are older than their bound while their diagnostics call them healthy. `lateMs` is
 * how late the checker's own timer fired: timers in the engine were held up as long, so they
 * cannot have moved the machine in that time.
 */
export function staleButHealthy(views: readonly ViewAge[], lateMs = 0): StaleButHealthy[] {
  return views
    .filter((v) => v.health === 'healthy' && v.ageMs !== null && v.ageMs > v.boundMs + Math.max(0, lateMs))
    .map((v) => ({ key: v.key, ageMs: v.ageMs!, boundMs: v.boundMs }));
}

/** The part of an engine the staleness check reads. */
export interface ViewedEngine {
  diagnostics(): Diagnostics;
  config(): KubeliveConfig;
  readonly clock: { now(): number };
  readonly store: { collection(key: string): Collection | undefined };
}

/**
 * Every view's health, age and bound. A stream's age is the store's own (its last write, or the
 * last heartbeat that agreed with it), not the machine's account of deliveries: the check must
 * not take the machine's word for what it is checking.
 */
export function viewAges(engine: ViewedEngine): ViewAge[] {
  const now = engine.clock.now();
  const config = engine.config();
  return engine.diagnostics().rows.map((row) => {
    let ageMs = row.dataAgeMs;
    if (row.machine === 'subscription') {
      const updatedAt = engine.store.collection(row.key)?.updatedAt ?? null;
      ageMs = updatedAt === null ? null : now - updatedAt;
    }
    return { key: row.key, health: row.health, ageMs, boundMs: stalenessBound(row, config) };
  });
}

export interface Divergence {
  readonly key: string;
  /** In the cluster, not in the store (uid@rv). */
  readonly missing: readonly string[];
  /** In the store, not in the cluster (uid@rv). */
  readonly extra: readonly string[];
  /** Uids held at another resourceVersion than the cluster's. */
  readonly staleVersions: number;
}

/** Compares `uid@resourceVersion` sets; null when equal. */
export function compareVersions(key: string, cluster: Iterable<string>, store: Iterable<string>): Divergence | null {
  const want = new Set(cluster);
  const held = new Set(store);
  const missing = [...want].filter((v) => !held.has(v));
  const extra = [...held].filter((v) => !want.has(v));
  if (missing.length === 0 && extra.length === 0) return null;
  const uid = (v: string) => v.slice(0, v.lastIndexOf('@'));
  const extraUids = new Set(extra.map(uid));
  const staleVersions = missing.filter((v) => extraUids.has(uid(v))).length;
  return { key, missing, extra, staleVersions };
}

export function describeDivergence(d: Divergence): string {
  const sample = (list: readonly string[]) => list.slice(0, 3).join(', ') + (list.length > 3 ? ', …' : '');
  return `${d.key}: ${d.missing.length} missing [${sample(d.missing)}], ${d.extra.length} extra [${sample(d.extra)}], ${d.staleVersions} at an old resourceVersion`;
}

export interface LeakCounts {
  /** `engine.clock.active` after stop. */
  readonly timers: number;
  /** Subscription actors (and other children besides the connection) left after releasing every view. */
  readonly actors: number;
  /** Engine WebSockets opened and not closed after stop. */
  readonly sockets: number;
  /** Clients the backend still has after every client left. */
  readonly backendClients: number;
  /** Watches still open on the API server after the backend stopped. */
  readonly upstreamWatches: number;
}

export function leakProblems(counts: LeakCounts): string[] {
  return Object.entries(counts)
    .filter(([, n]) => n !== 0)
    .map(([what, n]) => `${n} ${what} left`);
}

/**
 * Heap after GC at the end against the start. The backend's resume ring (10,000 changes per
 * resource) and the API server's watch window legitimately fill during a run, so a small growth
 * is allowed: the larger of `floorBytes` and `fraction` of the start.
 */
export function heapGrowthProblem(startBytes: number, endBytes: number, fraction = 0.15, floorBytes = 16 * 1024 * 1024): string | null {
  const allowed = Math.max(floorBytes, startBytes * fraction);
  const growth = endBytes - startBytes;
  return growth > allowed ? `heap grew by ${(growth / 1048576).toFixed(1)} MB (allowed ${(allowed / 1048576).toFixed(1)} MB)` : null;
}

/**
 * How far behind the cluster a view is, object by object: for each object, the last moment the
 * view held exactly what the cluster held (the same resourceVersion, or both without it). The
 * tracker keeps the cluster's recent states it was shown, so an object that changes twice while
 * the view follows one step behind counts from the last time the view was right about it, not
 * from its first change: the view is as stale as the oldest such moment.
 */
export class TruthTracker {
  private readonly history = new Map<string, { at: number; versions: Map<string, string> }[]>();

  /** How much of the cluster's past is kept to match against. */
  constructor(private readonly keepMs = 60_000) {}

  /**
   * Records the cluster's state of one view at `now` and compares the view's store with it and
   * with the states before it. `oldestMs`: how long ago the most outdated object last matched
   * (0 when the store equals the cluster now); `disagreeing`: objects that differ now.
   */
  observe(key: string, cluster: Iterable<string>, store: Iterable<string>, now: number): { oldestMs: number; disagreeing: number } {
    const split = (v: string) => [v.slice(0, v.lastIndexOf('@')), v.slice(v.lastIndexOf('@') + 1)] as const;
    const versions = new Map<string, string>();
    for (const v of cluster) versions.set(...split(v));
    const held = new Map<string, string>();
    for (const v of store) held.set(...split(v));
    let past = this.history.get(key);
    if (!past) this.history.set(key, (past = []));
    past.push({ at: now, versions });
    while (past.length > 1 && past[0]!.at < now - this.keepMs) past.shift();
    let oldestMatch = now;
    let disagreeing = 0;
    const check = (uid: string) => {
      const mine = held.get(uid);
      if (versions.get(uid) === mine) return;
      disagreeing++;
      let matched: number | null = null;
      for (let i = past.length - 2; i >= 0; i--) {
        if (past[i]!.versions.get(uid) === mine) {
          matched = past[i]!.at;
          break;
        }
      }
      if (matched === null) {
        // The store holds a version the cluster had only between two looks. It was true until
        // the cluster's present version (or absence) arrived: count from the last look before it.
        const now = versions.get(uid);
        let i = past.length - 1;
        while (i > 0 && past[i - 1]!.versions.get(uid) === now) i--;
        matched = past[Math.max(0, i - 1)]!.at;
      }
      oldestMatch = Math.min(oldestMatch, matched);
    };
    for (const uid of versions.keys()) check(uid);
    for (const uid of held.keys()) if (!versions.has(uid)) check(uid);
    return { oldestMs: now - oldestMatch, disagreeing };
  }
}

/**
 * How long a disagreement with the cluster may last while a view says `healthy`: the freshness
 * bound, plus the time between two truth checks and the checker's own lateness.
 */
export function truthBound(config: KubeliveConfig, checkEveryMs: number, lateMs: number): number {
  return config.freshnessBoundMs + checkEveryMs + Math.max(0, lateMs);
}
