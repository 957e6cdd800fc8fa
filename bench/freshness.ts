/**
 * Rows 10 and 11 (issue 11): what the end-to-end freshness bound costs and what it buys.
 *
 * - Row 10: the backend's watch on the cluster goes silent (the demo cluster holds every pods
 *   event) under churn; how long until the view says `upstream stalled`, as a ratio to the
 *   freshness bound. The stream to the engine stays perfectly healthy all the while: only the
 *   upstream proof can notice. Since 2026-12-03 that word is the backend's alone: the view's own
 *   lapse timer says `upstream unproven` (its moment is `leftHealthyMs`), and the view takes the
 *   backend's `upstream stalled` when its lapse report arrives.
 * - Row 11: the proof's price. The backend holding a pods cache on a churning cluster, its proof
 *   off, gives its CPU per second; probes run alone in this process, exactly as the backend runs
 *   them, give the CPU of one probe; at the default bound's probe rate, their share of the
 *   backend's CPU. (Measuring the backend with and without probes and subtracting was tried
 *   first: two windows of a busy process differ by more than the probes cost.)
 */
import { createEngine, type Engine } from '../adapters/engine/engine.js';
import { resolveConfig, type ConfigOverrides } from '../machines/config.js';
import { KubeClient, loadKubeConfig } from '../adapters/kube/client.js';
import { probeOnce, WatchWitness, type DeliveryCheck } from '../adapters/kube/proof.js';
import { proofTimings } from '../machines/upstreamMachine.js';
import { startBackend, type Backend } from '../server/backend.js';
import type { ChildCluster } from './cluster.js';
import { median } from './report.js';
import { countingSockets, cpuMsSince, sleep, waitUntil } from './support.js';

const podsRow = (engine: Engine) => engine.diagnostics().rows.find((r) => r.key === 'pods:');

export interface StallDetection {
  /** From the fault to the view first leaving `streamingHealthy`. */
  readonly leftHealthyMs: number[];
  /** From the fault to the view saying `upstream stalled` (the backend's word on the lapse); NaN where it never did. */
  readonly saidUpstreamStalledMs: number[];
  readonly boundMs: number;
}

export async function stallDetection(cluster: ChildCluster, config: ConfigOverrides, repeats: number): Promise<StallDetection> {
  const boundMs = resolveConfig(config).freshnessBoundMs;
  const backend = await startBackend({ kubeconfigYaml: cluster.kubeconfigYaml, port: 0, config });
  const engine = createEngine({ server: backend.url, config, socket: countingSockets().factory });
  engine.subscribe('pods', '');
  const result: StallDetection = { leftHealthyMs: [], saidUpstreamStalledMs: [], boundMs };
  try {
    for (let i = 0; i < repeats; i++) {
      if (!(await waitUntil(() => podsRow(engine)?.state === 'streamingHealthy', 120_000, 10))) throw new Error('pods never became healthy');
      // A random moment in the probe cycle, so the stall does not always start just after a proof.
      await sleep(500 + Math.random() * 2_000);
      await cluster.fault('stall-watches', 'pods');
      const t0 = performance.now();
      let left: number | null = null;
      const said = await waitUntil(
        () => {
          const row = podsRow(engine);
          if (left === null && row?.state !== 'streamingHealthy') left = performance.now() - t0;
          return row?.reason === 'upstream stalled' ? performance.now() - t0 : false;
        },
        boundMs * 3,
        5,
      );
      result.leftHealthyMs.push(left ?? Number.NaN);
      result.saidUpstreamStalledMs.push(said ?? Number.NaN);
      await cluster.clearFaults();
    }
  } finally {
    engine.stop();
    await backend.stop();
  }
  return result;
}

export interface ProofCost {
  /** The backend's CPU milliseconds per second of wall time holding the cache, without probes. */
  readonly backendCpuPerSecond: number[];
  /** One probe's CPU milliseconds in this process (nothing else running in it), and what it carried. */
  readonly probeCpuMs: number[];
  readonly probeWallMs: number[];
  readonly probeEvents: number[];
  /** Probes a second at the default bound: one per interval plus the probe's own time. */
  readonly probesPerSecond: number;
  readonly windowMs: number;
}

interface UpstreamDiagnostics {
  key: string;
  report: { healthy: boolean };
}

async function podsUpstream(backend: Backend): Promise<UpstreamDiagnostics | undefined> {
  const body = (await (await fetch(`${backend.url}api/v1/diagnostics`)).json()) as { upstreams: UpstreamDiagnostics[] };
  return body.upstreams.find((u) => u.key === 'pods');
}

/**
 * The backend alone (no engine in this process while measuring) with its proof switched off (a
 * bound of a day puts the first probe six hours away): a snapshot starts its pods list-watch,
 * which the long idle grace keeps running; then this process's CPU is read over a window.
 */
