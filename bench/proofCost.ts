/**
 * `npm run bench:proof -- --pods 10000,100000 [--churn 50] [--window 20]`: what one upstream
 * proof costs, at several cluster sizes (docs/backend.md quotes its output).
 *
 * For each size, a demo cluster in a child process with churn, then:
 * - probes on their own: a KubeClient reads a list's resourceVersion, then runs probe after probe
 *   (each a 3 s watch from the previous bookmark, ended at the next one), timing each from request
 *   to bookmark and counting what it carried;
 * - the backend's CPU with and without its probes, as bench row 11 measures it, divided by the
 *   number of probes it ran: CPU per proof.
 */
import { parseArgs } from 'node:util';
import { KubeClient, loadKubeConfig } from '../adapters/kube/client.js';
import { probeOnce, WatchWitness } from '../adapters/kube/proof.js';
import { ChildCluster } from './cluster.js';
import { proofCost } from './freshness.js';
import { median } from './report.js';

/** Counts as delivered whatever the probe saw: this measures the probe's own price, not a main watch. */
class EverythingWitness extends WatchWitness {
  override has(): boolean {
    return true;
  }
}

async function standaloneProbes(cluster: ChildCluster, count: number) {
  const client = new KubeClient(loadKubeConfig({ kubeconfigYaml: cluster.kubeconfigYaml }));
  const first = await client.requestJson<{ metadata: { resourceVersion: string } }>('GET', '/api/v1/pods', { query: { limit: 1 } });
  let from = first.metadata.resourceVersion;
  const wallMs: number[] = [];
  const cpuMs: number[] = [];
  const events: number[] = [];
  const controller = new AbortController();
  for (let i = 0; i < count; i++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const outcome = await probeOnce({ client, path: '/api/v1/pods', witness: new EverythingWitness(), from, graceMs: 0, signal: controller.signal });
    wallMs.push(performance.now() - t0);
    const cpu = process.cpuUsage(cpu0);
    cpuMs.push((cpu.user + cpu.system) / 1000);
    if (!outcome.ok) throw new Error(`probe failed: ${outcome.message}`);
    events.push(outcome.events);
    from = outcome.bookmark;
  }
  return { wallMs: median(wallMs), cpuMs: median(cpuMs), events: median(events) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    options: { pods: { type: 'string', default: '10000,100000' }, churn: { type: 'string', default: '50' }, window: { type: 'string', default: '20' } },
  });
  const sizes = values.pods!.split(',').map(Number);
  const churn = Number(values.churn);
  const windowMs = Number(values.window) * 1000;
  for (const pods of sizes) {
    const cluster = await ChildCluster.start({ nodes: Math.max(4, Math.round(pods / 100)), pods, namespaces: 20, seed: 5 });
    try {
      await cluster.setChurn(churn);
      const alone = await standaloneProbes(cluster, 10);
      const cost = await proofCost(cluster, { upstreamIdleGraceMs: 600_000 }, windowMs, 2);
      const withCpu = median(cost.withProbes);
      const withoutCpu = median(cost.withoutProbes);
      const probesPerSecond = median(cost.probesPerWindow) / (windowMs / 1000);
      const perProofCpuMs = probesPerSecond > 0 ? Math.max(0, withCpu - withoutCpu) / probesPerSecond : Number.NaN;
      console.log(
        JSON.stringify({
          pods,
          churnPerSecond: churn,
          probe: { toBookmarkMs: Math.round(alone.wallMs), clientCpuMs: Number(alone.cpuMs.toFixed(2)), eventsCarried: alone.events },
          backend: {
            cpuMsPerSecondWithProbes: Number(withCpu.toFixed(1)),
            cpuMsPerSecondWithout: Number(withoutCpu.toFixed(1)),
            probesPerSecond: Number(probesPerSecond.toFixed(2)),
            cpuMsPerProof: Number(perProofCpuMs.toFixed(2)),
            share: withCpu > 0 ? Number((Math.max(0, withCpu - withoutCpu) / withCpu).toFixed(4)) : null,
          },
        }),
      );
    } finally {
      await cluster.stop();
    }
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench:proof: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
