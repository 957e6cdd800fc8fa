/**
 * `npm run bench:proof -- --pods 10000,100000 [--churn 0,50] [--window 20] [--rounds 1]`: what one upstream
 * proof costs, at several cluster sizes and rates of change (docs/backend.md quotes its output).
 *
 * For each size and churn, a demo cluster in a child process, then: probes exactly as the backend
 * runs them (a watch from the current resourceVersion to the pre-deadline bookmark, on the
 * keep-alive connection), alone in this process, each one's CPU read around it; and the backend
 * holding the pods cache with its proof off, its CPU per second over a window. Bench row 11 is
 * the same measurement at 50,000 pods.
 */
import { parseArgs } from 'node:util';
import { ChildCluster } from './cluster.js';
import { proofCost } from './freshness.js';
import { median } from './report.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    options: {
      pods: { type: 'string', default: '10000,100000' },
      churn: { type: 'string', default: '0,50' },
      window: { type: 'string', default: '20' },
      rounds: { type: 'string', default: '1' },
    },
  });
  const sizes = values.pods!.split(',').map(Number);
  const churns = values.churn!.split(',').map(Number);
  const windowMs = Number(values.window) * 1000;
  const rounds = Number(values.rounds);
  for (const pods of sizes) {
    const cluster = await ChildCluster.start({ nodes: Math.max(4, Math.round(pods / 100)), pods, namespaces: 20, seed: 5 });
    try {
      for (const churn of churns) {
        await cluster.setChurn(churn);
        const cost = await proofCost(cluster, { upstreamIdleGraceMs: 600_000 }, windowMs, rounds, 8);
        const probeCpu = median(cost.probeCpuMs);
        const backendCpu = median(cost.backendCpuPerSecond);
        console.log(
          JSON.stringify({
            pods,
            churnPerSecond: churn,
            probe: { cpuMs: Number(probeCpu.toFixed(2)), toBookmarkMs: Math.round(median(cost.probeWallMs)), eventsCarried: median(cost.probeEvents) },
            probesPerSecond: Number(cost.probesPerSecond.toFixed(2)),
            backendCpuMsPerSecondWithoutProbes: Number(backendCpu.toFixed(1)),
            windows: cost.backendCpuPerSecond.map((x) => Number(x.toFixed(1))),
            share: backendCpu > 0 ? Number(((probeCpu * cost.probesPerSecond) / backendCpu).toFixed(4)) : null,
          }),
        );
      }
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
