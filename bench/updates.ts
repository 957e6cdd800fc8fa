/**
 * Rows 2 and 3: how much churn a consumer keeps up with, and how long a change takes to reach it.
 *
 * The cluster churns at a set rate (from the load source, demo-cluster/load.ts, which can outrun
 * both consumers; the simulation's controllers cannot) while the bench deletes one ReplicaSet pod every 50 ms
 * through the API (a probe) and times each DELETE until the consumer no longer holds that pod.
 * The consumer is either kubelive (API server → backend list-watch → WebSocket → engine store)
 * or, alone, client-node's Watch on all pods. The backend runs in a process of its own
 * (backendProcess.ts), the engine and the probes in the bench's, as in production. A consumer keeps up with a rate when every probe
 * arrived, the p99 stayed under a second and it never had to start over (a relist, a dropped
 * watch); past that, its backlog grows with time.
 *
 * Each probe is timed in every process it passes through (`ProbeStages`): the cluster notes
 * when it committed the deletion and wrote it to the watches, kubelive's backend when its cache
 * applied it, this process when the frame carrying it arrived and when the store dropped it; so
 * a slow probe says whose it was.
 */
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createEngine } from '../adapters/engine/engine.js';
import type { ConfigOverrides } from '../machines/config.js';
import { BackendChild, upstreamDelta, type BackendStats, type BackendTraced } from './backendProcess.js';
import type { ChildCluster, ChurnSource, TracedDelete } from './cluster.js';
import { apiRequest, clientNodeWatch, kubeConfigOf, warmApiAgent, type ApiAccess } from './clients.js';
import { percentile } from './report.js';
import { countingSockets, gcOverlapMs, gcPauses, gcTimeline, sleep, waitUntil, wallNow } from './support.js';
import { waitingMicros } from './heldLoop.js';

export interface RateResult {
  readonly targetPerSecond: number;
  /** Churn changes per second the cluster actually made, on its own clock. */
  readonly achievedPerSecond: number;
  /** The cluster process's CPU seconds per second meanwhile (1 = one core). */
  readonly clusterCpu: number;
  /**
   * How much of the window each process's event loop was ready to run and waited for a core
   * (a fraction of the window; null off Linux): on two shared cores, the part of a slow change
   * no consumer's code is in.
   */
  readonly waiting: { readonly cluster: number | null; readonly backend: number | null; readonly consumer: number | null };
  /** The backend process's CPU seconds per second meanwhile, all its threads (kubelive only; 1 = one core). */
  readonly backendCpu: number | null;
  /** The share of the window the backend's event loop was busy (kubelive only; 1 = never idle). */
  readonly backendLoopBusy: number | null;
  /** The backend's event-loop thread's CPU seconds per second (kubelive only, Linux). */
  readonly backendMainCpu: number | null;
  /** The backend's event loop delay over the window, p99 and max in ms (kubelive only). */
  readonly backendLoopP99Ms: number | null;
  readonly backendLoopMaxMs: number | null;
  /**
   * This process's event loop delay over the window, max in ms: the engine's (kubelive) or
   * client-node's loop, shared with the probes.
   */
  readonly consumerLoopMaxMs: number;
  /**
   * This process's CPU over the window, in cores: the engine's (kubelive) or client-node's, with
   * the probes' own requests. Beside the cluster's and the backend's, it says how much of two
   * cores each consumer leaves the cluster (docs/development.md, "Row 3 at 5,000/s").
   */
  readonly consumerCpu: number;
  /** Pod watch events per second the consumer received (client-node only). */
  readonly eventsPerSecond: number | null;
  /** The cluster's event loop delay over the window, max in ms: a slow change the cluster held is the cluster's, and both consumers pay it. */
  readonly clusterLoopMaxMs: number;
  /** The longest garbage-collection pause over the window, in ms, of the cluster, the backend (kubelive only) and this process (the engine's or client-node's). */
  readonly clusterGcMaxMs: number;
  readonly backendGcMaxMs: number | null;
  readonly consumerGcMaxMs: number;
  /** Pod changes the cluster made over the window besides the churn, per probe sent: what a probe costs the consumers beyond its own deletion. */
  readonly changesPerProbe: number;
  readonly probes: number;
  /** Probes sent whose deletion the cluster had not committed by the end of the drain: not counted as probes (nor as lost). */
  readonly uncommitted: number;
  /** Probes whose deletion the cluster committed and the consumer had not seen by the end of the drain. */
  readonly lost: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** The slowest probe that arrived (ms); p99 is the slowest but one in a hundred. */
  readonly maxMs: number;
  /**
   * The same latencies from the cluster's commit of the deletion rather than from the DELETE
   * sent: without the request's way in (the bench's HTTPS client, the cluster's request
   * queue), which is the deleter's path, not the change's way to the consumer. Over the probes
   * whose commit was traced; Infinity when any was lost.
   */
  readonly p50FromCommitMs: number;
  readonly p99FromCommitMs: number;
  /** Probes whose DELETE opened a new connection (a TLS handshake) instead of reusing one. */
  readonly newConnections: number;
  /** The five slowest probes that arrived, each taken apart by stage (`ProbeStages`), slowest first. */
  readonly slowest: readonly ProbeStages[];
  /** The median of each stage over every probe that arrived, for comparison with the slowest. */
  readonly medianStages: ProbeStages | null;
  /** Each stage's own p99 over every probe that arrived: which stages have a tail of their own. */
  readonly p99Stages: ProbeStages | null;
  /** The pods upstream's relists, stalls and proof lapses over the window and its drain (kubelive only). */
  readonly upstream: BackendStats['podsUpstream'];
  /** Why client-node's watch ended during the window, or null (client-node only; kubelive's upstream watches again). */
  readonly watchEnded: string | null;
  readonly keptUp: boolean;
}

