/**
 * Every interval and threshold kubelive uses, in one object. Machines read it from their
 * context; the CLI, environment and UI settings produce it through `resolveConfig`, which
 * rejects nonsense with a message that names the setting.
 */
import { isBuiltinDomain, type BuiltinDomain, type Domain } from './domains.js';

/** Poll intervals are set per built-in domain, and once for every resource domain (`resources`). */
export type PollDomain = BuiltinDomain | 'resources';

export interface KubeliveConfig {
  /** Snapshot poll interval while a domain is not streaming healthily, per domain. */
  readonly snapshotPollIntervalMs: Readonly<Record<PollDomain, number>>;
  /** How long `streamingPending` waits for the first delivery before falling back. */
  readonly pendingTimeoutMs: number;
  /** How often the backend sends a heartbeat on each subscription. */
  readonly heartbeatIntervalMs: number;
  /** Silence in `streamingHealthy` longer than this means the stream stalled. Must exceed the heartbeat. */
  readonly stallTimeoutMs: number;
  /** How long `degraded` may last before the subscription gives up on the stream and polls. */
  readonly degradeTimeoutMs: number;
  /** Consecutive good deliveries (with an agreeing digest) needed to leave `degraded`. */
  readonly hysteresisCount: number;
  /** Exponential backoff for snapshot retries, stream re-subscription and reconnects. */
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
  /** The one metrics cadence: node, pod and workload metrics, and the client-side throttle. */
  readonly metricsIntervalMs: number;
  /** An unsubscribe lingers this long so quick view switches do not churn the stream. */
  readonly unsubscribeLingerMs: number;
  /** Backend: an upstream watch that delivers nothing (event or bookmark) this long is restarted. */
  readonly upstreamStallTimeoutMs: number;
  /** Backend: the last unsubscribe stops an upstream watch after this grace period. */
  readonly upstreamIdleGraceMs: number;
  /** Backend: coalescing window for stream updates. */
  readonly updateBatchMs: number;
  /**
   * The one freshness bound, end to end: a view is `healthy` only while every hop from the
   * cluster to the store (the backend's upstream watch, the stream, the store's digest) has
   * proven itself within this long. Backend and client both read it.
   */
  readonly freshnessBoundMs: number;
  /** Backend: a read from the API server (a list page, an object, metrics, a log tail) must finish within this. */
  readonly apiReadTimeoutMs: number;
  /** Backend: a write to the API server (cordon) must finish within this. */
  readonly apiWriteTimeoutMs: number;
  /** Backend: a watch or log follow must get its response headers within this; after that it is long-lived. */
  readonly watchStartTimeoutMs: number;
  /**
   * Backend: how often the permissions behind partial views are checked again (access reviews),
   * so a RoleBinding created or deleted shows up without a restart.
   */
  readonly permissionsRecheckMs: number;
  /** Backend: a drain gives up on the pods its PodDisruptionBudgets still hold back after this long. */
  readonly drainTimeoutMs: number;
  /** Backend: a drain asks again this long after an eviction a PodDisruptionBudget refused (429). */
  readonly drainRetryMs: number;
}

const minute = 60_000;

export const defaultConfig: KubeliveConfig = {
  snapshotPollIntervalMs: {
    nodes: 10_000,
    pods: 10_000,
    workloads: 10_000,
    namespaces: 30_000,
    events: 15_000,
    'node-metrics': 5_000,
    'pod-metrics': 5_000,
    'pod-logs': 5_000,
    'helm-releases': 15_000,
    // Discovery: a CRD created or deleted shows within this; an unchanged answer is a 304.
    'api-resources': 10_000,
    resources: 10_000,
  },
  pendingTimeoutMs: 5_000,
  heartbeatIntervalMs: 2_000,
  // Two heartbeats may be lost to a busy event loop before we call the stream stalled.
  stallTimeoutMs: 6_000,
  degradeTimeoutMs: 15_000,
  hysteresisCount: 3,
  backoffBaseMs: 500,
  // Past 30 s, retries only add load to an API server that is already unhappy.
  backoffCapMs: 30_000,
  metricsIntervalMs: 5_000,
  unsubscribeLingerMs: 500,
  upstreamStallTimeoutMs: 90_000,
  upstreamIdleGraceMs: 30_000,
  // About one display frame (60 Hz): a busy view gets a frame as often as a screen can show one,
  // and a change waits at most this long for it. 25 ms left issue 14's p99 (50 ms at 5,000
  // changes/s) to the machine's noise; 16 ms costs 1-3 points of a core (docs/development.md).
  updateBatchMs: 16,
  // Ten seconds: long enough for a proof round trip (a short probe watch answers within about
  // two seconds) to run three times, short enough that an operator never acts on data older.
  freshnessBoundMs: 10_000,
  // A list page of 500 objects or one object takes well under a second from a healthy API
  // server (kube-apiserver itself gives up on a request at 60 s); past 30 s a caller waiting on
  // it is better told the cluster is not answering than left hanging.
  apiReadTimeoutMs: 30_000,
  apiWriteTimeoutMs: 30_000,
  // A watch answers with headers at once; 15 s leaves room for a slow TLS handshake.
  watchStartTimeoutMs: 15_000,
  // Permissions change by hand, not by the second; a round costs one review per namespace.
  permissionsRecheckMs: minute,
  // kubectl drain waits for ever by default; a dashboard reports what is still held back after
  // two minutes (an operator can drain again), asking again every 5 s as kubectl does.
  drainTimeoutMs: 2 * minute,
  drainRetryMs: 5_000,
};

