/**
 * ClusterSet knows every cluster the backend may serve (each context of the kubeconfig, or the
 * pod's own `in-cluster` one) and runs the ones in use. A cluster's runtime (its KubeClient,
 * Discovery, Upstreams, Permissions, MetricsCache and credential-file watch) is made on first
 * use and disposed once nothing has held it for `idleMs`; at most `maxInUse` run at once, and a
 * use of one more, when no idle runtime can make room, is refused (TooManyClustersError). The
 * default cluster is made at start and kept: it is what every request that names no cluster
 * reaches, and a broken kubeconfig should fail `serve`, not the first request. A runtime asks
 * discovery and who the user is as it is made, so a cluster's first view does not wait on them.
 *
 * Clusters are probed (one `GET /version` with a short deadline) only when the cluster list is
 * asked for, and only those not in use or in trouble, at most every `probeEveryMs` each and
 * `probeConcurrency` at a time: a list of fifty contexts must not become fifty connections per
 * page load. docs/backend.md, "Several clusters".
 */
import { unwatchFile, watchFile } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeApiError, KubeClient, loadKubeConfig, type KubeconfigSource } from '../adapters/kube/client.js';
import { Discovery } from '../adapters/kube/discovery.js';
import { inClusterContext, inClusterFiles } from '../adapters/kube/inCluster.js';
import type { ClusterSummary } from '../adapters/protocol.js';
import type { KubeliveConfig } from '../machines/config.js';
import type { GenerationCounter } from './cache.js';
import { MetricsCache } from './metricsCache.js';
import { Permissions } from './permissions.js';
import { upstreamSocketBudget, Upstreams, type UpstreamLimits } from './upstreams.js';

/** What the kubeconfig says of one context, known without connecting to it. */
export interface ClusterEntry {
  readonly name: string;
  readonly clusterEntry: string;
  readonly userEntry: string;
  readonly server: string;
  readonly namespace: string | null;
}

/** One cluster in use: everything the backend keeps per API server, each part talking to that server only. */
export interface ClusterRuntime {
  readonly name: string;
  readonly client: KubeClient;
  readonly discovery: Discovery;
  readonly upstreams: Upstreams;
  readonly permissions: Permissions;
  readonly metrics: MetricsCache;
}

export interface ClusterLimits {
  /** Clusters with a runtime at once; past it (and none idle), 503 `too-many-clusters`. */
  readonly maxInUse: number;
  /** A runtime nobody has held for this long is disposed (the default cluster's never is). */
  readonly idleMs: number;
}

export const defaultClusterLimits: ClusterLimits = {
  // Each cluster in use holds its own list-watches, discovery and sockets; sixteen is more than
  // a person looks at side by side, and bounds what a script naming every context can cost.
  maxInUse: 16,
  // Well past the upstreams' own idle grace, so a cluster a user switched away from is dropped
  // only after its views were, and switching back within minutes finds its discovery warm.
  idleMs: 5 * 60_000,
};

/** The name is no context the backend knows: 404 `unknown-cluster`, or a fatal error frame. */
export class UnknownClusterError extends Error {
  readonly code = 'unknown-cluster';
}

/** `maxInUse` clusters are in use and none is idle. */
export class TooManyClustersError extends Error {
  readonly code = 'too-many-clusters';
}

/** The context is known but no client can be made of it (its cluster or user entry is missing or broken). */
export class ClusterUnusableError extends Error {
  readonly code = 'cluster-unusable';
}

export interface ClusterSetOptions {
  /** The kubeconfig every context comes from (its `context`, if any, names the default), or the in-cluster source. */
  readonly source: KubeconfigSource;
  readonly config: KubeliveConfig;
  /** One counter for every cluster's caches: generations only need to grow, and a shared one cannot collide. */
  readonly generations: GenerationCounter;
  readonly upstreamLimits: UpstreamLimits;
  readonly limits: ClusterLimits;
  /** The last-resort namespaces of partial views (`--namespace`), for every cluster. */
  readonly namespaces?: readonly string[];
  readonly watchTimeoutSeconds?: readonly [number, number];
  readonly logRecheckMs?: number;
}

/** What the last probe of a cluster's API server found. */
interface Probe {
  readonly at: number;
  readonly reachable: boolean;
  readonly reason: string | null;
  /** Made while the cluster's views were in trouble: one made before says nothing of it. */
  readonly inTrouble: boolean;
}