/**
 * One probe's latency taken apart, in ms, each stage from the end of the one before; null where
 * a stage was not seen (the consumer has no such stage, or the probe was not traced there):
 * DELETE sent → the cluster committed it (the request's way in, and the cluster's loop) → the
 * cluster wrote it to every watch → kubelive's backend applied it to its cache
 * (the upstream socket, the parse; for client-node, its watch callback: `received`) → the
 * engine's process began on the frame that carries it (the update batch window, serialising,
 * the WebSocket) → the engine applied it (its parse and store).
 */
export interface ProbeStages {
  readonly totalMs: number;
  /** DELETE sent → the bench had its answer (the bench's loop reads it as it reads frames). */
  readonly answeredMs: number | null;
  readonly committedMs: number | null;
  readonly flushedMs: number | null;
  readonly backendMs: number | null;
  readonly frameMs: number | null;
  /** The part of `frameMs` before the backend sent the frame: the update batch window, and a batch timer that fired late. */
  readonly batchMs: number | null;
  readonly engineMs: number | null;
  /**
   * Garbage collection inside the probe's stages, ms held: the cluster's in its flush, the
   * backend's from the cluster's write to the frame's send (its backend and batch stages), this
   * process's (the engine's or client-node's) from then to the probe's end.
   */
  readonly gcMs: { readonly cluster: number | null; readonly backend: number | null; readonly consumer: number | null };
  /** The cluster's CPU (all threads) in its flush stage, ms: a flush far longer than this waited for a core. */
  readonly flushCpuMs: number | null;
  /**
   * The part of the flush stage spent in the callback that committed the deletion. Before the
   * demo's watches wrote at the callback's end, the rest was the turn's other callbacks.
   */
  readonly flushOwnMs: number | null;
  /** client-node: the cluster's write → its watch callback. */
  readonly receivedMs: number | null;
  /** The DELETE opened a new connection (a TLS handshake) rather than reuse one. */
  readonly newConnection: boolean;
}

/** `394 ms = commit 290 + flush 1 + backend 3 + frame 22 + engine 2 (answered 295)`, for the log and the report. */
export function formatStages(p: ProbeStages): string {
  const n = (x: number | null) => (x === null ? '?' : x.toFixed(0));
  const parts = [`commit ${n(p.committedMs)}`, `flush ${n(p.flushedMs)} (own ${n(p.flushOwnMs)}, CPU ${n(p.flushCpuMs)})`];
  if (p.receivedMs !== null) parts.push(`received ${n(p.receivedMs)}`);
  else parts.push(`backend ${n(p.backendMs)}`, `frame ${n(p.frameMs)} (batch ${n(p.batchMs)})`, `engine ${n(p.engineMs)}`);
  const gc = [`cluster ${n(p.gcMs.cluster)}`, ...(p.gcMs.backend === null ? [] : [`backend ${n(p.gcMs.backend)}`]), `consumer ${n(p.gcMs.consumer)}`];
  return `${p.totalMs.toFixed(0)} ms = ${parts.join(' + ')} (answered ${n(p.answeredMs)}${p.newConnection ? ', new connection' : ''}; GC ${gc.join(', ')})`;
}

