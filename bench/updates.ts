/**
 * Rows 2 and 3: how much churn a consumer keeps up with, and how long a change takes to reach it.
 *
 * The cluster churns at a set rate (from the load source, demo-cluster/load.ts, which can outrun
 * both consumers; the simulation's controllers cannot) while the bench deletes one ReplicaSet pod every 50 ms
 * through the API (a probe) and times each DELETE until the consumer no longer holds that pod.
 * The consumer is either kubelive (API server → backend list-watch → WebSocket → engine store)
 * or, alone, client-node's Watch on all pods. The backend runs in a process of its own
 * (backendProcess.ts), the engine and the probes in the bench's, as in production. A consumer keeps up with a rate when every probe
 * arrived and the p99 stayed under a second; past that, its backlog grows with time.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createEngine } from '../adapters/engine/engine.js';
import type { ConfigOverrides } from '../machines/config.js';
import { BackendChild, type BackendStats } from './backendProcess.js';
import type { ChildCluster, ChurnSource } from './cluster.js';
import { apiAgent, apiRequest, clientNodeWatch, kubeConfigOf, type ApiAccess } from './clients.js';
import { percentile } from './report.js';
import { countingSockets, sleep, waitUntil } from './support.js';

export interface RateResult {
  readonly targetPerSecond: number;
  /** Churn changes per second the cluster actually made, on its own clock. */
  readonly achievedPerSecond: number;
  /** The cluster process's CPU seconds per second meanwhile (1 = one core). */
  readonly clusterCpu: number;
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
  /** Pod watch events per second the consumer received (client-node only). */
  readonly eventsPerSecond: number | null;
  readonly probes: number;
  readonly lost: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /**
   * The slowest probe that arrived, taken apart: when the cluster answered its DELETE (the
   * cluster's own share, which both consumers pay) and when the consumer saw it, ms after t0.
   */
  readonly slowest: { readonly deleteAnsweredMs: number | null; readonly arrivedMs: number } | null;
  readonly keptUp: boolean;
}

interface Consumer {
  /** Resolves a pending probe when the consumer no longer holds the pod. */
  watchFor(uid: string, resolve: () => void): void;
  events(): number | null;
  /** The states it passed through since started (kubelive: the view's, with reasons); '' when none are known. */
  states(): string;
  /** Its backend process's stats (backendProcess.ts); null without one. */
  backendStats(): Promise<BackendStats | null>;
  stop(): Promise<void>;
}

const keepUpP99Ms = 1000;
const probeEveryMs = 50;

async function runRate(cluster: ChildCluster, api: ApiAccess, consumer: Consumer, perSecond: number, seconds: number, source: ChurnSource): Promise<RateResult> {
  const agent = apiAgent(api);
  // Picked before the churn starts: a busy cluster process answers IPC late.
  const victims = await cluster.pickPods(Math.ceil((seconds * 1000) / probeEveryMs));
  await cluster.setChurn(perSecond, source);
  await sleep(1000); // let the backlog, if any, form
  const before = await cluster.stats();
  const eventsBefore = consumer.events();
  const backendBefore = await consumer.backendStats();
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const started = performance.now();
  const latencies: number[] = [];
  const pending = new Set<Promise<void>>();
  let probes = 0;
  let skipped = 0;
  let slowest: RateResult['slowest'] = null;
  for (const victim of victims) {
    if (performance.now() - started > seconds * 1000) break;
    probes++;
    const t0 = performance.now();
    let deleteAnsweredMs: number | null = null;
    const arrived = new Promise<boolean>((resolve) => consumer.watchFor(victim.uid, () => resolve(true)));
    // Churn may have replaced the pod first: a DELETE that finds nothing is no probe.
    const deleted = apiRequest(api, agent, 'DELETE', `/api/v1/namespaces/${victim.namespace}/pods/${victim.name}?gracePeriodSeconds=0`).then(
      (r) => {
        deleteAnsweredMs = performance.now() - t0;
        return r.status === 200;
      },
      () => false,
    );
    pending.add(
      Promise.race([arrived, deleted.then((ok) => (ok ? arrived : false))]).then((ok) => {
        if (!ok) return void skipped++;
        const arrivedMs = performance.now() - t0;
        latencies.push(arrivedMs);
        if (slowest === null || arrivedMs > slowest.arrivedMs) slowest = { deleteAnsweredMs, arrivedMs };
      }),
    );
    await sleep(probeEveryMs);
  }
  const elapsed = (performance.now() - started) / 1000;
  const after = await cluster.stats();
  const eventsAfter = consumer.events();
  const backendAfter = await consumer.backendStats();
  loopDelay.disable();
  await Promise.race([Promise.all(pending), sleep(5000)]);
  await cluster.setChurn(0);
  agent.destroy();
  // Counted once, here: a probe still unanswered now is lost, whatever arrives later.
  const arrivedMs = [...latencies];
  const counted = probes - skipped;
  const lost = counted - arrivedMs.length;
  const p99 = lost > 0 ? Number.POSITIVE_INFINITY : percentile(arrivedMs, 99);
  await sleep(1500); // the controllers settle before the next rate
  return {
    targetPerSecond: perSecond,
    achievedPerSecond: (after.churnOps - before.churnOps) / ((after.atMs - before.atMs) / 1000),
    clusterCpu: (after.cpuMicros - before.cpuMicros) / 1e6 / ((after.atMs - before.atMs) / 1000),
    backendCpu: backendBefore && backendAfter ? (backendAfter.cpuMicros - backendBefore.cpuMicros) / 1e6 / elapsed : null,
    backendLoopBusy: backendBefore && backendAfter ? (backendAfter.loopBusyMs - backendBefore.loopBusyMs) / 1000 / elapsed : null,
    backendMainCpu: backendBefore?.mainThreadCpuMicros != null && backendAfter?.mainThreadCpuMicros != null ? (backendAfter.mainThreadCpuMicros - backendBefore.mainThreadCpuMicros) / 1e6 / elapsed : null,
    backendLoopP99Ms: backendAfter?.loopDelayP99Ms ?? null,
    backendLoopMaxMs: backendAfter?.loopDelayMaxMs ?? null,
    consumerLoopMaxMs: loopDelay.max / 1e6,
    eventsPerSecond: eventsBefore === null || eventsAfter === null ? null : (eventsAfter - eventsBefore) / elapsed,
    probes: counted,
    lost,
    p50Ms: percentile(arrivedMs, 50),
    p99Ms: p99,
    slowest,
    keptUp: lost === 0 && p99 <= keepUpP99Ms,
  };
}

