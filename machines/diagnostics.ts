/**
 * Diagnostics turn machine snapshots into the rows an operator reads: for every active domain
 * and scope, how its data is retrieved, whether it can be trusted and why not. Everything here
 * is derived from the snapshots at the moment of asking; nothing is stored a second time.
 */
import type { SnapshotFrom } from 'xstate';
import { pollIntervalMs } from './config.js';
import type { ConnectionMachine } from './connectionMachine.js';
import type { Domain, RetrievalKind } from './domains.js';
import type { OrchestratorMachine, SubscriptionEntry } from './orchestratorMachine.js';
import { unavailableRecheckMs, type PollingContext } from './pollingMachine.js';
import type { SubscriptionContext } from './subscriptionMachine.js';
import { subscriptionStateName } from './subscriptionMachine.js';
import type { Health, Reason, RetrievalMode, TransitionRecord, UpstreamReport } from './types.js';

export interface StreamDiagnostics {
  /** Subscribed on an open socket. */
  readonly connected: boolean;
  /** Connected, and something arrived within the stall timeout. */
  readonly delivering: boolean;
  readonly lastDeliveryAgeMs: number | null;
}

export interface PollingDiagnostics {
  readonly enabled: boolean;
  /** null when polling is off. */
  readonly intervalMs: number | null;
}

export interface DiagnosticsRow {
  readonly key: string;
  readonly domain: Domain;
  readonly scope: string;
  readonly machine: 'subscription' | 'metrics' | 'snapshotOnly';
  readonly state: string;
  readonly mode: RetrievalMode;
  readonly health: Health;
  readonly reason: Reason | null;
  /** null for domains that have no stream. */
  readonly stream: StreamDiagnostics | null;
  readonly polling: PollingDiagnostics;
  readonly metricsIntervalMs: number;
  readonly upstream: UpstreamReport | null;
  /** The one freshness bound, end to end (config.freshnessBoundMs). */
  readonly freshnessBoundMs: number;
  /**
   * Age of the backend's last proof that its upstream cache held everything the API server had,
   * now, on this clock. null: nothing proven, or no proof applies (logs, polling-only domains).
   */
  readonly upstreamProofAgeMs: number | null;
  /**
   * Age of the end-to-end proof: the oldest of its links (the upstream proof where one applies,
   * the last stream delivery, the last time the store agreed with the backend). null until every
   * link has proven itself once, and for domains with no stream.
   */
  readonly proofAgeMs: number | null;
  readonly itemCount: number | null;
  /** Age of the data: the newest snapshot, poll or delivery. */
  readonly dataAgeMs: number | null;
  /** Metrics only: age of the newest sample the metrics API returned. */
  readonly sampleAgeMs: number | null;
  readonly holders: number;
  readonly lastError: string | null;
  readonly counters: Readonly<Record<string, number>>;
  readonly transitions: readonly TransitionRecord[];
}

export interface ConnectionDiagnostics {
  readonly state: string;
  readonly open: boolean;
  readonly attempts: number;
  readonly connects: number;
  readonly disconnects: number;
  readonly lastCloseReason: string | null;
}

export interface Diagnostics {
  readonly connection: ConnectionDiagnostics | null;
  readonly rows: readonly DiagnosticsRow[];
  readonly metricsIntervalMs: number;
  readonly rejected: readonly string[];
}

type OrchestratorSnapshot = SnapshotFrom<OrchestratorMachine>;
type ConnectionSnapshot = SnapshotFrom<ConnectionMachine>;

interface SnapshotLike<C> {
  readonly value: unknown;
  readonly context: C;
  readonly status: string;
}

function topState(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') return Object.keys(value)[0] ?? 'unknown';
  return 'unknown';
}

function age(now: number, at: number | null): number | null {
  return at === null ? null : Math.max(0, now - at);
}

function newest(...times: Array<number | null>): number | null {
  const known = times.filter((t): t is number => t !== null);
  return known.length === 0 ? null : Math.max(...known);
}

/**
 * When the end-to-end proof was made: the oldest of its links. The upstream link counts only
 * where a proof applies; the stream and store links must each have proven themselves once.
 */
export function endToEndProvenAt(c: Pick<SubscriptionContext, 'upstreamProvenAt' | 'lastDeliveryAt' | 'lastAgreedAt'>): number | null {
  if (c.lastDeliveryAt === null || c.lastAgreedAt === null) return null;
  const links = [c.lastDeliveryAt, c.lastAgreedAt];
  if (c.upstreamProvenAt !== null) links.push(c.upstreamProvenAt);
  return Math.min(...links);
}