interface Slot {
  readonly entry: ClusterEntry;
  runtime: ClusterRuntime | null;
  stopWatchingFiles: () => void;
  /** Subscriptions and requests holding the runtime now. */
  holds: number;
  lastUsedAt: number;
  probe: Probe | null;
  probing: Promise<void> | null;
}

export class ClusterSet {
  /** The cluster requests and frames without a cluster name go to. */
  readonly defaultName: string;
  private readonly slots = new Map<string, Slot>();
  private readonly startListeners = new Set<(runtime: ClusterRuntime) => void>();
  private readonly sweeper: NodeJS.Timeout;
  /** Runtimes made, disposed for idleness or to make room, uses refused at the bound, probes sent. */
  readonly counts = { started: 0, disposedIdle: 0, refused: 0, probes: 0 };

  constructor(private readonly options: ClusterSetOptions) {
    const kc = loadKubeConfig(options.source);
    this.defaultName = options.source.inCluster ? inClusterContext : kc.getCurrentContext();
    for (const entry of entriesOf(kc, this.defaultName, options.source)) {
      this.slots.set(entry.name, { entry, runtime: null, stopWatchingFiles: () => {}, holds: 0, lastUsedAt: 0, probe: null, probing: null });
    }
    this.sweeper = setInterval(() => this.disposeIdle(Date.now()), Math.max(1000, Math.min(options.limits.idleMs / 4, 30_000)));
    this.sweeper.unref();
  }

  get names(): string[] {
    return [...this.slots.keys()];
  }

  /** Whether `name` is a context of the kubeconfig. */
  knows(name: string): boolean {
    return this.slots.has(name);
  }

  /** Hears each runtime as it is made, before anything uses it (the stream hub follows its changes). */
  onStart(listener: (runtime: ClusterRuntime) => void): () => void {
    this.startListeners.add(listener);
    return () => this.startListeners.delete(listener);
  }

  /**
   * The runtime of `name` (absent or empty: the default), made now if it has none, held until
   * `release`: every `hold` needs one. Throws UnknownClusterError, TooManyClustersError or
   * ClusterUnusableError, holding nothing.
   */
  hold(name: string | null | undefined): ClusterRuntime {
    const wanted = name === null || name === undefined || name === '' ? this.defaultName : name;
    const slot = this.slots.get(wanted);
    if (!slot) {
      throw new UnknownClusterError(`no cluster ${JSON.stringify(wanted.slice(0, 253))}: the kubeconfig's contexts are ${this.names.join(', ')} (GET /api/v1/clusters)`);
    }
    if (!slot.runtime) {
      this.makeRoom(slot);
      slot.runtime = this.start(slot);
    }
    slot.holds++;
    slot.lastUsedAt = Date.now();
    return slot.runtime;
  }

  release(runtime: ClusterRuntime): void {
    const slot = this.slots.get(runtime.name);
    if (!slot || slot.runtime !== runtime) return;
    slot.holds = Math.max(0, slot.holds - 1);
    slot.lastUsedAt = Date.now();
  }

  get inUse(): number {
    let n = 0;
    for (const slot of this.slots.values()) if (slot.runtime) n++;
    return n;
  }

  /**
   * Every cluster with its health (`GET /api/v1/clusters`). In use: from the upstreams of its
   * views; when one is unhealthy, a probe tells a server that is down (`unreachable`) from one
   * that answers while its views suffer (`degraded`). Not in use: from the last probe. The
   * probes due start here; the answer waits for them at most `probeDeadlineMs`, so one dead
   * cluster in a long kubeconfig does not hold the list up: what is still unanswered stays as it
   * was known, and the next ask finds it.
   */
  async summaries(subscriptions: ReadonlyMap<string, number>, now = Date.now()): Promise<ClusterSummary[]> {
    const due: { slot: Slot; inTrouble: boolean }[] = [];
    for (const slot of this.slots.values()) {
      if (slot.probing) continue;
      const inTrouble = this.used(slot, now) && upstreamTrouble(slot.runtime!, now) !== null;
      const age = slot.probe ? now - slot.probe.at : Infinity;
      if (this.used(slot, now) ? inTrouble && (!slot.probe?.inTrouble || age >= troubleProbeEveryMs) : age >= probeEveryMs) due.push({ slot, inTrouble });
    }
    const probing = runAtMost(probeConcurrency, due.map(({ slot, inTrouble }) => () => this.probe(slot, inTrouble)));
    let deadline: NodeJS.Timeout | undefined;
    await Promise.race([probing, new Promise((resolve) => (deadline = setTimeout(resolve, probeDeadlineMs)))]);
    clearTimeout(deadline);
    const at = Date.now();
    return [...this.slots.values()].map((slot) => this.summary(slot, subscriptions.get(slot.entry.name) ?? 0, at));
  }

