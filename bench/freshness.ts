/**
 * Rows 10 and 11 (issue 11): what the end-to-end freshness bound costs and what it buys.
 *
 * - Row 10: the backend's watch on the cluster goes silent (the demo cluster holds every pods
 *   event) under churn; how long until the view says `upstream stalled`, as a ratio to the
 *   freshness bound. The stream to the engine stays perfectly healthy all the while: only the
 *   upstream proof can notice.
 * - Row 11: the proof's price. The same backend holding the same pods cache on the same
 *   churning cluster, with probes (the default bound) and without (a bound of a day, so no probe
 *   runs in the window), alternately; the backend process's CPU time over each window. The
 *   difference is what the probes cost, as a share of the backend's CPU with them.
 */
import { createEngine, type Engine } from '../adapters/engine/engine.js';
import { resolveConfig, type ConfigOverrides } from '../machines/config.js';
import { startBackend, type Backend } from '../server/backend.js';
import type { ChildCluster } from './cluster.js';
import { countingSockets, sleep, waitUntil } from './support.js';

const podsRow = (engine: Engine) => engine.diagnostics().rows.find((r) => r.key === 'pods:');

export interface StallDetection {
  /** From the fault to the view first leaving `streamingHealthy`. */
  readonly leftHealthyMs: number[];
  /** From the fault to the view saying `upstream stalled`; NaN where it never did. */
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
  /** Backend CPU milliseconds per second of wall time, with probes and without, each window. */
  readonly withProbes: number[];
  readonly withoutProbes: number[];
  readonly probesPerWindow: number[];
  readonly windowMs: number;
}

interface UpstreamDiagnostics {
  key: string;
  report: { healthy: boolean };
  proof: { passed: number; failed: number; lapses: number; lastFailure: string | null };
}

async function podsUpstream(backend: Backend): Promise<UpstreamDiagnostics | undefined> {
  const body = (await (await fetch(`${backend.url}api/v1/diagnostics`)).json()) as { upstreams: UpstreamDiagnostics[] };
  return body.upstreams.find((u) => u.key === 'pods');
}

/**
 * The backend alone (no engine in this process while measuring): a snapshot starts its pods
 * list-watch, which the long idle grace keeps running; then its CPU is read over a window.
 */
async function measureWindow(cluster: ChildCluster, config: ConfigOverrides, windowMs: number): Promise<{ cpuPerSecond: number; probes: number; failed: number; lapses: number }> {
  const backend = await startBackend({ kubeconfigYaml: cluster.kubeconfigYaml, port: 0, config });
  try {
    const response = await fetch(`${backend.url}api/v1/snapshot/pods`);
    await response.arrayBuffer();
    if (!(await waitUntil(async () => (await podsUpstream(backend))?.report.healthy === true, 120_000, 100))) throw new Error('pods upstream never healthy');
    await sleep(2_000); // past the first list's garbage and the first probe's connection
    const before = (await podsUpstream(backend))!.proof;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(windowMs);
    const cpu = process.cpuUsage(cpu0);
    const elapsed = performance.now() - t0;
    const after = (await podsUpstream(backend))!.proof;
    if (after.failed > before.failed) console.error(`bench: ${after.failed - before.failed} probes failed in the window (last: ${after.lastFailure}), ${after.lapses - before.lapses} lapses`);
    return {
      cpuPerSecond: ((cpu.user + cpu.system) / 1000 / elapsed) * 1000,
      probes: after.passed + after.failed - before.passed - before.failed,
      failed: after.failed - before.failed,
      lapses: after.lapses - before.lapses,
    };
  } finally {
    await backend.stop();
  }
}

export async function proofCost(cluster: ChildCluster, config: ConfigOverrides, windowMs: number, rounds: number): Promise<ProofCost> {
  const cost: ProofCost = { withProbes: [], withoutProbes: [], probesPerWindow: [], windowMs };
  // A bound of a day puts the first probe six hours away: the same backend, without its proof.
  const without: ConfigOverrides = { ...config, freshnessBoundMs: 24 * 60 * 60 * 1000 };
  for (let round = 0; round < rounds; round++) {
    // Alternating, so a neighbour's burst on this shared machine lands on both sides alike.
    const order = round % 2 === 0 ? (['with', 'without'] as const) : (['without', 'with'] as const);
    for (const mode of order) {
      const m = await measureWindow(cluster, mode === 'with' ? config : without, windowMs);
      if (mode === 'with') {
        cost.withProbes.push(m.cpuPerSecond);
        cost.probesPerWindow.push(m.probes);
      } else cost.withoutProbes.push(m.cpuPerSecond);
    }
  }
  return cost;
}
