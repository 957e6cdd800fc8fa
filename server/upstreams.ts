/**
 * Upstreams runs one supervised list-watch (an upstreamMachine actor and its cache) per Kubernetes
 * resource, and one log follower per pod-logs scope, only while someone needs it: the first
 * `acquire` starts it, the last `release` stops it after the idle grace period, and the cache
 * is dropped with it.
 *
 * Keys are of three families. The ten hand-made resources (`pods`, `deployments`...) always fit.
 * Resource domains (`core/v1/configmaps`, `example.com/v1/widgets`: any kind discovery lists) and
 * `helm-releases` are started only for a view that shows them, so 300 kinds served means as many
 * watches as views open; they are bounded (`maxResourceUpstreams`). pod-logs scopes are chosen
 * by clients, and bounded too (`maxLogUpstreams`, and a start rate). Past a bound the upstream of
 * the same family idle longest (in its grace period) makes room, and when none is idle `acquire`
 * refuses with TooManyUpstreamsError. A scope or kind that was refused (403), does not exist
 * (404) or never listed is forgotten as soon as its last user lets go, rather than lingering for
 * the grace period and retrying what is not there.
 *
 * A key may name a resource narrowed to one namespace (`pods@shop`, `core/v1/configmaps@shop`):
 * the upstreams of a partial view, for a user who may list the resource only in some namespaces
 * (server/permissions.ts, views.ts `planView`). They are bounded together
 * (`maxNamespacedUpstreams`) and forgotten when idle, as resource domains are.
 *
 * A resource domain whose kind the cluster stops serving (its CRD was deleted) is ended: its
 * users are told (`onDomainGone`) and it is dropped, not retried for ever.
 */
import { createActor, fromCallback, type Actor } from 'xstate';
import type { KubeClient } from '../adapters/kube/client.js';
import { discoveredPath, type Discovery, type DiscoveredResource } from '../adapters/kube/discovery.js';
import { helmLabelSelector, helmReleaseRow } from '../adapters/kube/helm.js';
import { listWatchActors, objectCollection, RelistSignal, specCollection, tableCollection, type CacheSink, type Collection, type ListMode, type ListWatchSignals, type WatchEncoding } from '../adapters/kube/listWatch.js';
import { GiveWaySignal } from '../adapters/kube/streamingList.js';
import { parseLogScope, podLogActors, logTailLines, PodPresence } from '../adapters/kube/logs.js';
import { proofActor, WatchWitness } from '../adapters/kube/proof.js';
import { collectionPath, isResourceName, resourceSpecs } from '../adapters/kube/resources.js';
import { isResourceDomain, parseResourceDomain } from '../machines/domains.js';
import type { UpstreamReport } from '../adapters/protocol.js';
import type { KubeliveConfig } from '../machines/config.js';
import { podDeletedEnd, type LogFacts, type UpstreamProofDiagnostics } from '../machines/types.js';
import {
  defaultWatchTimeoutSeconds,
  upstreamMachine,
  upstreamHealthy,
  upstreamReport,
  upstreamStateName,
  type UpstreamTimings,
} from '../machines/upstreamMachine.js';
import { GenerationCounter, ResourceCache, type CacheChange } from './cache.js';
import { PodSightings } from './podSightings.js';

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
   * Resource-domain and Helm upstreams at once (each a watch and a probe on the API server). A
   * dashboard shows a few kinds at a time; past this a client is walking every kind the cluster
   * has, and the idlest one makes room.
   */
  readonly maxResourceUpstreams: number;
  /**
   * New pod-logs followers started per second, for every client together (a bucket that holds
   * a second's worth). Each start costs API requests, and one aborted in flight a new TLS
   * connection: a client naming new scopes in a loop must not set that pace.
   */
  readonly maxNewLogUpstreamsPerSecond: number;
  /**
   * Upstreams narrowed to one namespace at once (partial views: one per permitted namespace and
   * resource). Each is a watch and a probe, as a resource's.
   */
  readonly maxNamespacedUpstreams?: number;
}

