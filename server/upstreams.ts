/**
 * Upstreams runs one supervised list-watch (an upstreamMachine actor and its cache) per Kubernetes
 * resource, and one log follower per pod-logs scope, only while someone needs it: the first
 * `acquire` starts it, the last `release` stops it after the idle grace period, and the cache
 * is dropped with it.
 *
 * Resources are a fixed ten; pod-logs scopes are chosen by clients, so they are bounded
 * (`UpstreamLimits`): past the bound an idle follower (in its grace period) makes room, and when
 * none is idle `acquire` refuses with TooManyUpstreamsError. A scope that was refused (403), does
 * not exist (404) or never listed is forgotten as soon as its last user lets go, rather than
 * lingering for the grace period and retrying a pod that is not there.
 */
import { createActor, fromCallback, type Actor } from 'xstate';
import type { KubeClient } from '../adapters/kube/client.js';
import { listWatchActors, type CacheSink } from '../adapters/kube/listWatch.js';
import { parseLogScope, podLogActors, logTailLines } from '../adapters/kube/logs.js';
import { proofActor, WatchWitness } from '../adapters/kube/proof.js';
import { isResourceName, resourceSpecs } from '../adapters/kube/resources.js';
import type { UpstreamReport } from '../adapters/protocol.js';
import type { KubeliveConfig } from '../machines/config.js';
import type { UpstreamProofDiagnostics } from '../machines/types.js';
import {
  defaultWatchTimeoutSeconds,
  upstreamMachine,
  upstreamReport,
  upstreamStateName,
  type UpstreamTimings,
} from '../machines/upstreamMachine.js';
import { GenerationCounter, ResourceCache, type CacheChange } from './cache.js';

/** Changes each resource keeps for resuming clients; ~10k rows of a few hundred bytes is a few MB. */
export const resumeRingSize = 10_000;

/** Log followers see no bookmarks and may be silent for hours: their stall timer is effectively off. */
const logStallTimeoutMs = 24 * 60 * 60 * 1000;

export interface UpstreamLimits {
  /** pod-logs followers at once, across every client: each holds a connection to the API server. */
  readonly maxLogUpstreams: number;
  /** Upstreams of any kind at once. */
  readonly maxUpstreams: number;
  /**
   * New pod-logs followers started per second, for every client together (a bucket that holds
   * a second's worth). Each start costs API requests, and one aborted in flight a new TLS
   * connection: a client naming new scopes in a loop must not set that pace.
   */
  readonly maxNewLogUpstreamsPerSecond: number;
}

export const defaultUpstreamLimits: UpstreamLimits = {
  // Eight log panes in each of eight tabs; past this a client is scanning the cluster, not reading logs.
  maxLogUpstreams: 64,
  // Room for every resource beside a full set of log followers, so logs can never crowd out a
  // resource; it bounds any kind of upstream added later that a client's input can name.
  maxUpstreams: 96,
  // A person opens a few log views a second at most; a page of them restored at once fits the bucket.
  maxNewLogUpstreamsPerSecond: 20,
};

/**
 * Sockets to the API server that the upstreams may hold at once: each resource a watch and a
 * probe watch, each log follower one follow or one read (never both). Everything else (snapshots
 * read from the API, object reads, cordons, metrics) is short and needs a few more.
 */
export function upstreamSocketBudget(limits: UpstreamLimits): number {
  const resources = Object.keys(resourceSpecs).length;
  return 2 * resources + Math.min(limits.maxLogUpstreams, limits.maxUpstreams - resources);
}

/** A new upstream was refused: the bound is reached and every upstream under it has a user. */
export class TooManyUpstreamsError extends Error {
  readonly code = 'too-many-upstreams';
  constructor(message: string) {
    super(message);
    this.name = 'TooManyUpstreamsError';
  }
}

export interface UpstreamsOptions {
  readonly client: KubeClient;
  readonly config: KubeliveConfig;
  readonly generations: GenerationCounter;
  readonly watchTimeoutSeconds?: readonly [number, number];
  readonly ringSize?: number;
  readonly limits?: UpstreamLimits;
}

/** How the upstream bounds stand, for diagnostics. */
export interface UpstreamBoundsReport {
  readonly upstreams: number;
  readonly maxUpstreams: number;
  readonly logUpstreams: number;
  readonly maxLogUpstreams: number;
  readonly maxNewLogUpstreamsPerSecond: number;
  /** New upstreams refused, by the bound that refused them. */
  readonly refused: { readonly logs: number; readonly total: number; readonly rate: number };
  /** Idle log followers stopped before their grace ran out, to make room for a new one. */
  readonly evictedIdle: number;
  /** Log followers forgotten at their last release because the pod was refused (403), missing (404) or never listed. */
  readonly forgottenAtRelease: number;
}

