/**
 * Rows 2 and 3: how much churn a consumer keeps up with, and how long a change takes to reach it.
 *
 * The cluster churns at a set rate while the bench deletes one ReplicaSet pod every 100 ms
 * through the API (a probe) and times each DELETE until the consumer no longer holds that pod.
 * The consumer is either kubelive (API server → backend list-watch → WebSocket → engine store)
 * or, alone, client-node's Watch on all pods. A consumer keeps up with a rate when every probe
 * arrived and the p99 stayed under a second; past that, its backlog grows with time.
 */
import { createEngine } from '../adapters/engine/engine.js';
import type { ConfigOverrides } from '../machines/config.js';
import { startBackend } from '../server/backend.js';
import type { ChildCluster } from './cluster.js';
import { apiAgent, apiRequest, clientNodeWatch, kubeConfigOf, type ApiAccess } from './clients.js';
import { percentile } from './report.js';
import { countingSockets, sleep, waitUntil } from './support.js';

export interface RateResult {
  readonly targetPerSecond: number;
  /** Churn changes per second the cluster actually made. */
  readonly achievedPerSecond: number;
  /** Pod watch events per second the consumer received (client-node only). */
  readonly eventsPerSecond: number | null;
  readonly probes: number;
  readonly lost: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly keptUp: boolean;
}

interface Consumer {
  /** Resolves a pending probe when the consumer no longer holds the pod. */
  watchFor(uid: string, resolve: () => void): void;
  events(): number | null;
  stop(): Promise<void>;
}

const keepUpP99Ms = 1000;
const probeEveryMs = 100;

async function runRate(cluster: ChildCluster, api: ApiAccess, consumer: Consumer, perSecond: number, seconds: number): Promise<RateResult> {
  const agent = apiAgent(api);
  await cluster.setChurn(perSecond);
  await sleep(1000); // let the backlog, if any, form
  const before = await cluster.stats();
  const eventsBefore = consumer.events();
  const started = performance.now();
  const latencies: number[] = [];
  const pending = new Set<Promise<void>>();
  const victims = await cluster.pickPods(Math.ceil((seconds * 1000) / probeEveryMs));
  let probes = 0;
  let skipped = 0;
  for (const victim of victims) {
    if (performance.now() - started > seconds * 1000) break;
    probes++;
    const t0 = performance.now();
    const arrived = new Promise<boolean>((resolve) => consumer.watchFor(victim.uid, () => resolve(true)));
    // Churn may have replaced the pod first: a DELETE that finds nothing is no probe.
    const deleted = apiRequest(api, agent, 'DELETE', `/api/v1/namespaces/${victim.namespace}/pods/${victim.name}`).then(
      (r) => r.status === 200,
      () => false,
    );
    pending.add(
      Promise.race([arrived, deleted.then((ok) => (ok ? arrived : false))]).then((ok) => {
        if (ok) latencies.push(performance.now() - t0);
        else skipped++;
      }),
    );
    await sleep(probeEveryMs);
  }
  const elapsed = (performance.now() - started) / 1000;
  const after = await cluster.stats();
  const eventsAfter = consumer.events();
  await Promise.race([Promise.all(pending), sleep(5000)]);
  await cluster.setChurn(0);
  agent.destroy();
  const lost = probes - skipped - latencies.length;
  const p99 = lost > 0 ? Number.POSITIVE_INFINITY : percentile(latencies, 99);
  await sleep(1500); // the controllers settle before the next rate
  return {
    targetPerSecond: perSecond,
    achievedPerSecond: (after.churnOps - before.churnOps) / elapsed,
    eventsPerSecond: eventsBefore === null || eventsAfter === null ? null : (eventsAfter - eventsBefore) / elapsed,
    probes: probes - skipped,
    lost,
    p50Ms: percentile(latencies, 50),
    p99Ms: p99,
    keptUp: lost === 0 && p99 <= keepUpP99Ms,
  };
}

async function kubeliveConsumer(api: ApiAccess, config: ConfigOverrides, pods: number): Promise<Consumer> {
  const backend = await startBackend({ kubeconfigYaml: api.kubeconfigYaml, port: 0, config });
  const engine = createEngine({ server: backend.url, config, socket: countingSockets().factory });
  engine.subscribe('pods', '');
  await waitUntil(() => engine.diagnostics().rows[0]?.state === 'streamingHealthy' && (engine.store.collection('pods:')?.rows.size ?? 0) >= pods * 0.9, 120_000, 50);
  const waiting = new Map<string, () => void>();
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
    async stop() {
      unsubscribe();
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
    async stop() {
      watch.stop();
    },
  };
}

export interface UpdateRuns {
  readonly kubelive: RateResult[];
  readonly clientNode: RateResult[];
}

/** Both consumers, one after the other, on the same cluster, over the same ladder of rates. */
export async function updateRuns(cluster: ChildCluster, api: ApiAccess, config: ConfigOverrides, pods: number, rates: readonly number[], seconds: number): Promise<UpdateRuns> {
  const runs: UpdateRuns = { kubelive: [], clientNode: [] };
  for (const [name, start] of [
    ['clientNode', () => clientNodeConsumer(api)],
    ['kubelive', () => kubeliveConsumer(api, config, pods)],
  ] as const) {
    const consumer = await start();
    for (const rate of rates) runs[name].push(await runRate(cluster, api, consumer, rate, seconds));
    await consumer.stop();
  }
  return runs;
}

/** The highest rate kept up with, as churn changes/s actually made (0 when none was). */
export function sustained(results: readonly RateResult[]): RateResult | null {
  const kept = results.filter((r) => r.keptUp);
  return kept.length === 0 ? null : kept.reduce((a, b) => (b.achievedPerSecond > a.achievedPerSecond ? b : a));
}