export const defaultUpstreamLimits: UpstreamLimits = {
  // Eight log panes in each of eight tabs; past this a client is scanning the cluster, not reading logs.
  maxLogUpstreams: 64,
  // Room for every resource beside a full set of log followers, so logs can never crowd out a
  // resource; it bounds any kind of upstream added later that a client's input can name.
  maxUpstreams: 96,
  // The sidebar's kinds open one at a time; 32 covers many tabs, each on another kind.
  maxResourceUpstreams: 32,
  // A person opens a few log views a second at most; a page of them restored at once fits the bucket.
  maxNewLogUpstreamsPerSecond: 20,
  // A user limited to a dozen namespaces with the six workload kinds and pods open: 84.
  maxNamespacedUpstreams: 128,
};

/**
 * Sockets to the API server that the upstreams may hold at once: each resource a watch and a
 * probe watch, each log follower one follow or one read (never both). Everything else (snapshots
 * read from the API, object reads, cordons, metrics) is short and needs a few more.
 */
export function upstreamSocketBudget(limits: UpstreamLimits): number {
  const resources = Object.keys(resourceSpecs).length;
  const room = Math.max(0, limits.maxUpstreams - resources);
  return 2 * resources + 2 * Math.min(limits.maxResourceUpstreams, room) + Math.min(limits.maxLogUpstreams, room) + 2 * namespacedMax(limits);
}

const namespacedMax = (limits: UpstreamLimits): number => limits.maxNamespacedUpstreams ?? 128;

/** Which family a key belongs to: the bounds and the grace differ. */
export type UpstreamFamily = 'resource' | 'domain' | 'log' | 'namespaced';

export function familyOf(key: string): UpstreamFamily {
  if (isResourceName(key)) return 'resource';
  if (key.startsWith('pod-logs:')) return 'log';
  return key.includes('@') ? 'namespaced' : 'domain';
}

/** `pods@shop` → `['pods', 'shop']`; null for a key not narrowed to a namespace. */
function narrowedKey(key: string): [string, string] | null {
  if (familyOf(key) !== 'namespaced') return null;
  const at = key.lastIndexOf('@');
  return [key.slice(0, at), key.slice(at + 1)];
}

/** The key of the Helm releases upstream: release Secrets, read whole and projected. */
export const helmKey = 'helm-releases';

/** The upstream of CRDs that tells discovery when kinds come and go. */
export const definitionsKey = 'apiextensions.k8s.io/v1/customresourcedefinitions';

/** The collection of a key that is not a hand-made resource or a log: Helm releases or a resource domain. */
export function collectionOf(key: string, entry: DiscoveredResource | null, namespace = ''): Collection | null {
  if (key === helmKey) {
    // Release Secrets can be large (a chart's manifest and values, up to 1 MiB each): small pages.
    return objectCollection(namespace === '' ? '/api/v1/secrets' : `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`, helmReleaseRow, {
      query: { labelSelector: helmLabelSelector },
      pageSize: 50,
    });
  }
  return entry ? tableCollection(discoveredPath(entry, entry.namespaced ? namespace : '')) : null;
}

/** The cluster does not serve this kind (any more). */
export class UnknownDomainError extends Error {
  readonly code = 'unknown-domain';
  constructor(message: string) {
    super(message);
    this.name = 'UnknownDomainError';
  }
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
  /** How often a log follower whose log is complete reads its pod again (default `finishedRecheckMs`). */
  readonly logRecheckMs?: number;
  readonly ringSize?: number;
  readonly limits?: UpstreamLimits;
  /** What the cluster serves: resource-domain upstreams are made from it. */
  readonly discovery?: Discovery;
}

