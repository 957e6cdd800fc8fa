/**
 * Upstreams runs one supervised list-watch (an upstreamMachine actor and its cache) per Kubernetes
 * resource, and one log follower per pod-logs scope, only while someone needs it: the first
 * `acquire` starts it, the last `release` stops it after the idle grace period, and the cache
 * is dropped with it.
 */
import { createActor, fromCallback, type Actor } from 'xstate';
import type { KubeClient } from '../adapters/kube/client.js';
import { listWatchActors, type CacheSink } from '../adapters/kube/listWatch.js';
import { parseLogScope, podLogActors, logTailLines } from '../adapters/kube/logs.js';
import { proofActor, WatchWitness } from '../adapters/kube/proof.js';
import { isResourceName, resourceSpecs } from '../adapters/kube/resources.js';
import type { UpstreamReport } from '../adapters/protocol.js';
import type { KubeliveConfig } from '../machines/config.js';
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

export interface UpstreamsOptions {
  readonly client: KubeClient;
  readonly config: KubeliveConfig;
  readonly generations: GenerationCounter;
  readonly watchTimeoutSeconds?: readonly [number, number];
  readonly ringSize?: number;
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
  /** The upstream proof: how many probes passed and failed, how often it lapsed, the last failure. */
  readonly proof: {
    readonly ageMs: number | null;
    readonly boundMs: number | null;
    readonly passed: number;
    readonly failed: number;
    readonly lapses: number;
    readonly lastFailure: string | null;
  };
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
        witness.delivered(rv);
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
    if (this.cache.listed || this.state !== 'listing') return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        offChanges();
        offState();
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      const offChanges = this.onChanges(() => done());
      const offState = this.onStateChange(() => {
        if (this.state !== 'listing') done();
      });
    });
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
    this.stopAt = Date.now() + graceMs;
    this.stopTimer = setTimeout(() => {
      this.stopTimer = null;
      this.stopAt = null;
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

  constructor(private readonly options: UpstreamsOptions) {}

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

  /** Starts (or keeps) the upstream for `key`; every acquire needs a release. */
  acquire(key: string): Upstream {
    let upstream = this.upstreams.get(key);
    if (!upstream) {
      upstream = this.create(key);
      this.upstreams.set(key, upstream);
    }
    upstream.hold();
    return upstream;
  }

  release(key: string): void {
    const upstream = this.upstreams.get(key);
    if (!upstream) return;
    // Resources are few and keep their counters for diagnostics; a log follower per pod ever
    // viewed would pile up, so those are forgotten once idle.
    const forget = isResourceName(key)
      ? undefined
      : () => {
          if (this.upstreams.get(key) === upstream && upstream.users === 0) {
            upstream.dispose();
            this.upstreams.delete(key);
          }
        };
    upstream.letGo(this.options.config.upstreamIdleGraceMs, forget);
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

