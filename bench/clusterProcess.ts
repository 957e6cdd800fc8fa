/**
 * The demo cluster in a child process, for the benchmarks and the soak. The API server gets its
 * own event loop (and, on two cores, mostly its own core), so what we measure in the parent is
 * kubelive (backend + engine) or the baseline client, not the simulated API server competing
 * with them for one thread.
 *
 * The parent drives it over IPC (`cluster.ts` is the other side): churn at a rate it sets and
 * can pause (the simulation's own `--churn` is fixed at start), faults, and the cluster's state
 * as `uid@resourceVersion` sets read from `listVersions`, for object-by-object comparisons. Every
 * read of the cluster's objects here takes only the fields it needs, copying nothing: `pickPods`
 * cloned all 10,000 pods (about 350 ms of the cluster's loop, and their garbage collected in the
 * window that followed) just before each rate's timed window.
 *
 * Churn comes from one of two sources: the simulation's (controllers replacing pods, rolling
 * Deployments, writing Events: realistic, and at most a few thousand changes a second) or the
 * load source (`demo-cluster/load.ts`: one annotation write per change, for the rate rows, which
 * must outrun the consumers). Either way the rate actually made is counted here, on the cluster
 * process's own clock, with its CPU, so a parent that answers late cannot blur it.
 */
import { Agent, request as httpsRequest } from 'node:https';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { gcPauses, gcTimeline, wallNow } from './support.js';
import { waitingMicros } from './heldLoop.js';
import { startDemoCluster, type DemoCluster, type DemoClusterOptions, type FaultName } from '../demo-cluster/index.js';

export type ClusterRequest =
  | { op: 'start'; options: DemoClusterOptions }
  | { op: 'setChurn'; perSecond: number; source: ChurnSource }
  | { op: 'fault'; fault: FaultName; resource?: string; ms?: number }
  | { op: 'clearFaults' }
  | { op: 'versions'; resources: readonly string[]; namespace?: string }
  | { op: 'names'; resource: string }
  | { op: 'pickPods'; count: number }
  | { op: 'traceDeletes'; uids: readonly string[] }
  | { op: 'tracedDeletes' }
  | { op: 'fillConfigMaps'; count: number }
  | { op: 'stats' }
  | { op: 'stop' };

export interface PodRef {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/** `simulation`: the simulation's controllers' changes; `load`: cheap annotation writes (load.ts). */
export type ChurnSource = 'simulation' | 'load';

export interface ClusterStats {
  readonly churnOps: number;
  /**
   * The cluster's clock (`performance.now()`) for `churnOps`: the churn's last tick while it runs,
   * since a tick delayed by a busy loop makes up the time it missed, and a window read from
   * when these stats were taken would count that catch-up in a window that did not include it.
   */
  readonly atMs: number;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly openWatches: number;
  readonly cpuMicros: number;
  /** How long the event loop's thread was ready to run and waited for a core, in microseconds (Linux; null elsewhere). */
  readonly mainThreadWaitingMicros: number | null;
  /** The longest the cluster's event loop was held up since the previous stats, in ms: its own share of a slow change. */
  readonly loopDelayMaxMs: number;
  /** Its garbage collections since the previous stats: the longest pause and the sum, in ms. */
  readonly gcMaxMs: number;
  readonly gcTotalMs: number;
  /** Pod changes committed so far, from any source: the churn's, and what the probes' deletions set off (replacements, their scheduling and start). */
  readonly podChanges: number;
}

/**
 * When a traced pod's deletion was committed and when the watches wrote it (watch.ts sends the
 * lines a callback made together, in a microtask once it ends), as wall-clock ms
 * (`performance.timeOrigin + performance.now()`), which every process on the machine shares.
 */
export interface TracedDelete {
  readonly committedAt: number;
  readonly flushedAt: number;
  /** How much of commit → flush the cluster's garbage collector held, in ms. */
  readonly flushGcMs?: number;
  /** The cluster process's CPU over commit → flush, all its threads, in ms: far below the stage, it waited for a core rather than worked. */
  readonly flushCpuMs?: number;
  /** When the callback that committed it had run to its end (its microtasks): the rest of the flush stage is other callbacks' turn. */
  readonly callbackEndedAt?: number;
}

interface ObjectMeta {
  metadata: { uid: string; resourceVersion: string; name: string; namespace?: string; ownerReferences?: { kind: string }[] };
  status?: { phase?: string };
}

/** Churn driven from here at a settable rate, on a 10 ms tick, capped at one second's worth. */
class ChurnDriver {
  private timer: NodeJS.Timeout | undefined;
  private budget = 0;
  private last = 0;
  ops = 0;
  /** When the churn last ran (or now, when it is not running): what `ops` counts up to. */
  get countedAt(): number {
    return this.timer ? this.last : performance.now();
  }

