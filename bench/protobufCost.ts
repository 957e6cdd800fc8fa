/**
 * What serving pods in protobuf costs the demo cluster (docs/demo-cluster.md, "Pods in
 * protobuf"), in two parts:
 *
 * `--part encode`: in this process, µs to encode a fresh pod (nothing of it seen before) and a
 * load beat (a new metadata sharing spec, status, labels and owner references with the version
 * before, as load.ts makes them), in protobuf (the full encoding a watch embeds) and, beside it,
 * JSON.stringify of the same objects.
 *
 * `--part watch --format json|protobuf`: the row 2 cluster (10,000 pods, window 102,400) in a
 * child process, one raw watch of all pods read here and thrown away after counting its events,
 * the load source at `--rate` for `--seconds`; prints the rate made, the cluster's CPU (% of a
 * core) over the window, whether the watch got every change and how long after the load
 * stopped it had them. Run the formats alternately, under the bench lock.
 */
import { request } from 'node:https';
import { parseArgs } from 'node:util';
import { ChildCluster } from './cluster.js';
import { sleep, waitUntil } from './support.js';
import type { KubeObject } from '../demo-cluster/store.js';

const { values } = parseArgs({ options: { part: { type: 'string' }, format: { type: 'string' }, rate: { type: 'string' }, seconds: { type: 'string' }, pods: { type: 'string' } } });
const part = values.part ?? 'encode';
const pods = Number(values.pods ?? 10_000);

/** µs per call of `f` over `objects`, the best of five passes (the others pay for warm-up and GC). */
function microsEach(objects: readonly KubeObject[], f: (o: KubeObject) => unknown): number {
  let best = Infinity;
  for (let pass = 0; pass < 5; pass++) {
    const start = process.hrtime.bigint();
    for (const o of objects) f(o);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1000 / objects.length);
  }
  return +best.toFixed(2);
}

async function encodeCost(): Promise<void> {
  // Imported here so the watch part also runs from a build without podProtobuf.ts (the A of an A/B).
  const { startDemoCluster } = await import('../demo-cluster/index.js');
  const { encodePodEnvelope } = await import('../demo-cluster/podProtobuf.js');
  const cluster = await startDemoCluster({ nodes: 50, pods, namespaces: 10, seed: 8, churn: 0 });
  try {
    const stored = cluster.listObjects('pods') as KubeObject[];
    // Fresh: deep copies, so no part of any was encoded before; each pass gets copies of its own.
    const fresh = (f: (o: KubeObject) => unknown): number => {
      let best = Infinity;
      for (let pass = 0; pass < 5; pass++) {
        const objects = stored.map((p) => structuredClone(p));
        const start = process.hrtime.bigint();
        for (const o of objects) f(o);
        best = Math.min(best, Number(process.hrtime.bigint() - start) / 1000 / objects.length);
      }
      return +best.toFixed(2);
    };
    const freshProtobuf = fresh(encodePodEnvelope);
    const freshJson = fresh((o) => JSON.stringify(o));
    // Beats: each stored pod encoded once (its spec and status kept), then new versions as `beat` makes them.
    for (const p of stored) encodePodEnvelope(p);
    let count = 0;
    const beats = (): KubeObject[] => stored.map((p) => ({ ...p, metadata: { ...p.metadata, annotations: { ...p.metadata.annotations, 'bench.kubelive.dev/beat': String(++count) }, resourceVersion: String(1_000_000 + count) } }));
    const beatProtobuf = microsEach(beats(), encodePodEnvelope);
    const beatJson = microsEach(beats(), (o) => JSON.stringify(o));
    const sample = stored[0]!;
    console.log(JSON.stringify({ pods: stored.length, podBytes: { protobuf: encodePodEnvelope(sample).length, json: JSON.stringify(sample).length }, microsPerFreshPod: { protobuf: freshProtobuf, json: freshJson }, microsPerBeat: { protobuf: beatProtobuf, json: beatJson } }));
  } finally {
    await cluster.stop();
  }
}

/** Counts a watch's events as they arrive: JSON lines, or protobuf frames by their 4-byte lengths. */
function countEvents(cluster: ChildCluster, protobuf: boolean): { count: () => number; close: () => void } {
  let events = 0;
  let pending: Buffer = Buffer.alloc(0);
  const req = request(`${cluster.url}/api/v1/pods?watch=1&resourceVersion=0`, {
    ca: cluster.caPem,
    headers: { Authorization: `Bearer ${cluster.token}`, Accept: protobuf ? 'application/vnd.kubernetes.protobuf,application/json' : 'application/json' },
  });
  req.on('response', (res) => {
    res.on('data', (chunk: Buffer) => {
      if (!protobuf) {
        for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) events++;
        return;
      }
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let at = 0;
      while (pending.length - at >= 4 && pending.length - at >= 4 + pending.readUInt32BE(at)) {
        at += 4 + pending.readUInt32BE(at);
        events++;
      }
      pending = pending.subarray(at);
    });
  });
  req.on('error', () => undefined);
  req.end();
  return { count: () => events, close: () => req.destroy() };
}

async function watchCost(): Promise<void> {
  const protobuf = values.format === 'protobuf';
  const rate = Number(values.rate ?? 20_000);
  const seconds = Number(values.seconds ?? 10);
  const cluster = await ChildCluster.start({ nodes: 50, pods, namespaces: 10, seed: 8, watchWindow: 102_400 });
  try {
    const watch = countEvents(cluster, protobuf);
    await waitUntil(() => watch.count() >= pods || undefined, 60_000);
    await sleep(1000);
    const start = watch.count();
    const before = await cluster.stats();
    const wallFrom = performance.now();
    await cluster.setChurn(rate, 'load');
    await sleep(seconds * 1000);
    const during = await cluster.stats();
    const receivedDuring = watch.count() - start;
    await cluster.setChurn(0);
    const stopped = performance.now();
    const after = await cluster.stats();
    const made = after.podChanges - before.podChanges;
    const caughtUp = await waitUntil(() => watch.count() - start >= made || undefined, 30_000, 5);
    const lagMs = caughtUp ? Math.round(performance.now() - stopped) : null;
    const windowMs = during.atMs - before.atMs;
    console.log(
      JSON.stringify({
        format: protobuf ? 'protobuf' : 'json',
        rate,
        madePerSecond: Math.round(((during.churnOps - before.churnOps) / windowMs) * 1000),
        clusterCpuPercent: +(((during.cpuMicros - before.cpuMicros) / 1000 / (performance.now() - wallFrom - 0)) * 100).toFixed(1),
        clusterMicrosPerChange: +((during.cpuMicros - before.cpuMicros) / (during.podChanges - before.podChanges)).toFixed(2),
        receivedDuringPercent: +((receivedDuring / (during.podChanges - before.podChanges)) * 100).toFixed(1),
        allReceived: caughtUp !== null,
        lagAfterStopMs: lagMs,
        loopDelayMaxMs: during.loopDelayMaxMs,
        gcTotalMs: during.gcTotalMs,
      }),
    );
    watch.close();
  } finally {
    await cluster.stop();
  }
}

if (part === 'encode') await encodeCost();
else await watchCost();