/** One row for a streaming subscription, from its machine snapshot. */
export function diagnoseSubscription(
  snapshot: SnapshotLike<SubscriptionContext>,
  now: number,
  holders = 1,
): DiagnosticsRow {
  const c = snapshot.context;
  const state = subscriptionStateName(snapshot);
  const subscribed = state === 'streamingPending' || state === 'streamingHealthy' || state === 'degraded';
  const connected = subscribed && c.socketOpen;
  const lastDeliveryAgeMs = age(now, c.lastDeliveryAt);
  const delivering = connected && lastDeliveryAgeMs !== null && lastDeliveryAgeMs <= c.config.stallTimeoutMs;
  const pollInterval = pollIntervalMs(c.config, c.domain);

  let mode: RetrievalMode = 'polling';
  let health: Health = 'degraded';
  let polling: PollingDiagnostics = { enabled: true, intervalMs: pollInterval };
  switch (state) {
    case 'snapshotting':
      mode = 'snapshot';
      health = c.snapshotFailures > 0 ? 'unhealthy' : 'degraded';
      break;
    case 'streamingHealthy':
      mode = 'streaming';
      health = 'healthy';
      polling = { enabled: false, intervalMs: null };
      break;
    case 'fallbackPolling':
      health = c.snapshotFailures > 0 ? 'unhealthy' : 'degraded';
      break;
    case 'blocked':
      mode = 'snapshot';
      health = 'unhealthy';
      polling =
        c.reason === 'permissions'
          ? { enabled: true, intervalMs: c.config.backoffCapMs }
          : { enabled: false, intervalMs: null };
      break;
    case 'stopped':
      mode = 'snapshot';
      health = 'unhealthy';
      polling = { enabled: false, intervalMs: null };
      break;
    default:
      // streamingPending and degraded: polling carries the data while the stream proves itself.
      break;
  }

  return {
    key: `${c.domain}:${c.scope}`,
    domain: c.domain,
    scope: c.scope,
    machine: 'subscription',
    state,
    mode,
    health,
    reason: health === 'healthy' ? null : c.reason,
    stream: { connected, delivering, lastDeliveryAgeMs },
    polling,
    metricsIntervalMs: c.config.metricsIntervalMs,
    upstream: c.upstream,
    freshnessBoundMs: c.config.freshnessBoundMs,
    upstreamProofAgeMs: age(now, c.upstreamProvenAt),
    proofAgeMs: age(now, endToEndProvenAt(c)),
    itemCount: c.itemCount,
    dataAgeMs: age(now, newest(c.lastSnapshotAt, c.lastDeliveryAt)),
    sampleAgeMs: null,
    holders,
    lastError: c.lastError,
    counters: { ...c.counters },
    transitions: c.transitions,
  };
}

/** After this many failures in a row, a polling domain is unhealthy rather than degraded. */
const unhealthyAfterFailures = 3;

/** One row for a metrics or snapshot-only domain, from its machine snapshot. */
export function diagnosePolling(
  snapshot: SnapshotLike<PollingContext>,
  now: number,
  machine: 'metrics' | 'snapshotOnly',
  holders = 1,
): DiagnosticsRow {
  const c = snapshot.context;
  const state = snapshot.status === 'done' ? 'stopped' : topState(snapshot.value);
  const intervalMs = machine === 'metrics' ? c.config.metricsIntervalMs : pollIntervalMs(c.config, c.domain);

  let health: Health;
  let polling: PollingDiagnostics = { enabled: true, intervalMs };
  if (state === 'blocked' || state === 'stopped') {
    health = 'unhealthy';
    if (state === 'stopped') polling = { enabled: false, intervalMs: null };
    else if (c.reason === 'permissions') polling = { enabled: true, intervalMs: c.config.backoffCapMs };
    else if (c.reason === 'metrics unavailable') polling = { enabled: true, intervalMs: unavailableRecheckMs };
    else polling = { enabled: false, intervalMs: null };
  } else if (c.failures >= unhealthyAfterFailures) {
    health = 'unhealthy';
  } else if (c.failures > 0 || c.lastFetchAt === null) {
    health = 'degraded';
  } else {
    health = 'healthy';
  }

  return {
    key: `${c.domain}:${c.scope}`,
    domain: c.domain,
    scope: c.scope,
    machine,
    state,
    mode: c.mode,
    health,
    reason: health === 'healthy' ? null : c.reason,
    stream: null,
    polling,
    metricsIntervalMs: c.config.metricsIntervalMs,
    upstream: null,
    freshnessBoundMs: c.config.freshnessBoundMs,
    upstreamProofAgeMs: null,
    proofAgeMs: null,
    itemCount: c.itemCount,
    dataAgeMs: age(now, c.lastFetchAt),
    sampleAgeMs: age(now, c.lastSampleTime),
    holders,
    lastError: c.lastError,
    counters: { ...c.counters },
    transitions: c.transitions,
  };
}

function diagnoseEntry(entry: SubscriptionEntry, now: number): DiagnosticsRow {
  const kind: RetrievalKind = entry.retrieval;
  if (kind === 'stream') {
    const snapshot = entry.ref.getSnapshot() as unknown as SnapshotLike<SubscriptionContext>;
    return diagnoseSubscription(snapshot, now, entry.holders);
  }
  const snapshot = entry.ref.getSnapshot() as unknown as SnapshotLike<PollingContext>;
  return diagnosePolling(snapshot, now, kind === 'metrics' ? 'metrics' : 'snapshotOnly', entry.holders);
}

export function diagnoseConnection(snapshot: ConnectionSnapshot | undefined): ConnectionDiagnostics | null {
  if (!snapshot) return null;
  const c = snapshot.context;
  const state = snapshot.status === 'done' ? 'closed' : c.current;
  return {
    state,
    open: state === 'open',
    attempts: c.attempts,
    connects: c.connects,
    disconnects: c.disconnects,
    lastCloseReason: c.lastCloseReason,
  };
}

/** Every active domain and scope, sorted by domain then scope, plus the connection. */
export function diagnose(snapshot: OrchestratorSnapshot, now: number): Diagnostics {
  const rows = Object.values(snapshot.context.subscriptions)
    .map((entry) => diagnoseEntry(entry, now))
    .sort((a, b) => (a.domain === b.domain ? a.scope.localeCompare(b.scope) : a.domain.localeCompare(b.domain)));
  const connectionRef = snapshot.children.connection as { getSnapshot(): ConnectionSnapshot } | undefined;
  return {
    connection: diagnoseConnection(connectionRef?.getSnapshot()),
    rows,
    metricsIntervalMs: snapshot.context.config.metricsIntervalMs,
    rejected: snapshot.context.rejected,
  };
}