/** The key of an upstream: a resource name (`pods`) or `pod-logs:<namespace/pod[/container]>`. */
export function logKey(scope: string): string {
  return `pod-logs:${scope}`;
}

export interface UpstreamDiagnostics {
  readonly key: string;
  readonly state: string;
  readonly report: UpstreamReport;
  readonly users: number;
  readonly rows: number;
  readonly resourceVersion: string;
  readonly lists: number;
  readonly stalls: number;
  readonly watches: number;
  readonly lastError: string | null;
  readonly stopsInMs: number | null;
  readonly proof: UpstreamProofDiagnostics;
}

type UpstreamActor = Actor<typeof upstreamMachine>;

/** One supervised list-watch and the cache it fills. */
export class Upstream {
  cache: ResourceCache;
  users = 0;
  private readonly actor: UpstreamActor;
  private readonly changeListeners = new Set<(changes: readonly CacheChange[]) => void>();
  private readonly stateListeners = new Set<() => void>();
  private unsubscribeCache: () => void;
  private lastStateKey = '';
  private stopTimer: NodeJS.Timeout | null = null;
  private stopAt: number | null = null;
  private releasedAt: number | null = null;
  running = true;

  constructor(
    readonly key: string,
    private readonly makeCache: () => ResourceCache,
    actors: (sink: CacheSink, witness: WatchWitness) => Parameters<typeof upstreamMachine.provide>[0]['actors'],
    timings: UpstreamTimings,
  ) {
    this.cache = makeCache();
    this.unsubscribeCache = this.forward(this.cache);
    const witness = new WatchWitness();
    // The sink goes through `this.cache`, so a restart's fresh cache is what the next list fills;
    // the witness remembers what the watch delivered, for the probes that prove it complete.
    const sink: CacheSink = {
      replace: (rows, rv) => {
        this.cache.replace(rows, rv);
        witness.listed(rv);
      },
      apply: (type, row, rv) => {
        this.cache.apply(type, row, rv);
        witness.delivered(rv, row as { namespace?: string; name?: string });
      },
      bookmark: (rv) => {
        this.cache.bookmark(rv);
        witness.delivered(rv);
      },
    };
    this.actor = createActor(upstreamMachine.provide({ actors: actors(sink, witness) }), { input: { resource: key, timings } });
    this.actor.subscribe({
      next: () => this.noticeState(),
      error: () => this.noticeState(),
    });
    this.actor.start();
  }

  get state(): string {
    return upstreamStateName(this.actor.getSnapshot());
  }

  /** When its last user let go (null while held or stopped): the longest idle makes room first. */
  get idleSince(): number | null {
    return this.releasedAt;
  }

  /**
   * Nothing worth keeping for a next user: it never listed, or its last outcome was a refusal
   * (403) or a missing object (404). Keeping it would only retry against the API server.
   */
  get barren(): boolean {
    const { context } = this.actor.getSnapshot();
    return !this.cache.listed || this.state === 'forbidden' || context.lastFailureStatus === 403 || context.lastFailureStatus === 404;
  }

  report(now = Date.now()): UpstreamReport {
    return upstreamReport(this.actor.getSnapshot(), now);
  }

  /** Ready to serve from the cache: listed, and the watch is healthy. */
  get healthy(): boolean {
    return this.cache.listed && this.report().healthy;
  }

  /**
   * Resolves once the first list is in the cache: at once when it already is, or when the
   * machine is doing something other than its first list; after `timeoutMs` at the latest.
   */
  firstList(timeoutMs: number): Promise<void> {
    return this.cache.listed ? Promise.resolve() : this.listSettled(timeoutMs);
  }