interface Consumer {
  /** Resolves a pending probe when the consumer no longer holds the pod, with when its frame arrived (kubelive; null for client-node). */
  watchFor(uid: string, resolve: (frameAt: number | null) => void): void;
  /** Times these pods' deletions inside the consumer (kubelive's backend cache); `traced` reads them. */
  trace(uids: readonly string[]): Promise<void>;
  /** When each traced deletion was applied and sent on inside the consumer (kubelive's backend), with its GC pauses. */
  traced(): Promise<BackendTraced>;
  /** Why its watch ended, or null (client-node only). */
  watchEnded(): string | null;
  events(): number | null;
  /** The states it passed through since started (kubelive: the view's, with reasons); '' when none are known. */
  states(): string;
  /** Its backend process's stats (backendProcess.ts); null without one. */
  backendStats(): Promise<BackendStats | null>;
  stop(): Promise<void>;
}

const keepUpP99Ms = 1000;

/** How the probes are made: one DELETE every `everyMs` for `seconds`. */
export interface Probing {
  readonly everyMs: number;
  readonly seconds: number;
}

interface ProbeTimes {
  readonly uid: string;
  readonly sentAt: number;
  answeredAt: number | null;
  newConnection: boolean;
  frameAt: number | null;
  arrivedAt: number | null;
}

function stagesOf(p: ProbeTimes, atCluster: TracedDelete | undefined, inBackend: BackendTraced, consumerGc: (from: number, to: number) => number, isKubelive: boolean): ProbeStages {
  const d = (from: number | null | undefined, to: number | null | undefined) => (from == null || to == null ? null : to - from);
  const flushedAt = atCluster?.flushedAt;
  const trace = inBackend.deletes[p.uid];
  const inConsumer = trace?.appliedAt;
  const handedOn = isKubelive ? trace?.sentAt : flushedAt;
  return {
    totalMs: p.arrivedAt! - p.sentAt,
    answeredMs: d(p.sentAt, p.answeredAt),
    committedMs: d(p.sentAt, atCluster?.committedAt),
    flushedMs: d(atCluster?.committedAt, flushedAt),
    backendMs: isKubelive ? d(flushedAt, inConsumer) : null,
    frameMs: isKubelive ? d(inConsumer, p.frameAt) : null,
    batchMs: isKubelive ? d(inConsumer, trace?.sentAt) : null,
    flushCpuMs: atCluster?.flushCpuMs ?? null,
    flushOwnMs: d(atCluster?.committedAt, atCluster?.callbackEndedAt),
    gcMs: {
      cluster: atCluster?.flushGcMs ?? null,
      backend: isKubelive && flushedAt != null && trace?.sentAt != null ? gcOverlapMs(inBackend.gc, flushedAt, trace.sentAt) : null,
      consumer: handedOn == null || p.arrivedAt === null ? null : consumerGc(handedOn, p.arrivedAt),
    },
    engineMs: isKubelive ? d(p.frameAt, p.arrivedAt) : null,
    receivedMs: isKubelive ? null : d(flushedAt, p.arrivedAt),
    newConnection: p.newConnection,
  };
}

/** Each stage's own percentile over every probe (so the parts need not add up to `totalMs`'s). */
/** Microseconds waited over a window of `seconds`, as a fraction of it (null when either end is unknown). */
function share(beforeMicros: number | null, afterMicros: number | null, seconds: number): number | null {
  return beforeMicros === null || afterMicros === null || seconds <= 0 ? null : (afterMicros - beforeMicros) / 1e6 / seconds;
}

