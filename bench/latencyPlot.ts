/**
 * The plot beside bench/results.json: rows 2 and 3's change latency from the cluster's commit
 * (p50 and p99, as row 3 reports it) against the rate the cluster actually made, one colour per
 * consumer, log-scaled both ways (rates and latencies each span two or three decades).
 */
import { lineChart, type Series } from './svg.js';
import type { UpdateRuns } from './updates.js';

const consumers = [
  { key: 'kubelive', name: 'kubelive', color: '#1f6feb' },
  { key: 'clientNode', name: 'client-node Watch', color: '#d1242f' },
] as const;

export function latencyPlot(runs: UpdateRuns, title: string): string {
  const series: Series[] = consumers.flatMap(({ key, name, color }) => [
    { name: `${name} p50`, color, points: runs[key].map((r) => ({ x: r.achievedPerSecond, y: r.p50FromCommitMs })) },
    { name: `${name} p99`, color, dash: '6 4', points: runs[key].map((r) => ({ x: r.achievedPerSecond, y: r.p99FromCommitMs })) },
  ]);
  return lineChart({ title, xLabel: 'changes per second made at the cluster (log)', yLabel: "change latency from the cluster's commit, ms (log)", xLog: true, yLog: true, series });
}