async function backendWindow(cluster: ChildCluster, config: ConfigOverrides, windowMs: number): Promise<number> {
  const backend = await startBackend({ kubeconfigYaml: cluster.kubeconfigYaml, port: 0, config: { ...config, freshnessBoundMs: 24 * 60 * 60 * 1000 } });
  try {
    const response = await fetch(`${backend.url}api/v1/snapshot/pods`);
    await response.arrayBuffer();
    if (!(await waitUntil(async () => (await podsUpstream(backend))?.report.healthy === true, 180_000, 100))) {
      throw new Error(`pods upstream never healthy: ${JSON.stringify(await podsUpstream(backend))}; ${await clusterAnswers(cluster)}`);
    }
    await sleep(2_000); // past the first list's garbage
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(windowMs);
    return (cpuMsSince(cpu0) / (performance.now() - t0)) * 1000;
  } finally {
    await backend.stop();
  }
}

/**
 * Whether the cluster answers a small read of its own, straight from this process and not through
 * the backend: said when the backend's list never finished, so the report tells whose fault it was.
 */
async function clusterAnswers(cluster: ChildCluster): Promise<string> {
  const client = new KubeClient(loadKubeConfig({ kubeconfigYaml: cluster.kubeconfigYaml }));
  const t0 = performance.now();
  try {
    const page = await client.requestJson<{ items: unknown[] }>('GET', '/api/v1/pods', { query: { limit: 500 } });
    return `the cluster itself answered a page of ${page.items.length} pods in ${Math.round(performance.now() - t0)} ms`;
  } catch (error) {
    return `the cluster itself did not answer a page of pods (${Math.round(performance.now() - t0)} ms): ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    client.close();
  }
}

/** Everything a probe sees counts as delivered: this measures the probe's own price. */
class EverythingWitness extends WatchWitness {
  override deliveryCheck(): DeliveryCheck {
    return { missing: () => 0 };
  }
}

/**
 * Probes as the backend runs them on a busy resource (a watch from a current resourceVersion in
 * one namespace, to the pre-deadline bookmark, over the keep-alive connection; the whole
 * collection again when the namespace saw no change), with nothing else running in this process,
 * each one's CPU read around it. The backend samples the namespace of its last change; here a
 * namespace is drawn at random, which spreads like the churn does.
 */
export async function probeCosts(cluster: ChildCluster, count: number): Promise<{ cpuMs: number[]; wallMs: number[]; events: number[] }> {
  const client = new KubeClient(loadKubeConfig({ kubeconfigYaml: cluster.kubeconfigYaml }));
  const namespaces = await cluster.names('namespaces');
  const out = { cpuMs: [] as number[], wallMs: [] as number[], events: [] as number[] };
  const controller = new AbortController();
  const probe = (from: string, fieldSelector: string | null) =>
    probeOnce({ client, path: '/api/v1/pods', witness: new EverythingWitness(), from, graceMs: 0, signal: controller.signal, fieldSelector });
  try {
    for (let i = 0; i < count + 2; i++) {
      // Where the main watch would stand: the server's current resourceVersion.
      const head = await client.requestJson<{ metadata: { resourceVersion: string } }>('GET', '/api/v1/pods', { query: { limit: 1 } });
      const from = head.metadata.resourceVersion;
      const namespace = namespaces[Math.floor(Math.random() * namespaces.length)]!;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      let outcome = await probe(from, `metadata.namespace=${namespace}`);
      let events = outcome.ok ? outcome.events : 0;
      if (outcome.ok && outcome.events === 0) {
        outcome = await probe(from, null);
        events += outcome.ok ? outcome.events : 0;
      }
      const wall = performance.now() - t0;
      const cpuMs = cpuMsSince(cpu0);
      if (!outcome.ok) throw new Error(`probe failed: ${outcome.message}`);
      if (i < 2) continue; // the first ones open the connection
      out.cpuMs.push(cpuMs);
      out.wallMs.push(wall);
      out.events.push(events);
      await sleep(2_500); // the probe's connection ends at its deadline and is reused
    }
  } finally {
    controller.abort();
    client.close();
  }
  return out;
}

/** `probeCount` probes are timed, each about 4 s (the probe to its bookmark, then the connection's deadline). */
export async function proofCost(cluster: ChildCluster, config: ConfigOverrides, windowMs: number, rounds: number, probeCount: number): Promise<ProofCost> {
  const backendCpuPerSecond: number[] = [];
  for (let round = 0; round < rounds; round++) backendCpuPerSecond.push(await backendWindow(cluster, config, windowMs));
  const probes = await probeCosts(cluster, probeCount);
  const { intervalMs } = proofTimings(resolveConfig(config).freshnessBoundMs);
  return {
    backendCpuPerSecond,
    probeCpuMs: probes.cpuMs,
    probeWallMs: probes.wallMs,
    probeEvents: probes.events,
    probesPerSecond: 1000 / (intervalMs + median(probes.wallMs)),
    windowMs,
  };
}