async function kubeliveConsumer(api: ApiAccess, config: ConfigOverrides, pods: number): Promise<Consumer> {
  // Its own process, as in production: the engine's work and the backend's never share a loop.
  const backend = await BackendChild.start(api.kubeconfigYaml, config);
  const engine = createEngine({ server: backend.url, config, socket: countingSockets().factory });
  engine.subscribe('pods', '');
  await waitUntil(() => engine.diagnostics().rows[0]?.state === 'streamingHealthy' && (engine.store.collection('pods:')?.rows.size ?? 0) >= pods * 0.9, 120_000, 50);
  const waiting = new Map<string, () => void>();
  // A view that left streaming (a lapse, a reset, a fallback) explains a rate's latency: kept in order.
  const states: string[] = [];
  const noteState = () => {
    const row = engine.diagnostics().rows[0];
    // The upstream's errors and relists too: a watch the cluster dropped shows there, not in the view's state.
    const upstream = row?.upstream;
    const state = `${row?.state ?? 'none'}${row?.reason ? ` (${row.reason})` : ''}${upstream ? ` [upstream ${upstream.state}, errors ${upstream.errors ?? 0}, relists ${upstream.relists ?? 0}]` : ''}`;
    if (states.at(-1) !== state) states.push(state);
  };
  const stateTimer = setInterval(noteState, 20);
  // The store notifies once per tick after frames land: check the pending probes then.
  const unsubscribe = engine.store.subscribe(() => {
    const rows = engine.store.collection('pods:')?.rows;
    for (const [uid, resolve] of waiting) {
      if (!rows?.has(uid)) {
        waiting.delete(uid);
        resolve();
      }
    }
  });
  return {
    watchFor: (uid, resolve) => waiting.set(uid, resolve),
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
  const waiting = new Map<string, () => void>();
  watch.onChange = (type, uid) => {
    if (type !== 'DELETED') return;
    const resolve = waiting.get(uid);
    if (resolve) {
      waiting.delete(uid);
      resolve();
    }
  };
  return {
    watchFor: (uid, resolve) => waiting.set(uid, resolve),
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
export async function updateRuns(cluster: ChildCluster, api: ApiAccess, config: ConfigOverrides, pods: number, rates: readonly number[], seconds: number, source: ChurnSource = 'load'): Promise<UpdateRuns> {
  const runs: UpdateRuns = { kubelive: [], clientNode: [] };
  const starters = { clientNode: () => clientNodeConsumer(api), kubelive: () => kubeliveConsumer(api, config, pods) };
  for (const [i, rate] of rates.entries()) {
    const order = i % 2 === 0 ? (['clientNode', 'kubelive'] as const) : (['kubelive', 'clientNode'] as const);
    for (const name of order) {
      const consumer = await starters[name]();
      const result = await runRate(cluster, api, consumer, rate, seconds, source);
      console.error(`bench:   ${name} at ${rate}/s: achieved ${Math.round(result.achievedPerSecond)}/s, p50 ${result.p50Ms.toFixed(0)} ms, p99 ${result.p99Ms.toFixed(0)} ms, lost ${result.lost}/${result.probes}${result.backendCpu === null ? '' : `, backend CPU ${(result.backendCpu * 100).toFixed(0)} % (loop thread ${((result.backendMainCpu ?? 0) * 100).toFixed(0)} %), loop busy ${((result.backendLoopBusy ?? 0) * 100).toFixed(0)} %, loop delay p99 ${result.backendLoopP99Ms?.toFixed(0)} ms max ${result.backendLoopMaxMs?.toFixed(0)} ms`}, consumer loop delay max ${result.consumerLoopMaxMs.toFixed(0)} ms${result.slowest ? `, slowest probe ${result.slowest.arrivedMs.toFixed(0)} ms (its DELETE answered at ${result.slowest.deleteAnsweredMs?.toFixed(0) ?? 'after it arrived'} ms)` : ''}${consumer.states() ? `; ${consumer.states()}` : ''}`);
      runs[name].push(result);
      await consumer.stop();
    }
  }
  return runs;
}

/** The highest rate kept up with, as churn changes/s actually made (0 when none was). */
export function sustained(results: readonly RateResult[]): RateResult | null {
  const kept = results.filter((r) => r.keptUp);
  return kept.length === 0 ? null : kept.reduce((a, b) => (b.achievedPerSecond > a.achievedPerSecond ? b : a));
}