  /**
   * Resolves once no list is in flight (at once when none is), after `timeoutMs` at the latest. A
   * relist's diff reaches the cache only when the list completes, so whatever reads the cluster
   * beside it must wait to be ordered after it.
   */
  listSettled(timeoutMs: number): Promise<void> {
    if (this.state !== 'listing') return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        off();
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      const off = this.onStateChange(() => {
        if (this.state !== 'listing') done();
      });
    });
  }

  onChanges(listener: (changes: readonly CacheChange[]) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onStateChange(listener: () => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  hold(): void {
    this.users++;
    this.releasedAt = null;
    if (this.stopTimer) {
      clearTimeout(this.stopTimer);
      this.stopTimer = null;
      this.stopAt = null;
    }
    if (!this.running) {
      this.running = true;
      this.actor.send({ type: 'START' });
    }
  }

  /** Stops after `graceMs` unless someone holds it again; `onIdle` runs after such a stop. */
  letGo(graceMs: number, onIdle?: () => void): void {
    this.users = Math.max(0, this.users - 1);
    if (this.users > 0 || this.stopTimer) return;
    this.releasedAt = Date.now();
    this.stopAt = this.releasedAt + graceMs;
    this.stopTimer = setTimeout(() => {
      this.stopTimer = null;
      this.stopAt = null;
      this.releasedAt = null;
      if (this.users === 0) {
        this.stop();
        onIdle?.();
      }
    }, graceMs);
    this.stopTimer.unref();
  }

  /** Stops the watch and drops the cache: nobody is looking. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.actor.send({ type: 'STOP' });
    // A fresh, empty cache (with a new generation) waits for the next start; the old rows go.
    this.unsubscribeCache();
    this.cache = this.makeCache();
    this.unsubscribeCache = this.forward(this.cache);
  }

  dispose(): void {
    if (this.stopTimer) clearTimeout(this.stopTimer);
    this.stop();
    this.actor.stop();
  }

  diagnostics(now: number): UpstreamDiagnostics {
    const { context } = this.actor.getSnapshot();
    return {
      key: this.key,
      state: this.state,
      report: this.report(now),
      users: this.users,
      rows: this.cache.size,
      resourceVersion: this.cache.resourceVersion,
      lists: context.lists,
      stalls: context.stalls,
      watches: context.watches,
      lastError: context.lastError,
      stopsInMs: this.stopAt === null ? null : Math.max(0, this.stopAt - now),
      proof: {
        ageMs: this.report(now).proofAgeMs ?? null,
        boundMs: context.timings.freshnessBoundMs,
        passed: context.proofs,
        failed: context.proofFailures,
        lapses: context.lapses,
        lastFailure: context.lastProofError,
      },
    };
  }

  private forward(cache: ResourceCache): () => void {
    return cache.subscribe((changes) => {
      for (const listener of this.changeListeners) isolate(listener, changes);
    });
  }

  private noticeState(): void {
    const report = this.report();
    const key = `${report.state}|${report.healthy}|${report.reason ?? ''}`;
    if (key === this.lastStateKey) return;
    this.lastStateKey = key;
    for (const listener of this.stateListeners) isolate(listener, undefined);
  }
}

/**
 * Runs one listener so that its failure stays its own: a client whose frame cannot be built must
 * not fail the list or watch that feeds every other client.
 */
function isolate<T>(listener: (value: T) => void, value: T): void {
  try {
    listener(value);
  } catch (error) {
    console.error(`kubelive: a listener failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export class Upstreams {
  private readonly upstreams = new Map<string, Upstream>();
  private readonly limits: UpstreamLimits;
  private readonly refused = { logs: 0, total: 0, rate: 0 };
  /** Log follower starts the bucket allows now, refilled at `maxNewLogUpstreamsPerSecond`. */
  private startTokens: number;
  private tokensAt = Date.now();
  private evictedIdle = 0;
  private forgottenAtRelease = 0;

  constructor(private readonly options: UpstreamsOptions) {
    this.limits = options.limits ?? defaultUpstreamLimits;
    this.startTokens = this.limits.maxNewLogUpstreamsPerSecond;
  }

  private timings(stallTimeoutMs: number, freshnessBoundMs: number | null): UpstreamTimings {
    const { config } = this.options;
    return {
      backoffBaseMs: config.backoffBaseMs,
      backoffCapMs: config.backoffCapMs,
      stallTimeoutMs,
      // Pages of 500 arrive well within a second each; twice the stall timeout (3 min by default)
      // lists a few hundred thousand objects and still unsticks a request that never answers.
      listTimeoutMs: config.upstreamStallTimeoutMs * 2,
      // Permissions change by hand, not by the second: retry at twice the backoff cap.
      forbiddenRetryMs: config.backoffCapMs * 2,
      watchTimeoutSeconds: this.options.watchTimeoutSeconds ?? defaultWatchTimeoutSeconds,
      freshnessBoundMs,
    };
  }

  /**
   * Starts (or keeps) the upstream for `key`; every acquire needs a release. Throws
   * TooManyUpstreamsError when a new one would pass a bound and no idle one can make room.
   */
  acquire(key: string): Upstream {
    let upstream = this.upstreams.get(key);
    if (!upstream) {
      this.makeRoomFor(key);
      upstream = this.create(key);
      this.upstreams.set(key, upstream);
    }
    upstream.hold();
    return upstream;
  }

  /** Acquires every key or none: a refusal releases what this call had already acquired. */
  acquireAll(keys: readonly string[]): Upstream[] {
    const acquired: Upstream[] = [];
    try {
      for (const key of keys) acquired.push(this.acquire(key));
    } catch (error) {
      for (const upstream of acquired) this.release(upstream.key);
      throw error;
    }
    return acquired;
  }

  release(key: string): void {
    const upstream = this.upstreams.get(key);
    if (!upstream) return;
    // Resources are few and keep their counters for diagnostics; a log follower per pod ever
    // viewed would pile up, so those are forgotten once idle.
    if (isResourceName(key)) return upstream.letGo(this.options.config.upstreamIdleGraceMs);
    if (upstream.users <= 1 && upstream.barren) {
      // A pod that is not there (or not ours to read) is not worth the grace period: it would
      // retry the API server until it ran out, once per scope a client made up.
      upstream.users = 0;
      this.forget(upstream);
      this.forgottenAtRelease++;
      return;
    }
    upstream.letGo(this.options.config.upstreamIdleGraceMs, () => {
      if (upstream.users === 0) this.forget(upstream);
    });
  }

  bounds(): UpstreamBoundsReport {
    return {
      upstreams: this.upstreams.size,
      maxUpstreams: this.limits.maxUpstreams,
      logUpstreams: this.logCount(),
      maxLogUpstreams: this.limits.maxLogUpstreams,
      maxNewLogUpstreamsPerSecond: this.limits.maxNewLogUpstreamsPerSecond,
      refused: { ...this.refused },
      evictedIdle: this.evictedIdle,
      forgottenAtRelease: this.forgottenAtRelease,
    };
  }

  get(key: string): Upstream | undefined {
    return this.upstreams.get(key);
  }

  diagnostics(now = Date.now()): UpstreamDiagnostics[] {
    return [...this.upstreams.values()].map((u) => u.diagnostics(now));
  }

  dispose(): void {
    for (const upstream of this.upstreams.values()) upstream.dispose();
    this.upstreams.clear();
  }

  private forget(upstream: Upstream): void {
    if (this.upstreams.get(upstream.key) !== upstream) return;
    upstream.dispose();
    this.upstreams.delete(upstream.key);
  }

  private logCount(): number {
    let n = 0;
    for (const key of this.upstreams.keys()) if (!isResourceName(key)) n++;
    return n;
  }

  /**
   * A new upstream for `key` must fit under the bounds. Resources always fit (there are ten, and
   * `maxUpstreams` leaves room for them); a log follower past a bound takes the place of the
   * longest-idle follower, or is refused when every one has a user.
   */
  private makeRoomFor(key: string): void {
    if (isResourceName(key)) return;
    const { maxLogUpstreams, maxUpstreams, maxNewLogUpstreamsPerSecond: perSecond } = this.limits;
    const now = Date.now();
    this.startTokens = Math.min(perSecond, this.startTokens + ((now - this.tokensAt) / 1000) * perSecond);
    this.tokensAt = now;
    if (this.startTokens < 1) {
      this.refused.rate++;
      throw new TooManyUpstreamsError(`the backend starts at most ${perSecond} new pod log followers a second, for every client together; retry in a second`);
    }
    while (this.logCount() >= maxLogUpstreams || this.upstreams.size >= maxUpstreams) {
      const idlest = this.longestIdleLog();
      if (idlest) {
        this.forget(idlest);
        this.evictedIdle++;
        continue;
      }
      const logsFull = this.logCount() >= maxLogUpstreams;
      if (logsFull) this.refused.logs++;
      else this.refused.total++;
      throw new TooManyUpstreamsError(
        logsFull
          ? `the backend follows at most ${maxLogUpstreams} pod logs at once, for every client together, and all are in use; close a log view and retry`
          : `the backend runs at most ${maxUpstreams} upstreams at once and all are in use; retry later`,
      );
    }
    this.startTokens -= 1;
  }

  private longestIdleLog(): Upstream | undefined {
    let idlest: Upstream | undefined;
    for (const [key, upstream] of this.upstreams) {
      if (isResourceName(key) || upstream.users > 0 || upstream.idleSince === null) continue;
      if (!idlest || upstream.idleSince < idlest.idleSince!) idlest = upstream;
    }
    return idlest;
  }

  private create(key: string): Upstream {
    const { client, generations, config } = this.options;
    const ringSize = this.options.ringSize ?? resumeRingSize;
    if (isResourceName(key)) {
      const spec = resourceSpecs[key];
      return new Upstream(
        key,
        () => new ResourceCache(key, generations, { ringSize }),
        (sink, witness) => ({ ...listWatchActors(client, spec, sink), proveResource: proofActor(client, spec.path, witness) }),
        this.timings(config.upstreamStallTimeoutMs, config.freshnessBoundMs),
      );
    }
    if (key.startsWith('pod-logs:')) {
      const target = parseLogScope(key.slice('pod-logs:'.length));
      return new Upstream(
        key,
        () => new ResourceCache(key, generations, { ringSize: logTailLines * 2, maxRows: logTailLines }),
        // A log has no resourceVersions to probe with: its follow is its own proof.
        (sink) => ({ ...podLogActors(client, target, sink), proveResource: fromCallback(() => {}) }),
        this.timings(logStallTimeoutMs, null),
      );
    }
    throw new Error(`no upstream for "${key}"`);
  }
}