export type ConfigOverrides = Partial<Omit<KubeliveConfig, 'snapshotPollIntervalMs'>> & {
  snapshotPollIntervalMs?: Partial<Record<PollDomain, number>>;
};

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid kubelive configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** The snapshot poll interval of a domain: its own, or the one every resource domain shares. */
export function pollIntervalMs(config: KubeliveConfig, domain: Domain): number {
  return config.snapshotPollIntervalMs[isBuiltinDomain(domain) ? domain : 'resources'];
}

/** Upper bound for any interval: a day. Anything longer is a typo, not a setting. */
const maxIntervalMs = 24 * 60 * minute;

function checkInterval(name: string, value: unknown, problems: string[]): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    problems.push(`${name} must be a number of milliseconds, got ${JSON.stringify(value)}`);
  } else if (value <= 0) {
    problems.push(`${name} must be greater than zero, got ${value}`);
  } else if (value > maxIntervalMs) {
    problems.push(`${name} must be at most ${maxIntervalMs} ms (a day), got ${value}`);
  }
}

/** Returns every problem with a config; empty when it is sound. */
export function configProblems(config: KubeliveConfig): string[] {
  const problems: string[] = [];
  for (const [domain, ms] of Object.entries(config.snapshotPollIntervalMs)) {
    checkInterval(`snapshotPollIntervalMs.${domain}`, ms, problems);
  }
  const intervals = [
    'pendingTimeoutMs',
    'heartbeatIntervalMs',
    'stallTimeoutMs',
    'degradeTimeoutMs',
    'backoffBaseMs',
    'backoffCapMs',
    'metricsIntervalMs',
    'unsubscribeLingerMs',
    'upstreamStallTimeoutMs',
    'upstreamIdleGraceMs',
    'updateBatchMs',
    'freshnessBoundMs',
    'apiReadTimeoutMs',
    'apiWriteTimeoutMs',
    'watchStartTimeoutMs',
    'permissionsRecheckMs',
    'drainTimeoutMs',
    'drainRetryMs',
  ] as const;
  for (const name of intervals) checkInterval(name, config[name], problems);
  if (!Number.isInteger(config.hysteresisCount) || config.hysteresisCount < 1 || config.hysteresisCount > 1000) {
    problems.push(`hysteresisCount must be a whole number from 1 to 1000, got ${JSON.stringify(config.hysteresisCount)}`);
  }
  if (problems.length > 0) return problems;
  if (config.stallTimeoutMs <= config.heartbeatIntervalMs) {
    problems.push(
      `stallTimeoutMs (${config.stallTimeoutMs}) must be above heartbeatIntervalMs (${config.heartbeatIntervalMs}), or every quiet stream looks stalled`,
    );
  }
  if (config.pendingTimeoutMs <= config.heartbeatIntervalMs) {
    problems.push(
      `pendingTimeoutMs (${config.pendingTimeoutMs}) must be above heartbeatIntervalMs (${config.heartbeatIntervalMs}), or a new stream falls back before its first heartbeat`,
    );
  }
  if (config.freshnessBoundMs <= config.heartbeatIntervalMs) {
    problems.push(
      `freshnessBoundMs (${config.freshnessBoundMs}) must be above heartbeatIntervalMs (${config.heartbeatIntervalMs}), or no heartbeat can carry a proof in time`,
    );
  }
  if (config.backoffCapMs < config.backoffBaseMs) {
    problems.push(`backoffCapMs (${config.backoffCapMs}) must not be below backoffBaseMs (${config.backoffBaseMs})`);
  }
  return problems;
}

/** Merges overrides onto the defaults (or a base) and validates the result; throws ConfigError. */
export function resolveConfig(overrides: ConfigOverrides = {}, base: KubeliveConfig = defaultConfig): KubeliveConfig {
  if (overrides === null || typeof overrides !== 'object') throw new ConfigError(['overrides must be an object']);
  const known = new Set(Object.keys(base));
  const unknown = Object.keys(overrides).filter((k) => !known.has(k));
  if (unknown.length > 0) throw new ConfigError(unknown.map((k) => `unknown setting "${k}"`));
  const poll = overrides.snapshotPollIntervalMs ?? {};
  const unknownDomains = Object.keys(poll).filter((d) => !Object.hasOwn(base.snapshotPollIntervalMs, d));
  if (unknownDomains.length > 0) throw new ConfigError(unknownDomains.map((d) => `unknown domain "${d}" in snapshotPollIntervalMs`));
  const merged: KubeliveConfig = {
    ...base,
    ...overrides,
    snapshotPollIntervalMs: { ...base.snapshotPollIntervalMs, ...poll },
  };
  const problems = configProblems(merged);
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(merged);
}

const durationPattern = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const unitMs: Record<string, number> = { ms: 1, s: 1000, m: minute, h: 60 * minute };

/**
 * Parses a duration as written on a command line or in an environment variable: `500ms`, `5s`,
 * `1.5m`, `2h`, or a bare number of milliseconds. Throws a message that names the setting.
 */
export function parseDuration(text: string, settingName = 'duration'): number {
  const match = durationPattern.exec(String(text).trim());
  if (!match) throw new ConfigError([`${settingName}: "${text}" is not a duration (try 500ms, 5s, 1m)`]);
  const ms = Number(match[1]) * (unitMs[match[2] ?? 'ms'] ?? 1);
  if (!Number.isFinite(ms) || ms <= 0) throw new ConfigError([`${settingName}: "${text}" must be greater than zero`]);
  return Math.round(ms);
}