/** How the upstream bounds stand, for diagnostics. */
export interface UpstreamBoundsReport {
  readonly upstreams: number;
  readonly maxUpstreams: number;
  readonly logUpstreams: number;
  readonly maxLogUpstreams: number;
  readonly resourceUpstreams: number;
  readonly maxResourceUpstreams: number;
  readonly maxNewLogUpstreamsPerSecond: number;
  /** Upstreams narrowed to one namespace (partial views), against `maxNamespacedUpstreams`. */
  readonly namespacedUpstreams: number;
  readonly maxNamespacedUpstreams: number;
  /** New upstreams refused, by the bound that refused them. */
  readonly refused: { readonly logs: number; readonly resources: number; readonly total: number; readonly rate: number; readonly namespaced: number };
  /** Resource-domain upstreams ended because the cluster stopped serving their kind. */
  readonly endedGone: number;
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
  /**
   * How the last list was read (issue 14): `streaming` (a watch with sendInitialEvents),
   * `paginated`, `paginated after streaming failed` or `unpaginated after expired continue`.
   * Null before one landed.
   */
  readonly lastList: ListMode | null;
  /**
   * Why the last list was not a streaming one (null when it was): the cluster refuses them, the
   * last watch lapsed, a recent streaming list of this collection failed (and until when it
   * lists in pages), what broke this one off, or a fresh read that was waiting for it.
   */
  readonly lastListPagedBecause: string | null;
  /**
   * What the running (or last) watch was answered in: `protobuf` for pods where the cluster
   * serves it (adapters/kube/protobuf.ts), else `json`. Null before a watch opened.
   */
  readonly watchEncoding: WatchEncoding | null;
  /** Lists that fell back to one unpaginated read because a continue token expired. */
  readonly unpaginatedFallbacks: number;
  /** Streaming lists that broke or went silent before their end, and were replaced by a paginated list. */
  readonly streamingFallbacks: number;
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
  /** How the last list was read, and how often a list fell back to one unpaginated read. */
  lastList: ListMode | null = null;
  lastListPagedBecause: string | null = null;
  watchEncoding: WatchEncoding | null = null;
  unpaginatedFallbacks = 0;
  streamingFallbacks = 0;
  /** Ends the running watch with a relist (the columns rows are printed under changed). */
  readonly relistSignal = new RelistSignal();
  /** Turns a streaming list in flight into a paginated one (a fresh read is waiting for it). */
  private readonly giveWaySignal = new GiveWaySignal();
  /**
   * The newest error, whoever saw it: the machine (a failed list or watch, a stall, a lapse) or
   * the list actor (a streaming list that failed and was replaced by pages, which the machine
   * never hears of, since the list as a whole succeeded).
   */
  private lastError: string | null = null;
  /** The machine's errors, stalls and lapses as last seen: a change means it recorded a new error. */
  private machineErrorsSeen = '';