function stagesAt(all: readonly ProbeStages[], q: number): ProbeStages | null {
  if (all.length === 0) return null;
  const m = (pick: (s: ProbeStages) => number | null) => {
    const values = all.map(pick).filter((x): x is number => x !== null);
    return values.length === 0 ? null : percentile(values, q);
  };
  return {
    totalMs: m((s) => s.totalMs)!,
    answeredMs: m((s) => s.answeredMs),
    committedMs: m((s) => s.committedMs),
    flushedMs: m((s) => s.flushedMs),
    backendMs: m((s) => s.backendMs),
    frameMs: m((s) => s.frameMs),
    batchMs: m((s) => s.batchMs),
    flushCpuMs: m((s) => s.flushCpuMs),
    flushOwnMs: m((s) => s.flushOwnMs),
    gcMs: { cluster: m((s) => s.gcMs.cluster), backend: m((s) => s.gcMs.backend), consumer: m((s) => s.gcMs.consumer) },
    engineMs: m((s) => s.engineMs),
    receivedMs: m((s) => s.receivedMs),
    newConnection: false,
  };
}

async function runRate(cluster: ChildCluster, api: ApiAccess, consumer: Consumer, perSecond: number, probing: Probing, source: ChurnSource, isKubelive: boolean): Promise<RateResult> {
  const { everyMs: probeEveryMs, seconds } = probing;
  // Enough connections for a second of probes in flight, opened before the churn starts.
  const agent = await warmApiAgent(api, Math.ceil(1000 / probing.everyMs));
  // Picked before the churn starts: a busy cluster process answers IPC late.
  const victims = await cluster.pickPods(Math.ceil((seconds * 1000) / probeEveryMs));
  const victimUids = victims.map((v) => v.uid);
  await cluster.traceDeletes(victimUids);
  await consumer.trace(victimUids);
  await cluster.setChurn(perSecond, source);
  await sleep(1000); // let the backlog, if any, form
  const before = await cluster.stats();
  const eventsBefore = consumer.events();
  const backendBefore = await consumer.backendStats();
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const gc = gcPauses();
  gc.take();
  const gcTimes = gcTimeline();
  const cpuBefore = process.cpuUsage();
  const consumerWaitBefore = waitingMicros();
  const started = performance.now();
  const sent: ProbeTimes[] = [];
  const arrivals: ProbeTimes[] = [];
  const skipped = new Set<ProbeTimes>();
  const pending = new Set<Promise<void>>();
  let probes = 0;
  for (const victim of victims) {
    if (performance.now() - started >= seconds * 1000) break;
    probes++;
    const probe: ProbeTimes = { uid: victim.uid, sentAt: wallNow(), answeredAt: null, newConnection: false, frameAt: null, arrivedAt: null };
    sent.push(probe);
    const arrived = new Promise<boolean>((resolve) =>
      consumer.watchFor(victim.uid, (frameAt) => {
        probe.arrivedAt = wallNow();
        probe.frameAt = frameAt;
        resolve(true);
      }),
    );
    // Churn may have replaced the pod first: a DELETE that finds nothing is no probe.
    const deleted = apiRequest(api, agent, 'DELETE', `/api/v1/namespaces/${victim.namespace}/pods/${victim.name}?gracePeriodSeconds=0`).then(
      (r) => {
        probe.answeredAt = wallNow();
        probe.newConnection = !r.reusedSocket;
        return r.status === 200;
      },
      () => false,
    );
    pending.add(
      Promise.race([arrived, deleted.then((ok) => (ok ? arrived : false))]).then((ok) => {
        if (!ok) return void skipped.add(probe);
        arrivals.push(probe);
      }),
    );
    // On a schedule from the start, not a fixed sleep after each: a late timer would otherwise
    // add up, and a window meant for 300 probes made 280.
    await sleep(Math.max(0, started + probes * probeEveryMs - performance.now()));
  }
  const elapsed = (performance.now() - started) / 1000;
  const consumerCpuUsed = process.cpuUsage(cpuBefore);
  const consumerWaitAfter = waitingMicros();
  const after = await cluster.stats();
  const eventsAfter = consumer.events();
  const backendAfter = await consumer.backendStats();
  loopDelay.disable();
  const consumerGc = gc.take();
  gc.stop();
  await Promise.race([Promise.all(pending), sleep(5000)]);
  // Counted once, here: a probe still unanswered now is lost, whatever arrives later.
  const drainedAt = wallNow();
  const arrived = [...arrivals];
  const unanswered = sent.filter((p) => p.arrivedAt === null && !skipped.has(p));
  const skippedCount = skipped.size;
  // After the drain: a relist that came while the backlog drained counts for this rate.
  const backendDrained = await consumer.backendStats();
  await cluster.setChurn(0);
  agent.destroy();
  const atCluster = await cluster.tracedDeletes();
  const inConsumer = await consumer.traced();
  gcTimes.stop();
  const stages = arrived.map((p) => stagesOf(p, atCluster[p.uid], inConsumer, gcTimes.overlapMs, isKubelive)).sort((a, b) => b.totalMs - a.totalMs);
  const arrivedMs = stages.map((s) => s.totalMs);
  // KUBELIVE_BENCH_PROBES_OUT=dir keeps every probe's stages, one file a window, for reading the tail closer.
  const probesOut = process.env.KUBELIVE_BENCH_PROBES_OUT;
  if (probesOut) writeFileSync(`${probesOut}/${isKubelive ? 'kubelive' : 'clientNode'}-${perSecond}-${Date.now()}.json`, JSON.stringify(stages));
  // A deletion the cluster had not committed by then was never a change the consumer could
  // have had (its DELETE waited on the cluster, or on a new connection's handshake): no probe,
  // as one whose pod was already gone is none. Lost is what was committed and not seen.
  const lost = unanswered.filter((p) => (atCluster[p.uid]?.committedAt ?? Number.POSITIVE_INFINITY) <= drainedAt).length;
  const uncommitted = unanswered.length - lost;
  const counted = probes - skippedCount - uncommitted;
  const p99 = lost > 0 ? Number.POSITIVE_INFINITY : percentile(arrivedMs, 99);
  const upstream = upstreamDelta(backendBefore, backendDrained);
  const watchEnded = consumer.watchEnded();
  const fromCommit = stages.filter((s) => s.committedMs !== null).map((s) => s.totalMs - s.committedMs!);
  await sleep(1500); // the controllers settle before the next rate
  return {
    targetPerSecond: perSecond,
    achievedPerSecond: (after.churnOps - before.churnOps) / ((after.atMs - before.atMs) / 1000),
    clusterCpu: (after.cpuMicros - before.cpuMicros) / 1e6 / ((after.atMs - before.atMs) / 1000),
    waiting: {
      cluster: share(before.mainThreadWaitingMicros, after.mainThreadWaitingMicros, (after.atMs - before.atMs) / 1000),
      backend: share(backendBefore?.mainThreadWaitingMicros ?? null, backendAfter?.mainThreadWaitingMicros ?? null, elapsed),
      consumer: share(consumerWaitBefore, consumerWaitAfter, elapsed),
    },
    backendCpu: backendBefore && backendAfter ? (backendAfter.cpuMicros - backendBefore.cpuMicros) / 1e6 / elapsed : null,
    backendLoopBusy: backendBefore && backendAfter ? (backendAfter.loopBusyMs - backendBefore.loopBusyMs) / 1000 / elapsed : null,
    backendMainCpu: backendBefore?.mainThreadCpuMicros != null && backendAfter?.mainThreadCpuMicros != null ? (backendAfter.mainThreadCpuMicros - backendBefore.mainThreadCpuMicros) / 1e6 / elapsed : null,
    backendLoopP99Ms: backendAfter?.loopDelayP99Ms ?? null,
    backendLoopMaxMs: backendAfter?.loopDelayMaxMs ?? null,
    consumerLoopMaxMs: loopDelay.max / 1e6,
    consumerCpu: (consumerCpuUsed.user + consumerCpuUsed.system) / 1e6 / elapsed,
    clusterLoopMaxMs: after.loopDelayMaxMs,
    clusterGcMaxMs: after.gcMaxMs,
    backendGcMaxMs: backendAfter?.gcMaxMs ?? null,
    consumerGcMaxMs: consumerGc.maxMs,
    changesPerProbe: (after.podChanges - before.podChanges - (after.churnOps - before.churnOps)) / probes,
    eventsPerSecond: eventsBefore === null || eventsAfter === null ? null : (eventsAfter - eventsBefore) / elapsed,
    probes: counted,
    uncommitted,
    lost,
    p50Ms: percentile(arrivedMs, 50),
    p99Ms: p99,
    maxMs: arrivedMs.length === 0 ? Number.NaN : arrivedMs[0]!,
    p50FromCommitMs: percentile(fromCommit, 50),
    p99FromCommitMs: lost > 0 ? Number.POSITIVE_INFINITY : percentile(fromCommit, 99),
    newConnections: arrived.filter((p) => p.newConnection).length,
    slowest: stages.slice(0, 5),
    medianStages: stagesAt(stages, 50),
    p99Stages: stagesAt(stages, 99),
    upstream,
    watchEnded,
    // A consumer that had to start over (kubelive's upstream relisted; client-node's watch was
    // dropped, which it never recovers from) fell too far behind to follow change by change.
    keptUp: lost === 0 && p99 <= keepUpP99Ms && (upstream?.lists ?? 0) === 0 && watchEnded === null,
  };
}