  /** Diagnostics: each cluster's runtime, holds and last probe. */
  report(now = Date.now()) {
    return {
      default: this.defaultName,
      inUse: this.inUse,
      ...this.options.limits,
      ...this.counts,
      clusters: [...this.slots.values()].map((slot) => ({
        name: slot.entry.name,
        server: slot.entry.server,
        running: slot.runtime !== null,
        holds: slot.holds,
        idleForMs: slot.runtime && slot.holds === 0 ? now - slot.lastUsedAt : null,
        lastProbe: slot.probe ? { at: new Date(slot.probe.at).toISOString(), reachable: slot.probe.reachable, reason: slot.probe.reason } : null,
      })),
    };
  }

  dispose(): void {
    clearInterval(this.sweeper);
    for (const slot of this.slots.values()) this.stop(slot);
  }

  /** In use: held now, or let go within the upstreams' idle grace (a snapshot poller between polls). */
  private used(slot: Slot, now: number): boolean {
    return slot.runtime !== null && (slot.holds > 0 || now - slot.lastUsedAt < this.options.config.upstreamIdleGraceMs);
  }

  private summary(slot: Slot, subscriptions: number, now: number): ClusterSummary {
    const inUse = this.used(slot, now);
    const base = { ...slot.entry, default: slot.entry.name === this.defaultName, inUse, subscriptions };
    const { probe } = slot;
    if (inUse) {
      const trouble = upstreamTrouble(slot.runtime!, now);
      if (trouble === null) return { ...base, health: 'healthy', reason: null };
      if (probe?.inTrouble && !probe.reachable) return { ...base, health: 'unreachable', reason: probe.reason };
      return { ...base, health: 'degraded', reason: trouble };
    }
    if (probe === null) return { ...base, health: 'unknown', reason: null };
    return probe.reachable ? { ...base, health: 'idle', reason: null } : { ...base, health: 'unreachable', reason: probe.reason };
  }

  /**
   * One `GET /version` with a short deadline. Any HTTP answer, even 401 or 403, is a server that
   * is there (its views say what else is wrong); only a transport failure or the deadline is
   * unreachable. A cluster without a runtime is probed by a client made for it and closed after,
   * so listing clusters starts none. Concurrent asks share one probe.
   */
  private probe(slot: Slot, inTrouble: boolean): Promise<void> {
    slot.probing ??= (async () => {
      let client: KubeClient | null = null;
      let outcome: { reachable: boolean; reason: string | null };
      try {
        client = slot.runtime?.client ?? this.probeClient(slot.entry.name);
        this.counts.probes++;
        await client.requestJson('GET', '/version', { maxBytes: 64 * 1024, signal: AbortSignal.timeout(probeDeadlineMs) });
        outcome = { reachable: true, reason: null };
      } catch (error) {
        const answered = error instanceof KubeApiError && error.status !== undefined && error.status > 0;
        outcome = answered ? { reachable: true, reason: null } : { reachable: false, reason: describe(error) };
      } finally {
        if (client && client !== slot.runtime?.client) client.close();
      }
      slot.probe = { at: Date.now(), ...outcome, inTrouble };
      slot.probing = null;
    })();
    return slot.probing;
  }

  private probeClient(name: string): KubeClient {
    const timeouts = { readMs: probeDeadlineMs, writeMs: probeDeadlineMs, watchStartMs: probeDeadlineMs };
    return new KubeClient(this.kubeconfigOf(name), { timeouts: () => timeouts, maxSockets: 1 });
  }

  private kubeconfigOf(name: string): KubeConfig {
    try {
      return loadKubeConfig(this.sourceOf(name));
    } catch (error) {
      throw new ClusterUnusableError(`cluster ${JSON.stringify(name)}: ${describe(error)}`);
    }
  }

  /**
   * Where a cluster's client reads (and re-reads) its kubeconfig: pinned to its context, except
   * the default when no `--context` named it, which follows the kubeconfig's current context as
   * a single-cluster backend always did (`kubectl config use-context` moves the dashboard too).
   */
  private sourceOf(name: string): KubeconfigSource {
    const { source } = this.options;
    if (source.inCluster || (name === this.defaultName && source.context === undefined)) return source;
    return { ...source, context: name };
  }