  constructor(private readonly cluster: DemoCluster) {}

  set(perSecond: number, source: ChurnSource = 'simulation'): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.budget = 0;
    if (perSecond <= 0) return;
    this.last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      this.budget = Math.min(this.budget + ((now - this.last) * perSecond) / 1000, perSecond);
      this.last = now;
      const n = Math.floor(this.budget);
      if (n <= 0) return;
      this.budget -= n;
      if (source === 'load') this.ops += this.cluster.load(n);
      else {
        this.cluster.churn(n);
        this.ops += n;
      }
    }, 10);
  }
}

let cluster: DemoCluster | null = null;
/** Pods whose deletion is timed (the probes' victims), and the times once deleted. */
const tracing = new Set<string>();
const traced = new Map<string, TracedDelete>();
// 1 ms resolution: the delays that matter to a probe are tens of milliseconds.
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
const gc = gcPauses();
const gcTimes = gcTimeline();
let podChanges = 0;

/** POSTs a JSON body to the cluster's API; resolves with the status. */
function post(agent: Agent, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      new URL(path, cluster!.url),
      { method: 'POST', agent, headers: { authorization: `Bearer ${cluster!.token}`, 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
let churn: ChurnDriver | null = null;

/** `read` of each object of `resource`, where it lies in the store (see DemoCluster.readObjects). */
function readEach<T>(resource: string, read: (object: ObjectMeta) => T, namespace?: string): T[] {
  return cluster!.readObjects(resource, (object) => read(object as unknown as ObjectMeta), namespace);
}

async function handle(request: ClusterRequest): Promise<unknown> {
  switch (request.op) {
    case 'start': {
      cluster = await startDemoCluster({ ...request.options, churn: 0 });
      churn = new ChurnDriver(cluster);
      // Subscribed before any watch opens, so this hears a deletion before the watches relay it.
      cluster.onPodChange((type, uid) => {
        podChanges++;
        if (type !== 'DELETED' || !tracing.delete(uid)) return;
        const committedAt = wallNow();
        const cpuAtCommit = process.cpuUsage();
        let callbackEndedAt = committedAt;
        // Runs once the committing callback's synchronous part has returned, before any other
        // callback; the watches' flush is queued by then (their relay follows this listener), so
        // a microtask queued from here runs after it: when the deletion was written.
        queueMicrotask(() => {
          callbackEndedAt = wallNow();
          queueMicrotask(() => {
            const cpu = process.cpuUsage(cpuAtCommit);
            traced.set(uid, { committedAt, flushedAt: wallNow(), flushCpuMs: (cpu.user + cpu.system) / 1000, callbackEndedAt });
          });
        });
      });
      return { url: cluster.url, kubeconfigYaml: cluster.kubeconfigYaml, token: cluster.token, caPem: cluster.caPem };
    }
    case 'setChurn':
      churn!.set(request.perSecond, request.source);
      return null;
    case 'fault':
      cluster!.faults.set({ fault: request.fault, ...(request.resource ? { resource: request.resource } : {}), ...(request.ms !== undefined ? { ms: request.ms } : {}) });
      return null;
    case 'clearFaults':
      cluster!.faults.clear();
      return null;
    case 'versions': {
      const out: string[] = [];
      for (const resource of request.resources) for (const v of cluster!.listVersions(resource, request.namespace)) out.push(`${v.uid}@${v.resourceVersion}`);
      return out;
    }
    case 'names':
      return readEach(request.resource, (o) => o.metadata.name);
    case 'pickPods': {
      // Pods a ReplicaSet will replace, so deleting them keeps the cluster's size.
      const candidates = readEach('pods', (o) =>
        o.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet' && o.status?.phase === 'Running' ? { namespace: o.metadata.namespace ?? '', name: o.metadata.name, uid: o.metadata.uid } : null,
      ).filter((o): o is PodRef => o !== null);
      const picked: PodRef[] = [];
      for (let i = 0; i < request.count && candidates.length > 0; i++) {
        const [o] = candidates.splice(Math.floor(Math.random() * candidates.length), 1);
        picked.push(o!);
      }
      return picked;
    }
    case 'traceDeletes':
      for (const uid of request.uids) tracing.add(uid);
      return null;
    case 'tracedDeletes': {
      const out = Object.fromEntries([...traced].map(([uid, t]) => [uid, { ...t, flushGcMs: gcTimes.overlapMs(t.committedAt, t.flushedAt) }]));
      traced.clear();
      tracing.clear();
      return out;
    }
    case 'fillConfigMaps': {
      // ConfigMaps of an ordinary application's size (a few settings and a small file), spread
      // over the namespaces and created through the API as any client would, 16 at a time.
      const namespaces = readEach('namespaces', (o) => o.metadata.name);
      const agent = new Agent({ keepAlive: true, maxSockets: 16, ca: cluster!.caPem });
      let next = 0;
      const createOne = async (i: number) => {
        const namespace = namespaces[i % namespaces.length]!;
        const body = JSON.stringify({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `bench-settings-${i}`, namespace, labels: { app: `bench-${i % 50}` } },
          data: {
            LOG_LEVEL: i % 7 === 0 ? 'debug' : 'info',
            FEATURE_FLAGS: `checkout=${i % 2 === 0},search=${i % 3 === 0}`,
            'app.properties': `server.port=8080\nserver.threads=${16 + (i % 48)}\ncache.ttlSeconds=${30 * (1 + (i % 10))}\nupstream=http://svc-${i % 97}.${namespace}.svc:8080\n`,
          },
        });
        const status = await post(agent, `/api/v1/namespaces/${namespace}/configmaps`, body);
        if (status !== 201) throw new Error(`creating ConfigMap ${i}: HTTP ${status}`);
      };
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < request.count) await createOne(next++);
        }),
      );
      agent.destroy();
      return readEach('configmaps', () => 1).length;
    }
    case 'stats': {
      const cpu = process.cpuUsage();
      const delayMaxMs = loopDelay.max / 1e6;
      loopDelay.reset();
      const pauses = gc.take();
      return {
        churnOps: churn?.ops ?? 0,
        atMs: churn?.countedAt ?? performance.now(),
        rssBytes: process.memoryUsage().rss,
        heapUsedBytes: process.memoryUsage().heapUsed,
        openWatches: cluster?.openWatches() ?? 0,
        cpuMicros: cpu.user + cpu.system,
        mainThreadWaitingMicros: waitingMicros(),
        loopDelayMaxMs: delayMaxMs,
        gcMaxMs: pauses.maxMs,
        gcTotalMs: pauses.totalMs,
        podChanges,
      } satisfies ClusterStats;
    }
    case 'stop':
      churn?.set(0);
      await cluster?.stop();
      setImmediate(() => process.exit(0));
      return null;
  }
}

process.on('message', (message: { id: number; request: ClusterRequest }) => {
  handle(message.request).then(
    (result) => process.send!({ id: message.id, ok: true, result }),
    (error: unknown) => process.send!({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
});
// The parent going away must not leave an API server running.
process.on('disconnect', () => process.exit(0));
