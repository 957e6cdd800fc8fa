/**
 * Rows 14c and 14p–14m alone, without the rest of the first-rows group: a cold view of every pod
 * in a real engine, against a cluster that serves streaming lists and against the same cluster
 * made to refuse them (so the backend lists in pages), each beside a raw GET + parse in the same
 * run; then the cheaper reads. For working on the list path:
 * `npx tsc -p tsconfig.build.json && node dist/bench/cheaperReadsOnce.js 150000`.
 */
import { ChildCluster } from './cluster.js';
import { cheaperReadsRows } from './cheaperReads.js';
import { apiAgent, rawList } from './clients.js';
import { coldView } from './firstRows.js';
import { ServingBackend } from './servingBackend.js';
import { ms } from './report.js';

const pods = Number(process.argv[2] ?? 20_000);
const config = { upstreamIdleGraceMs: 600_000 };

/** A raw GET + parse, timed after one to warm up; a read whose kept-alive socket was closed under it is asked again. */
async function rawMs(cluster: ChildCluster): Promise<number> {
  const agent = apiAgent(cluster);
  const timed = async () => {
    const started = performance.now();
    await rawList(cluster, agent, '/api/v1/pods');
    return performance.now() - started;
  };
  try {
    await timed().catch(timed);
    return await timed().catch(timed);
  } finally {
    agent.destroy();
  }
}

for (const watchList of [true, false]) {
  const cluster = await ChildCluster.start({ nodes: Math.max(20, Math.round(pods / 30)), pods, namespaces: 20, seed: 9, watchList });
  try {
    const raw = await rawMs(cluster);
    const backend = await ServingBackend.start(cluster.kubeconfigYaml, config, {});
    try {
      const cold = await coldView(backend, config, pods);
      const after = await rawMs(cluster);
      // How the backend read it, in its own words: the row is about that list path, or it is void.
      const diagnostics = (await (await fetch(`${backend.url}api/v1/diagnostics`)).json()) as { upstreams: { key: string; lastList: string | null }[] };
      const list = diagnostics.upstreams.find((u) => u.key === 'pods')?.lastList ?? 'unknown';
      console.log(`14c ${list}: complete ${ms(cold.completeMs)}, first screen ${ms(cold.firstScreenMs)}; raw ${ms(raw)} before, ${ms(after)} after: ${(cold.completeMs / ((raw + after) / 2)).toFixed(2)}× raw`);
    } finally {
      await backend.stop();
    }
    if (watchList) for (const row of await cheaperReadsRows(cluster, 3)) console.log(`${row.row} ${row.what}: ${row.kubelive} vs ${row.baseline} = ${row.ratio?.toFixed(2)}×`);
  } finally {
    await cluster.stop();
  }
}