async function kubeliveConsumer(api: ApiAccess, config: ConfigOverrides, pods: number): Promise<Consumer> {
  // Its own process, as in production: the engine's work and the backend's never share a loop.
  const backend = await BackendChild.start(api.kubeconfigYaml, config);
  const sockets = countingSockets();
  const engine = createEngine({ server: backend.url, config, socket: sockets.factory });
  engine.subscribe('pods', '');
  await waitUntil(() => engine.diagnostics().rows[0]?.state === 'streamingHealthy' && (engine.store.collection('pods:')?.rows.size ?? 0) >= pods * 0.9, 120_000, 50);
  const waiting = new Map<string, (frameAt: number | null) => void>();
  // A view that left streaming (a lapse, a reset, a fallback) explains a rate's latency: kept in order.
  const states: string[] = [];
  const noteState = () => {
    const row = engine.diagnostics().rows[0];
    // The upstream's errors and relists too: a watch the cluster dropped shows there, not in the view's state.
    const upstream = row?.upstream;
    // The upstream's own reason (`proving`: its proof went stale before a probe renewed it) and
    // the proof's age in whole seconds tell a slow proof from a stalled watch.
    // (The age only while the view is not healthy: otherwise the trail would change every second.)
    const age = row?.state === 'streamingHealthy' ? null : upstream?.proofAgeMs;
    const proof = age === null || age === undefined ? '' : `, proof ${Math.floor(age / 1000)} s old`;
    const state = `${row?.state ?? 'none'}${row?.reason ? ` (${row.reason})` : ''}${upstream ? ` [upstream ${upstream.state}${upstream.reason ? ` (${upstream.reason})` : ''}, errors ${upstream.errors ?? 0}, relists ${upstream.relists ?? 0}${proof}]` : ''}`;
    if (states.at(-1) !== state) states.push(state);
  };
  const stateTimer = setInterval(noteState, 20);
  // The store notifies once per tick after frames land: check the pending probes then.
  const unsubscribe = engine.store.subscribe(() => {
    const rows = engine.store.collection('pods:')?.rows;
    for (const [uid, resolve] of waiting) {
      if (!rows?.has(uid)) {
        waiting.delete(uid);
        resolve(sockets.framesArrivedAt);
      }
    }
  });
  return {
    watchFor: (uid, resolve) => waiting.set(uid, resolve),
    trace: async (uids) => void (await backend.traceDeletes(uids)),
    traced: () => backend.tracedDeletes(),
    watchEnded: () => null,
    events: () => null,
    backendStats: () => backend.stats(),
    states: () => states.join(' → '),
    async stop() {
      unsubscribe();
      clearInterval(stateTimer);
      engine.stop();
      await backend.stop();
    },
  };
}

