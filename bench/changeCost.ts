/**
 * CPU per pod change of the backend and of the engine's process, as row 2 runs them (demo
 * cluster → backend process → engine in this process), without the probes: the load source
 * makes `--changes` changes at `--rate` a second, and the window ends when the engine's store
 * holds exactly what the cluster holds (its digest against the cluster's own versions), so
 * every change was carried through. A number the latency's noise does not move much: what a
 * change costs each process, not when it arrives (docs/development.md, "Row 2: per-change cost").
 *
 * `node dist/bench/changeCost.js --rate 20000 --changes 100000 [--repeat 2]`, under the bench
 * lock. `KUBELIVE_BENCH_BACKEND_FLAGS='--cpu-prof --cpu-prof-dir=DIR'` profiles the backend and
 * `node --cpu-prof` this process (the engine); each window's bounds are printed on the
 * profiles' clock (monotonic µs), to cut the startup out of them.
 */
import { parseArgs } from 'node:util';
import { createEngine } from '../adapters/engine/engine.js';
import { digestOf } from '../adapters/digest.js';
import { BackendChild } from './backendProcess.js';
import { ChildCluster } from './cluster.js';
import { countingSockets, sleep, waitUntil } from './support.js';

const { values } = parseArgs({ options: { rate: { type: 'string' }, changes: { type: 'string' }, repeat: { type: 'string' }, pods: { type: 'string' } } });
const rate = Number(values.rate ?? 20_000);
const changes = Number(values.changes ?? 100_000);
const repeat = Number(values.repeat ?? 2);
const pods = Number(values.pods ?? 10_000);
const config = { upstreamIdleGraceMs: 600_000 };

const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);

/** The cluster's pods as `uid@resourceVersion`, digested as the store digests its rows. */
async function clusterDigest(cluster: ChildCluster): Promise<string> {
  const versions = await cluster.versions('pods');
  return digestOf(versions.map((v) => ({ uid: v.slice(0, v.indexOf('@')), resourceVersion: v.slice(v.indexOf('@') + 1) })));
}

// The row 2 cluster (bench/run.ts, `churning`): 10,000 pods, a watch history of 102,400 changes.
const cluster = await ChildCluster.start({ nodes: 50, pods, namespaces: 10, seed: 8, watchWindow: 102_400 });
const backend = await BackendChild.start(cluster.kubeconfigYaml, config);
const engine = createEngine({ server: backend.url, config, socket: countingSockets().factory });
try {
  engine.subscribe('pods', '');
  const ready = await waitUntil(() => engine.diagnostics().rows[0]?.state === 'streamingHealthy' && (engine.store.summary('pods:')?.count ?? 0) >= pods, 120_000, 50);
  if (!ready) throw new Error('the pods view never became healthy');
  await sleep(2000); // the first list's aftermath (resets, GC) out of the first window
  for (let i = 0; i < repeat; i++) {
    const clusterBefore = await cluster.stats();
    const backendBefore = await backend.stats();
    const engineBefore = process.cpuUsage();
    const framesBefore = engine.counters.framesReceived;
    // The view's states over the window: a fall back to snapshots (an unhealthy upstream, a drift) reads the API and costs far more than a change.
    const states: string[] = [];
    const noteState = () => {
      const row = engine.diagnostics().rows[0];
      const state = `${row?.state ?? 'none'}${row?.reason ? ` (${row.reason})` : ''}`;
      if (states.at(-1) !== state) states.push(state);
    };
    noteState();
    const stateTimer = setInterval(noteState, 20);
    const from = monotonicMicros();
    await cluster.setChurn(rate, 'load');
    await sleep((changes / rate) * 1000);
    await cluster.setChurn(0);
    const made = (await cluster.stats()).podChanges - clusterBefore.podChanges;
    const truth = await clusterDigest(cluster);
    const caughtUp = await waitUntil(() => engine.store.summary('pods:')?.digest === truth, 60_000, 20);
    const to = monotonicMicros();
    clearInterval(stateTimer);
    const engineUsed = process.cpuUsage(engineBefore);
    const frames = engine.counters.framesReceived - framesBefore;
    const backendAfter = await backend.stats();
    const relists = backendAfter.podsUpstream && backendBefore.podsUpstream ? backendAfter.podsUpstream.lists - backendBefore.podsUpstream.lists : null;
    const backendMicros = backendAfter.cpuMicros - backendBefore.cpuMicros;
    const backendMain = backendAfter.mainThreadCpuMicros !== null && backendBefore.mainThreadCpuMicros !== null ? backendAfter.mainThreadCpuMicros - backendBefore.mainThreadCpuMicros : null;
    const engineMicros = engineUsed.user + engineUsed.system;
    console.log(
      JSON.stringify({
        window: i + 1,
        rate,
        made,
        caughtUp: caughtUp !== null,
        seconds: +((to - from) / 1e6).toFixed(2),
        backendMicrosPerChange: +(backendMicros / made).toFixed(2),
        backendMainMicrosPerChange: backendMain === null ? null : +(backendMain / made).toFixed(2),
        engineMicrosPerChange: +(engineMicros / made).toFixed(2),
        // Frames the engine received: how many changes each carried, for the per-frame costs (its machines' routing).
        frames,
        relists,
        states: states.join(' → '),
        profileWindow: { from, to },
      }),
    );
    await sleep(1000);
  }
} finally {
  engine.stop();
  await backend.stop();
  await cluster.stop();
}