  private start(slot: Slot): ClusterRuntime {
    const { options } = this;
    const { config } = options;
    const source = this.sourceOf(slot.entry.name);
    const kc = this.kubeconfigOf(slot.entry.name);
    // The files whose change means new credentials: the kubeconfig, or the service account's token and CA.
    const files = source.inCluster ? [inClusterFiles(source.inCluster).token, inClusterFiles(source.inCluster).ca] : source.kubeconfigYaml === undefined ? [kubeconfigFilePath(source)] : [];
    const client = new KubeClient(kc, {
      timeouts: () => ({ readMs: config.apiReadTimeoutMs, writeMs: config.apiWriteTimeoutMs, watchStartMs: config.watchStartTimeoutMs }),
      maxSockets: upstreamSocketBudget(options.upstreamLimits) + apiSocketHeadroom,
      ...(files.length > 0 ? { reloadFrom: source } : {}),
    });
    // Discovery is asked as the runtime is made (warmUp) and runs from the first view that needs
    // it (a resource domain, api-resources, counts); from then on the CRDs are followed, so kinds
    // come and go without a restart.
    const discovery = new Discovery({ client, periodMs: discoveryPeriodMs, minRefreshMs: discoveryMinRefreshMs, onStart: () => upstreams.followDefinitions() });
    const upstreams = new Upstreams({
      client,
      config,
      generations: options.generations,
      discovery,
      limits: options.upstreamLimits,
      ...(options.watchTimeoutSeconds ? { watchTimeoutSeconds: options.watchTimeoutSeconds } : {}),
      ...(options.logRecheckMs ? { logRecheckMs: options.logRecheckMs } : {}),
    });
    const permissions = new Permissions({
      client,
      recheckMs: () => config.permissionsRecheckMs,
      contextNamespace: () => client.contextNamespace,
      ...(options.namespaces ? { namespaces: options.namespaces } : {}),
    });
    const metrics = new MetricsCache(client, () => config.metricsIntervalMs, undefined, permissions);
    const runtime: ClusterRuntime = { name: slot.entry.name, client, discovery, upstreams, permissions, metrics };
    slot.stopWatchingFiles = watchCredentialFiles(files, client);
    this.counts.started++;
    for (const listener of this.startListeners) listener(runtime);
    warmUp(runtime);
    return runtime;
  }

  /** At the bound, the least recently used runtime nobody holds goes; with none, the use is refused. */
  private makeRoom(slot: Slot): void {
    if (this.inUse < this.options.limits.maxInUse) return;
    const idle = [...this.slots.values()]
      .filter((s) => s.runtime && s.holds === 0 && s.entry.name !== this.defaultName)
      .sort((a, b) => a.lastUsedAt - b.lastUsedAt)[0];
    if (idle) {
      this.stop(idle);
      this.counts.disposedIdle++;
      return;
    }
    this.counts.refused++;
    throw new TooManyClustersError(`${this.options.limits.maxInUse} clusters are in use already; close the views of one before opening ${JSON.stringify(slot.entry.name)}`);
  }

  private disposeIdle(now: number): void {
    for (const slot of this.slots.values()) {
      if (!slot.runtime || slot.holds > 0 || slot.entry.name === this.defaultName) continue;
      if (now - slot.lastUsedAt < this.options.limits.idleMs) continue;
      this.stop(slot);
      this.counts.disposedIdle++;
    }
  }

  private stop(slot: Slot): void {
    const runtime = slot.runtime;
    if (!runtime) return;
    slot.runtime = null;
    slot.holds = 0;
    slot.stopWatchingFiles();
    slot.stopWatchingFiles = () => {};
    runtime.discovery.dispose();
    runtime.permissions.dispose();
    runtime.upstreams.dispose();
    runtime.client.close();
  }
}

/** Every context of the kubeconfig, as it names them; the one `in-cluster` in in-cluster mode. */
function entriesOf(kc: KubeConfig, defaultName: string, source: KubeconfigSource): ClusterEntry[] {
  const contexts = source.inCluster ? [{ name: defaultName, cluster: kc.getCurrentCluster()?.name ?? '', user: kc.getCurrentUser()?.name ?? '', namespace: kc.getContextObject(kc.getCurrentContext())?.namespace }] : kc.getContexts();
  return contexts.map((context) => ({
    name: context.name,
    clusterEntry: context.cluster,
    userEntry: context.user,
    server: (kc.getCluster(context.cluster)?.server ?? '').replace(/\/+$/, ''),
    namespace: context.namespace || null,
  }));
}