async function clientNodeConsumer(api: ApiAccess): Promise<Consumer> {
  const watch = await clientNodeWatch(kubeConfigOf(api));
  const waiting = new Map<string, (frameAt: number | null) => void>();
  watch.onChange = (type, uid) => {
    if (type !== 'DELETED') return;
    const resolve = waiting.get(uid);
    if (resolve) {
      waiting.delete(uid);
      resolve(null);
    }
  };
  return {
    watchFor: (uid, resolve) => waiting.set(uid, resolve),
    trace: async () => undefined,
    traced: async () => ({ deletes: {}, gc: [] }),
    watchEnded: () => watch.ended,
    events: () => watch.events,
    backendStats: async () => null,
    states: () => '',
    async stop() {
      watch.stop();
    },
  };
}

export interface UpdateRuns {
  readonly kubelive: RateResult[];
  readonly clientNode: RateResult[];
}

/**
 * Both consumers on the same cluster over the same ladder of rates. Each rate is run by each
 * consumer alone, freshly started, one after the other (the order alternates), so both see the
 * cluster in the same shape after the rates before.
 */
export async function updateRuns(cluster: ChildCluster, api: ApiAccess, config: ConfigOverrides, pods: number, rates: readonly number[], probing: Probing, source: ChurnSource = 'load'): Promise<UpdateRuns> {
  const runs: UpdateRuns = { kubelive: [], clientNode: [] };
  const starters = { clientNode: () => clientNodeConsumer(api), kubelive: () => kubeliveConsumer(api, config, pods) };
  for (const [i, rate] of rates.entries()) {
    const order = i % 2 === 0 ? (['clientNode', 'kubelive'] as const) : (['kubelive', 'clientNode'] as const);
    for (const name of order) {
      const consumer = await starters[name]();
      const result = await runRate(cluster, api, consumer, rate, probing, source, name === 'kubelive');
      console.error(`bench:   ${name} at ${rate}/s: achieved ${Math.round(result.achievedPerSecond)}/s, p50 ${result.p50Ms.toFixed(0)} ms, p99 ${result.p99Ms.toFixed(0)} ms, max ${result.maxMs.toFixed(0)} ms, from the commit p50 ${result.p50FromCommitMs.toFixed(0)} p99 ${result.p99FromCommitMs.toFixed(0)} ms, lost ${result.lost}/${result.probes}${result.uncommitted > 0 ? ` (${result.uncommitted} more never committed)` : ''}, ${result.newConnections} on new connections, cluster CPU ${(result.clusterCpu * 100).toFixed(0)} %, loop delay max ${result.clusterLoopMaxMs.toFixed(0)} ms, GC pause max cluster ${result.clusterGcMaxMs.toFixed(0)}${result.backendGcMaxMs === null ? '' : ` backend ${result.backendGcMaxMs.toFixed(0)}`} consumer ${result.consumerGcMaxMs.toFixed(0)} ms, ${result.changesPerProbe.toFixed(1)} other pod changes a probe${result.upstream ? `, upstream lists +${result.upstream.lists} stalls +${result.upstream.stalls} proof failures +${result.upstream.proofFailures} lapses +${result.upstream.lapses}` : ''}${result.watchEnded ? `, watch ended: ${result.watchEnded}` : ''}${result.backendCpu === null ? '' : `, backend CPU ${(result.backendCpu * 100).toFixed(0)} % (loop thread ${((result.backendMainCpu ?? 0) * 100).toFixed(0)} %), loop busy ${((result.backendLoopBusy ?? 0) * 100).toFixed(0)} %, loop delay p99 ${result.backendLoopP99Ms?.toFixed(0)} ms max ${result.backendLoopMaxMs?.toFixed(0)} ms`}, consumer CPU ${(result.consumerCpu * 100).toFixed(0)} %, consumer loop delay max ${result.consumerLoopMaxMs.toFixed(0)} ms${waitingText(result.waiting)}${consumer.states() ? `; ${consumer.states()}` : ''}`);
      if (result.medianStages) console.error(`bench:     median ${formatStages(result.medianStages)}`);
      if (result.p99Stages) console.error(`bench:     p99 of each stage ${formatStages(result.p99Stages)}`);
      for (const p of result.slowest) console.error(`bench:     slow   ${formatStages(p)}`);
      runs[name].push(result);
      await consumer.stop();
    }
  }
  return runs;
}

/** The highest rate kept up with, as churn changes/s actually made (0 when none was). */
/** Each loop's wait for a core over the window, as "waiting for a core: cluster 12 %, ...". */
export function waitingText(waiting: RateResult['waiting']): string {
  const parts = (['cluster', 'backend', 'consumer'] as const).filter((k) => waiting[k] !== null).map((k) => `${k} ${(waiting[k]! * 100).toFixed(0)} %`);
  return parts.length === 0 ? '' : `, loops waiting for a core: ${parts.join(', ')}`;
}

export function sustained(results: readonly RateResult[]): RateResult | null {
  const kept = results.filter((r) => r.keptUp);
  return kept.length === 0 ? null : kept.reduce((a, b) => (b.achievedPerSecond > a.achievedPerSecond ? b : a));
}
