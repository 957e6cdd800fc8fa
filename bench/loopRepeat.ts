/**
 * `node --expose-gc dist/bench/loopRepeat.js [--pods N] [--repeat N]`: row 14l's serving window
 * alone, again and again on one backend, printing each window's loop delay; with
 * KUBELIVE_BENCH_PROFILE_DIR set every window is profiled (longTurns.js reads the profiles). A
 * worst turn that comes one run in three is found here in minutes, not in a whole bench.
 */
import { parseArgs } from 'node:util';
import { ChildCluster } from './cluster.js';
import { holdText, loopWhileServing } from './firstRows.js';
import { ServingBackend } from './servingBackend.js';
import { sleep } from './support.js';
import type { HeldLoopReading } from './heldLoop.js';

const held = (r: HeldLoopReading | null) => (r ? `; longest hold ${holdText(r.longest)}, most on a core ${holdText(r.mostOnCpu)}` : '');

const { values } = parseArgs({ options: { pods: { type: 'string', default: '150000' }, repeat: { type: 'string', default: '5' } } });
const pods = Number(values.pods);
const cluster = await ChildCluster.start({ nodes: 5000, pods, namespaces: 20, seed: 9 });
const backend = await ServingBackend.start(cluster.kubeconfigYaml, { upstreamIdleGraceMs: 600_000 }, {});
try {
  // The pods upstream listed before the windows, as in the bench (its cold view lists them).
  const listed = await fetch(`${backend.url}api/v1/snapshot/pods?scope=`);
  const body = await listed.text();
  console.log(`pods listed: ${listed.status}, ${body.length} characters${listed.ok ? '' : `: ${body}`}`);
  for (let i = 1; i <= Number(values.repeat); i++) {
    const served = await loopWhileServing(cluster, backend);
    console.log(`window ${i}: max ${served.maxMs.toFixed(0)} ms, p99 ${served.p99Ms.toFixed(0)} ms, longest GC ${served.longestGcMs.toFixed(1)} ms, served in ${served.servedMs.toFixed(0)} ms, pod lists ${served.lists}${held(served.held)}`);
    await sleep(3000);
  }
} finally {
  await backend.stop();
  await cluster.stop();
}