  constructor(
    readonly key: string,
    private readonly makeCache: () => ResourceCache,
    actors: (sink: CacheSink, witness: WatchWitness, signals: Required<Pick<ListWatchSignals, 'relist' | 'giveWay'>>) => Parameters<typeof upstreamMachine.provide>[0]['actors'],
    timings: UpstreamTimings,
    /**
     * A log follower's facts for its report: whose log it holds (`podUid`), and why it ended for
     * good (its pod deleted: `ended: pod-deleted`). An upstream whose log ended is not worth
     * keeping for a next user.
     */
    private readonly logFacts: () => LogFacts = () => ({}),
    private readonly disposed: () => void = () => {},
  ) {
    this.cache = makeCache();
    this.unsubscribeCache = this.forward(this.cache);
    const witness = new WatchWitness();
    // The sink goes through `this.cache`, so a restart's fresh cache is what the next list fills;
    // the witness remembers what the watch delivered, for the probes that prove it complete.
    const sink: CacheSink = {
      // A list lands in pieces (cache.ts, `land`), so the first of 150,000 pods does not hold the loop.
      replace: async (rows, rv, columns, signal) => {
        await this.cache.land(rows, rv, columns ?? null, signal);
        witness.listed(rv);
      },
      listPage: (rows, restarted, columns) => this.cache.listPage(rows, restarted, columns),
      listRead: (rv) => this.cache.listRead(rv),
      listedBy: (mode, pagedBecause) => {
        this.lastList = mode;
        this.lastListPagedBecause = pagedBecause;
        if (mode === 'unpaginated after expired continue') this.unpaginatedFallbacks++;
        if (mode === 'paginated after streaming failed') this.streamingFallbacks++;
      },
      streamingListFailed: (message) => {
        this.lastError = message;
      },
      watchOpened: (encoding) => {
        this.watchEncoding = encoding;
      },
      columns: () => this.cache.columns,
      apply: (type, row, rv) => {
        this.cache.apply(type, row, rv);
        witness.delivered(rv, row as { namespace?: string; name?: string });
      },
      bookmark: (rv) => {
        this.cache.bookmark(rv);
        witness.delivered(rv);
      },
    };
    this.actor = createActor(upstreamMachine.provide({ actors: actors(sink, witness, { relist: this.relistSignal, giveWay: this.giveWaySignal }) }), { input: { resource: key, timings } });
    this.actor.subscribe({
      next: (snapshot) => {
        const { errors, stalls, lapses, lastError } = snapshot.context;
        const seen = `${errors}|${stalls}|${lapses}`;
        if (seen !== this.machineErrorsSeen) {
          this.machineErrorsSeen = seen;
          this.lastError = lastError;
        }
        this.noticeState();
      },
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
   * (403) or a missing object (404), or what it follows is gone (a deleted pod's log, which a
   * pod taking the name again would have to replace). Keeping it would only ask the API server
   * again. A first list that was read whole and is landing in the cache has listed, in all but
   * the last few turns: forgetting it there threw away 20,345 ConfigMaps a client had just been sent.
   */
  get barren(): boolean {
    const { context } = this.actor.getSnapshot();
    return (!this.cache.listed && !this.cache.landingList) || this.state === 'forbidden' || context.lastFailureStatus === 403 || context.lastFailureStatus === 404 || this.logFacts().ended !== undefined;
  }

  /** The HTTP status of its last failure while nothing has worked since (404: the kind is gone). */
  get lastFailureStatus(): number | null {
    return this.actor.getSnapshot().context.lastFailureStatus;
  }

  /** The words of its last failure (the API server's, for a refusal), beside `lastFailureStatus`. */
  get lastFailureMessage(): string | null {
    return this.actor.getSnapshot().context.lastError;
  }

  report(now = Date.now()): UpstreamReport {
    const report = upstreamReport(this.actor.getSnapshot(), now);
    const facts = this.logFacts();
    return facts.ended === undefined && facts.podUid === undefined ? report : { ...report, ...facts };
  }

  /** Ready to serve from the cache: listed, and the watch is healthy. */
  get healthy(): boolean {
    return this.cache.listed && this.healthyAt(Date.now());
  }

  /** Whether its report would say healthy at `now`, without building the report (asked for every change: stream.ts). */
  healthyAt(now: number): boolean {
    return upstreamHealthy(this.actor.getSnapshot(), now);
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
   * beside it must wait to be ordered after it. `giveWay`: a streaming list in flight gives way to
   * a paginated one, so the wait is a plain read's, never a watch's that may be stalled.
   */
  listSettled(timeoutMs: number, giveWay = false): Promise<void> {
    if (this.state !== 'listing') return Promise.resolve();
    if (giveWay) this.giveWaySignal.fire();
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
    this.disposed();
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
      lastError: this.lastError,
      stopsInMs: this.stopAt === null ? null : Math.max(0, this.stopAt - now),
      proof: {
        ageMs: this.report(now).proofAgeMs ?? null,
        boundMs: context.timings.freshnessBoundMs,
        passed: context.proofs,
        failed: context.proofFailures,
        lapses: context.lapses,
        lastFailure: context.lastProofError,
      },
      lastList: this.lastList,
      lastListPagedBecause: this.lastListPagedBecause,
      watchEncoding: this.watchEncoding,
      unpaginatedFallbacks: this.unpaginatedFallbacks,
      streamingFallbacks: this.streamingFallbacks,
    };
  }

  private forward(cache: ResourceCache): () => void {
    return cache.subscribe((changes) => {
      for (const listener of this.changeListeners) isolate(listener, changes);
    });
  }

  private noticeState(): void {
    const report = this.report();
    const key = `${report.state}|${report.healthy}|${report.reason ?? ''}|${report.ended ?? ''}|${report.podUid ?? ''}`;
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
  private readonly refused = { logs: 0, resources: 0, total: 0, rate: 0, namespaced: 0 };
  /** Log follower starts the bucket allows now, refilled at `maxNewLogUpstreamsPerSecond`. */
  private startTokens: number;
  private tokensAt = Date.now();
  private evictedIdle = 0;
  private forgottenAtRelease = 0;
  private endedGone = 0;
  private readonly goneListeners = new Set<(key: string, reason: string) => void>();
  private stopFollowing: (() => void) | null = null;
  /** What the pods watches see, told to the log followers of the same names. */
  private readonly podSightings = new PodSightings();

  constructor(private readonly options: UpstreamsOptions) {
    this.limits = options.limits ?? defaultUpstreamLimits;
    this.startTokens = this.limits.maxNewLogUpstreamsPerSecond;
    options.discovery?.onChange(() => this.dropWhatIsNoLongerServed());
  }

  /**
   * How long a streaming list may be silent before a paginated list replaces it: the bound a
   * silent watch is held to, since a streaming list is a watch. A provable watch that sends
   * nothing lapses at the freshness bound; an unprovable one is restarted at the stall timeout;
   * the shorter of the two. Noticed within 1.25 times that, so the paginated list that follows
   * still fits the list timeout (twice the stall timeout).
   */
  private streamSilenceMs(): number {
    return Math.min(this.options.config.upstreamStallTimeoutMs, this.options.config.freshnessBoundMs);
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
   * TooManyUpstreamsError when a new one would pass a bound and no idle one can make room, and
   * UnknownDomainError for a resource domain discovery does not list.
   */
  acquire(key: string): Upstream {
    let upstream = this.upstreams.get(key);
    if (!upstream) {
      const make = this.maker(key);
      this.makeRoomFor(key);
      upstream = make();
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
    // viewed, or an upstream per kind ever opened, would pile up, so those are forgotten once idle.
    if (familyOf(key) === 'resource') return upstream.letGo(this.options.config.upstreamIdleGraceMs);
    if (upstream.users <= 1 && upstream.barren) {
      // A pod or kind that is not there (or not ours to read) is not worth the grace period: it
      // would retry the API server until it ran out, once per name a client made up.
      upstream.users = 0;
      this.forget(upstream);
      this.forgottenAtRelease++;
      return;
    }
    upstream.letGo(this.options.config.upstreamIdleGraceMs, () => {
      if (upstream.users === 0) this.forget(upstream);
    });
  }

  /** Hears that a resource domain's kind is no longer served: its users must let go. */
  onDomainGone(listener: (key: string, reason: string) => void): () => void {
    this.goneListeners.add(listener);
    return () => this.goneListeners.delete(listener);
  }

  /**
   * Keeps discovery told of CRDs coming and going: holds a list-watch of the cluster's
   * CustomResourceDefinitions (when discovery lists them and we may read them) and rediscovers
   * at each change. One watch for the life of the backend, the price of noticing a new kind
   * within a second instead of at the next periodic rediscovery.
   */
  followDefinitions(): void {
    const discovery = this.options.discovery;
    if (!discovery || this.stopFollowing) return;
    let held: Upstream | null = null;
    const hold = () => {
      if (held || !discovery.resolve(definitionsKey)) return;
      try {
        held = this.acquire(definitionsKey);
      } catch {
        return;
      }
      const definitions = held;
      let timer: NodeJS.Timeout | null = null;
      /** Tells discovery which kinds are custom (a CRD's name is `plural.group`); returns those names. */
      const markCustom = () => {
        const names = [...definitions.cache.rowsIn(null)].map((row) => row.name);
        discovery.setCustomResources(names);
        return names;
      };
      const changed = () => {
        // A burst of changes (a chart installing ten CRDs) is one rediscovery.
        if (timer) return;
        timer = setTimeout(() => {
          timer = null;
          markCustom();
          void discovery.refresh();
        }, 100);
        timer.unref();
      };
      // The first list needs no second discovery when discovery already serves every kind it
      // names (it ran just before, and the list's rows are what it saw), and no view of these
      // kinds relists for it: they listed their columns from the same definitions moments ago.
      let listed = definitions.cache.listed;
      const offChanges = definitions.onChanges((changes) => {
        if (!listed) {
          listed = true;
          const names = markCustom();
          const served = new Set(discovery.resources.map((r) => `${r.resource}.${r.group}`));
          if (!names.every((name) => served.has(name))) changed();
          return;
        }
        if (changes.length > 0) changed();
        // A CRD edited (its printer columns, say): the kind's rows are printed anew.
        for (const entry of changes) {
          if (entry.change.op !== 'upsert') continue;
          const [plural, ...group] = entry.change.row.name.split('.');
          for (const upstream of this.upstreams.values()) {
            const gvr = parseResourceDomain(narrowedKey(upstream.key)?.[0] ?? upstream.key);
            if (gvr && gvr.resource === plural && gvr.group === group.join('.')) upstream.relistSignal.fire();
          }
        }
      });
      letGoOfDefinitions = () => {
        offChanges();
        if (timer) clearTimeout(timer);
        this.release(definitionsKey);
      };
    };
    let letGoOfDefinitions = () => {};
    const offDiscovery = discovery.onChange(hold);
    this.stopFollowing = () => {
      offDiscovery();
      letGoOfDefinitions();
    };
    hold();
  }

  bounds(): UpstreamBoundsReport {
    return {
      upstreams: this.upstreams.size,
      maxUpstreams: this.limits.maxUpstreams,
      logUpstreams: this.count('log'),
      maxLogUpstreams: this.limits.maxLogUpstreams,
      resourceUpstreams: this.count('domain'),
      maxResourceUpstreams: this.limits.maxResourceUpstreams,
      maxNewLogUpstreamsPerSecond: this.limits.maxNewLogUpstreamsPerSecond,
      namespacedUpstreams: this.count('namespaced'),
      maxNamespacedUpstreams: namespacedMax(this.limits),
      refused: { ...this.refused },
      evictedIdle: this.evictedIdle,
      forgottenAtRelease: this.forgottenAtRelease,
      endedGone: this.endedGone,
    };
  }

  get(key: string): Upstream | undefined {
    return this.upstreams.get(key);
  }

  diagnostics(now = Date.now()): UpstreamDiagnostics[] {
    return [...this.upstreams.values()].map((u) => u.diagnostics(now));
  }

  dispose(): void {
    this.stopFollowing?.();
    for (const upstream of this.upstreams.values()) upstream.dispose();
    this.upstreams.clear();
  }

  private forget(upstream: Upstream): void {
    if (this.upstreams.get(upstream.key) !== upstream) return;
    upstream.dispose();
    this.upstreams.delete(upstream.key);
  }

  private count(family: UpstreamFamily): number {
    let n = 0;
    for (const key of this.upstreams.keys()) if (familyOf(key) === family) n++;
    return n;
  }

  /**
   * After a rediscovery: each resource-domain upstream whose kind is gone (its CRD deleted) is
   * ended, its users told first. A group that could not be read this time (an aggregated API
   * that is down) is not taken for gone.
   */
  private dropWhatIsNoLongerServed(): void {
    const discovery = this.options.discovery;
    if (!discovery) return;
    for (const upstream of [...this.upstreams.values()]) {
      const base = narrowedKey(upstream.key)?.[0] ?? upstream.key;
      const gvr = isResourceDomain(base) ? parseResourceDomain(base) : null;
      if (!gvr || discovery.resolve(base)) continue;
      if (discovery.failedGroups.some((gv) => gv.startsWith(`${gvr.group}/`))) continue;
      const reason = `${upstream.key} is no longer served by the cluster (its CustomResourceDefinition or API was removed)`;
      for (const listener of this.goneListeners) isolate((r: string) => listener(upstream.key, r), reason);
      upstream.users = 0;
      this.forget(upstream);
      this.endedGone++;
    }
  }

  /**
   * A new upstream for `key` must fit under the bounds. Resources always fit (there are ten, and
   * `maxUpstreams` leaves room for them); a log follower or a resource domain past a bound takes
   * the place of the longest-idle upstream of its family, or is refused when every one has a user.
   */
  private makeRoomFor(key: string): void {
    const family = familyOf(key);
    if (family === 'resource') return;
    if (family === 'namespaced') return this.makeRoomForNamespaced();
    const { maxLogUpstreams, maxResourceUpstreams, maxUpstreams, maxNewLogUpstreamsPerSecond: perSecond } = this.limits;
    if (family === 'log') {
      const now = Date.now();
      this.startTokens = Math.min(perSecond, this.startTokens + ((now - this.tokensAt) / 1000) * perSecond);
      this.tokensAt = now;
      if (this.startTokens < 1) {
        this.refused.rate++;
        throw new TooManyUpstreamsError(`the backend starts at most ${perSecond} new pod log followers a second, for every client together; retry in a second`);
      }
    }
    const familyMax = family === 'log' ? maxLogUpstreams : maxResourceUpstreams;
    while (this.count(family) >= familyMax || this.upstreams.size >= maxUpstreams) {
      const familyFull = this.count(family) >= familyMax;
      const idlest = this.longestIdle(familyFull ? family : null);
      if (idlest) {
        this.forget(idlest);
        this.evictedIdle++;
        continue;
      }
      if (familyFull && family === 'log') this.refused.logs++;
      else if (familyFull) this.refused.resources++;
      else this.refused.total++;
      throw new TooManyUpstreamsError(
        familyFull && family === 'log'
          ? `the backend follows at most ${maxLogUpstreams} pod logs at once, for every client together, and all are in use; close a log view and retry`
          : familyFull
            ? `the backend watches at most ${maxResourceUpstreams} kinds beyond its own at once, for every client together, and all are in use; close a view and retry`
            : `the backend runs at most ${maxUpstreams} upstreams at once and all are in use; retry later`,
      );
    }
    if (family === 'log') this.startTokens -= 1;
  }

  /** Namespaced upstreams have their own bound: an idle one makes room, else the new one is refused. */
  private makeRoomForNamespaced(): void {
    const max = namespacedMax(this.limits);
    while (this.count('namespaced') >= max) {
      const idlest = this.longestIdle('namespaced');
      if (!idlest) {
        this.refused.namespaced++;
        throw new TooManyUpstreamsError(`the backend watches at most ${max} namespaces of partial views at once, for every client together, and all are in use; close a view and retry`);
      }
      this.forget(idlest);
      this.evictedIdle++;
    }
  }

  /** The upstream (of a family, or of any but the hand-made resources) whose last user left longest ago. */
  private longestIdle(family: UpstreamFamily | null): Upstream | undefined {
    let idlest: Upstream | undefined;
    for (const [key, upstream] of this.upstreams) {
      const f = familyOf(key);
      if (f === 'resource' || (family !== null && f !== family) || upstream.users > 0 || upstream.idleSince === null) continue;
      if (!idlest || upstream.idleSince < idlest.idleSince!) idlest = upstream;
    }
    return idlest;
  }

  /**
   * The upstream of a resource in one namespace: the same list-watch, proof and cache as the
   * cluster-wide one, on the namespace's collection path (`/api/v1/namespaces/shop/pods`).
   */
  private namespacedMaker(key: string, base: string, namespace: string, timings: UpstreamTimings, ringSize: number): () => Upstream {
    const { client, generations } = this.options;
    let collection: Collection | null;
    let labelSelector: string | undefined;
    if (isResourceName(base)) {
      const spec = resourceSpecs[base];
      if (!spec.namespaced) throw new UnknownDomainError(`${base} is cluster-wide and has no namespaces`);
      collection = specCollection(spec, collectionPath(spec, namespace));
    } else {
      const entry = base === helmKey ? null : (this.options.discovery?.resolve(base) ?? null);
      if (entry && !entry.namespaced) throw new UnknownDomainError(`${base} is cluster-wide and has no namespaces`);
      collection = collectionOf(base, entry, namespace);
      labelSelector = base === helmKey ? helmLabelSelector : undefined;
    }
    if (!collection) throw new UnknownDomainError(`${base} is not a resource this cluster serves`);
    const found = collection;
    return () =>
      this.toldOfPods(
        base,
        new Upstream(
          key,
          () => new ResourceCache(key, generations, { ringSize }),
          (sink, witness, signals) => ({ ...listWatchActors(client, found, sink, { ...signals, streamSilenceMs: this.streamSilenceMs() }), proveResource: proofActor(client, found.path, witness, labelSelector) }),
          timings,
        ),
      );
  }

  /** A pods upstream (cluster-wide or one namespace's) tells the log followers of the pods it sees. */
  private toldOfPods(resource: string, upstream: Upstream): Upstream {
    if (resource === 'pods') upstream.onChanges((changes) => this.podSightings.noticed(changes));
    return upstream;
  }

  /** How to make the upstream for `key`; throws before anything is made when the key names nothing served. */
  private maker(key: string): () => Upstream {
    const { client, generations, config } = this.options;
    const ringSize = this.options.ringSize ?? resumeRingSize;
    const provable = this.timings(config.upstreamStallTimeoutMs, config.freshnessBoundMs);
    const narrowed = narrowedKey(key);
    if (narrowed) return this.namespacedMaker(key, narrowed[0], narrowed[1], provable, ringSize);
    if (isResourceName(key)) {
      const spec = resourceSpecs[key];
      return () =>
        this.toldOfPods(
          key,
          new Upstream(
            key,
            () => new ResourceCache(key, generations, { ringSize }),
            (sink, witness, { giveWay }) => ({ ...listWatchActors(client, specCollection(spec), sink, { giveWay, streamSilenceMs: this.streamSilenceMs() }), proveResource: proofActor(client, spec.path, witness) }),
            provable,
          ),
        );
    }
    if (key.startsWith('pod-logs:')) {
      const target = parseLogScope(key.slice('pod-logs:'.length));
      return () => {
        const pod = new PodPresence();
        this.podSightings.listen(target.namespace, target.pod, pod);
        return new Upstream(
          key,
          () => new ResourceCache(key, generations, { ringSize: logTailLines * 2, maxRows: logTailLines }),
          // A log has no resourceVersions to probe with: its follow is its own proof.
          (sink) => ({ ...podLogActors(client, target, sink, pod, this.options.logRecheckMs), proveResource: fromCallback(() => {}) }),
          this.timings(logStallTimeoutMs, null),
          () => ({ ...(pod.gone ? { ended: podDeletedEnd } : {}), ...(pod.uid !== null ? { podUid: pod.uid } : {}) }),
          () => this.podSightings.stopListening(target.namespace, target.pod, pod),
        );
      };
    }
    const entry = key === helmKey ? null : (this.options.discovery?.resolve(key) ?? null);
    const collection = collectionOf(key, entry);
    if (!collection) throw new UnknownDomainError(`${key} is not a resource this cluster serves`);
    const labelSelector = key === helmKey ? helmLabelSelector : undefined;
    return () => {
      const upstream = new Upstream(
        key,
        () => new ResourceCache(key, generations, { ringSize }),
        (sink, witness, signals) => ({
          ...listWatchActors(client, collection, sink, { ...signals, streamSilenceMs: this.streamSilenceMs() }),
          proveResource: proofActor(client, collection.path, witness, labelSelector),
        }),
        provable,
      );
      // A list or watch that answers 404 may mean the kind is gone (its CRD deleted): ask
      // discovery, which ends this upstream if so (rate-limited; a typo costs nothing more).
      if (entry) {
        upstream.onStateChange(() => {
          if (upstream.lastFailureStatus === 404) void this.options.discovery?.refreshIfStale();
        });
      }
      return upstream;
    };
  }
}