/**
 * What every first view of a cluster asks before it can list: discovery (which kinds, at which
 * versions) and who the user is (the header shows it). Asked as the runtime is made, at `serve`
 * for the default cluster and at a cluster's first use for the others, so the first view finds
 * them answered, or in flight, and a connection to the API server open, as a dashboard opened
 * before the first click should. Nothing is watched before a view: the CRDs are followed from
 * the first view on, as before. A failure is kept where each keeps it (discovery's `lastError`,
 * an unnamed user), and the first view asks again as it always did.
 */
function warmUp(runtime: ClusterRuntime): void {
  void runtime.discovery.prefetch();
  void runtime.permissions.whoami();
}

/** The first unhealthy upstream the runtime's views hold, as `key: reason`; null when all are healthy. */
function upstreamTrouble(runtime: ClusterRuntime, now: number): string | null {
  for (const upstream of runtime.upstreams.diagnostics(now)) {
    if (upstream.users === 0 || upstream.report.healthy) continue;
    return `${upstream.key}: ${upstream.report.reason ?? upstream.state}`;
  }
  return null;
}

/** Runs the tasks, at most `limit` at a time; resolves when all have settled. */
async function runAtMost(limit: number, tasks: readonly (() => Promise<void>)[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]!().catch(() => {});
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The kubeconfig file a source reads: its path, else KUBECONFIG's first entry, else ~/.kube/config. */
function kubeconfigFilePath(source: KubeconfigSource): string {
  if (source.kubeconfigPath !== undefined) return source.kubeconfigPath;
  const fromEnv = process.env.KUBECONFIG?.split(delimiter).find((p) => p.length > 0);
  return fromEnv ?? join(homedir(), '.kube', 'config');
}

/**
 * Re-reads the kubeconfig (or the service account's token and CA) when a file changes. Polled
 * (`watchFile`, which follows symlinks) rather than `fs.watch`, which loses the file when a tool
 * replaces it by renaming a new one over it, as kubectl and kind do, and as the kubelet does
 * when it swaps a projected volume's `..data` link to a new token. A burst of writes is read
 * once, after it settles.
 */
function watchCredentialFiles(paths: readonly string[], client: KubeClient): () => void {
  let settle: NodeJS.Timeout | undefined;
  const changed = () => {
    clearTimeout(settle);
    settle = setTimeout(() => client.reload(), kubeconfigSettleMs);
  };
  for (const path of paths) watchFile(path, { interval: kubeconfigPollMs, persistent: false }, changed);
  return () => {
    clearTimeout(settle);
    for (const path of paths) unwatchFile(path, changed);
  };
}

/**
 * API server connections beyond what the upstreams can hold: four snapshot reads, metrics polls,
 * object reads and cordons. These are short; past the headroom they wait their turn.
 */
const apiSocketHeadroom = 32;

/**
 * Discovery is asked again every five minutes regardless (aggregated APIs come and go without a
 * CRD; CRDs themselves are followed by a watch), and at most every five seconds when a client
 * names a kind it does not know: a typo in a loop costs one discovery per five seconds.
 */
const discoveryPeriodMs = 5 * 60_000;
const discoveryMinRefreshMs = 5_000;

/** Once a second is cheap (one stat) and quick enough for a cluster that was just recreated. */
const kubeconfigPollMs = 1000;
/** Writers often write a kubeconfig in several steps; read it when they have been quiet this long. */
const kubeconfigSettleMs = 200;

/** A health list is asked for at a page load or a picker opening; twice a minute per cluster is plenty. */
const probeEveryMs = 30_000;
/**
 * A cluster whose views are in trouble is probed at once (a probe from before the trouble says
 * nothing of it), then at most this often, so `degraded` and `unreachable` follow a server that
 * goes down or comes back while its views stay unhealthy.
 */
const troubleProbeEveryMs = 10_000;
/** A healthy API server answers /version in milliseconds; past two seconds it is as good as down for a dashboard. */
const probeDeadlineMs = 2_000;
/** Probes at once: a kubeconfig of fifty contexts is probed in waves, not fifty sockets at a time. */
const probeConcurrency = 4;
