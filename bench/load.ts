/**
 * Rows measured on a large, quiet cluster: initial load (1), metrics merge (5), memory (6) and
 * the cost of polling an unchanged domain (7).
 *
 * Memory is measured as growth only, as rows 12 are (resources.ts): the backend's from before it
 * started to once its cache listed (the first engine stopped), the engine store's from just
 * before a second engine subscribed to once it held every pod. The engine's figure used to be
 * the heap with both minus the heap after the engine stopped, which came out negative when
 * stopping left more garbage uncollected than the store had held.
 */
import { RowStore } from '../adapters/engine/store.js';
import { createEngine, type Engine } from '../adapters/engine/engine.js';
import type { MetricsBody } from '../adapters/protocol.js';
import type { ConfigOverrides } from '../machines/config.js';
import { startBackend, type Backend } from '../server/backend.js';
import { apiAgent, clientNodeList, kubeConfigOf, rawList, type ApiAccess } from './clients.js';
import { kb, median, memoryResult, ms, ratioOf, type BenchResult } from './report.js';
import { collected, countingSockets, cpuMsSince, lingerMs, medianSettledHeap, settledHeap, sleep, waitUntil } from './support.js';

async function fullStore(engine: Engine, key: string, count: number): Promise<number> {
  const started = performance.now();
  const [domain, scope] = key.split(':') as ['pods', string];
  engine.subscribe(domain, scope);
  const done = await waitUntil(() => (engine.store.collection(key)?.rows.size ?? 0) >= count, 300_000, 5);
  if (!done) throw new Error(`${key} never reached ${count} rows`);
  return performance.now() - started;
}

export async function loadRows(api: ApiAccess, pods: number, config: ConfigOverrides): Promise<BenchResult[]> {
  const agent = apiAgent(api);
  const kc = kubeConfigOf(api);
  const results: BenchResult[] = [];

  // ---- 1. initial load: baselines first, each once to warm up and then timed ----------------
  await rawList(api, agent, '/api/v1/pods');
  let t = performance.now();
  const raw = await rawList(api, agent, '/api/v1/pods');
  const rawMs = performance.now() - t;
  t = performance.now();
  const listed = await clientNodeList(kc);
  const clientNodeMs = performance.now() - t;
  agent.destroy();

  const heapBefore = await medianSettledHeap();
  const backend: Backend = await startBackend({ kubeconfigYaml: api.kubeconfigYaml, port: 0, config });
  let engine: Engine | null = createEngine({ server: backend.url, config, socket: countingSockets().factory });
  const coldMs = await fullStore(engine, 'pods:', raw.items);
  // The backend's figure must not hold the first engine's store: wait until it is collected.
  const firstStore = new WeakRef(engine.store);
  engine.stop();
  engine = null;
  // The stopped engine's subscription lingers on the backend (about half a second) with what it
  // held for that client: wait it out, and until the first engine's store is collected, so the
  // row measures the cache and not a client's leftovers.
  await sleep(lingerMs);
  const firstStoreGone = await collected(firstStore);
  const heapBackend = await medianSettledHeap();
  // A second client (a browser reload) finds the backend's cache listed.
  const warm = createEngine({ server: backend.url, config, socket: countingSockets().factory });
  const heapBeforeStore = await settledHeap();
  const warmMs = await fullStore(warm, 'pods:', raw.items);
  const heapWithStore = await settledHeap();
  warm.stop();

  results.push({
    row: '1',
    what: `initial load, ${raw.items} pods, cold backend`,
    kubelive: ms(coldMs),
    baseline: `raw GET+parse ${ms(rawMs)}`,
    ratio: ratioOf(coldMs, rawMs),
    target: '≤ 1.5× raw',
    met: coldMs <= 1.5 * rawMs,
    raw: { kubeliveColdMs: coldMs, kubeliveWarmMs: warmMs, rawMs, rawBytes: raw.bytes, clientNodePaginatedMs: clientNodeMs, clientNodeItems: listed.items },
    note: `cold = the backend lists the API server (500 per page) and projects rows, then the engine loads them; client-node's paginated list took ${ms(clientNodeMs)} (${ratioOf(clientNodeMs, rawMs)!.toFixed(2)}× raw)`,
  });
  results.push({
    row: '1w',
    what: `initial load, ${raw.items} pods, backend cache warm`,
    kubelive: ms(warmMs),
    baseline: `raw GET+parse ${ms(rawMs)}`,
    ratio: ratioOf(warmMs, rawMs),
    target: '≤ 1.5× raw',
    met: warmMs <= 1.5 * rawMs,
    raw: { kubeliveWarmMs: warmMs, rawMs },
    note: 'a second client or a reload: snapshot of rows from the backend cache, then the stream',
  });

  // ---- 6. memory per 10,000 pods -------------------------------------------------------------
  const per10k = (bytes: number) => (bytes * 10_000) / raw.items;
  const backendBytes = per10k(heapBackend.bytes - heapBefore.bytes);
  const engineBytes = per10k(heapWithStore - heapBeforeStore);
  const rawBytes = per10k(raw.bytes);
  // Issue 14: each at most 0.3× the raw JSON.
  const memory = (row: string, what: string, bytes: number, note: string) => memoryResult(row, `memory per 10,000 pods: ${what}`, bytes, rawBytes, note, 0.3);
  const firstEngine = firstStoreGone ? 'first engine stopped, its subscription lingered out and its store collected' : 'first engine stopped, but its store was NOT collected within 30 s, so this includes it';
  const backendRow = memory('6', 'backend cache', backendBytes, `growth only: median of 3 heap readings after GC once the cache listed (${firstEngine}) minus the same before the backend started (includes the resume ring and the kube client); readings spread ${kb(per10k(heapBefore.spread))} before, ${kb(per10k(heapBackend.spread))} after, per 10,000 pods`);
  results.push({ ...backendRow, raw: { ...backendRow.raw, spreadBeforePer10k: per10k(heapBefore.spread), spreadAfterPer10k: per10k(heapBackend.spread) } });
  results.push(memory('6e', 'engine store', engineBytes, 'growth only: heap after GC with a second engine holding every pod minus just before it subscribed (rows, machines, socket), so it cannot go negative'));

  // ---- 5. metrics merge ----------------------------------------------------------------------
  const body = await (await fetch(`${backend.url}api/v1/metrics/pod-metrics?scope=`)).text();
  t = performance.now();
  const metrics = JSON.parse(body) as MetricsBody;
  const parseMs = performance.now() - t;
  const store = new RowStore();
  const tickMs: number[] = [];
  const unchangedMs: number[] = [];
  // Each tick a new sample for every pod (timestamps move on), as after metrics-server's resolution.
  // 35 ticks, so the sparkline history (30 samples) is full for the last ones we time.
  const ticks = 35;
  for (let tick = 0; tick < ticks; tick++) {
    const items = metrics.items.map((m) => ({ ...m, timestamp: new Date(Date.parse(m.timestamp ?? '2026-01-01T00:00:00Z') + tick * 15_000).toISOString() }));
    t = performance.now();
    store.applyMetrics('pod', items);
    tickMs.push(performance.now() - t);
    t = performance.now();
    store.applyMetrics('pod', items);
    unchangedMs.push(performance.now() - t);
  }
  const steady = tickMs.slice(-5);
  const mergeMs = median(steady);
  results.push({
    row: '5',
    what: `metrics merge, ${metrics.items.length} pod samples per tick`,
    kubelive: ms(mergeMs),
    baseline: `JSON.parse of the body ${ms(parseMs)}`,
    ratio: ratioOf(mergeMs, parseMs),
    target: '≤ 25 ms',
    met: mergeMs <= 25,
    raw: { mergeMedianMs: mergeMs, mergeMaxMs: Math.max(...steady), firstTickMs: tickMs[0]!, secondTickMs: tickMs[1]!, unchangedTickMs: median(unchangedMs), parseMs, samples: metrics.items.length, bodyBytes: body.length },
    note: `every sample new, history full (median of the last 5 of ${ticks} ticks; the first took ${ms(tickMs[0]!)}, the second ${ms(tickMs[1]!)}); a tick whose samples did not move takes ${ms(median(unchangedMs))}`,
  });

  // ---- 7. cost when idle: ETag poll of an unchanged domain against a full snapshot -----------
  const snapshotUrl = `${backend.url}api/v1/snapshot/pods?scope=`;
  const full = { bytes: 0, cpu: 0, ms: 0 };
  const polls = { bytes: 0, cpu: 0, ms: 0 };
  let etag = '';
  const fullRuns = 3;
  const pollRuns = 30;
  await (await fetch(snapshotUrl)).text();
  for (let i = 0; i < fullRuns; i++) {
    const cpu = process.cpuUsage();
    t = performance.now();
    const response = await fetch(snapshotUrl);
    const text = await response.text();
    JSON.parse(text);
    full.ms += performance.now() - t;
    full.cpu += cpuMsSince(cpu);
    full.bytes += Buffer.byteLength(text);
    etag = response.headers.get('etag') ?? '';
  }
  for (let i = 0; i < pollRuns; i++) {
    const cpu = process.cpuUsage();
    t = performance.now();
    const response = await fetch(snapshotUrl, { headers: { 'if-none-match': etag } });
    const text = await response.text();
    if (response.status !== 304) {
      const said = response.status === 200 ? (JSON.parse(text) as { upstream?: { state?: string; reason?: string }; source?: string; generation?: number }) : {};
      throw new Error(`an unchanged domain answered ${response.status}, not 304 (poll ${i + 1}: sent ${etag}, got ${response.headers.get('etag')}; source ${said.source}, upstream ${said.upstream?.state} ${said.upstream?.reason ?? ''})`);
    }
    polls.ms += performance.now() - t;
    polls.cpu += cpuMsSince(cpu);
    polls.bytes += Buffer.byteLength(text);
  }
  const pollCpu = polls.cpu / pollRuns;
  const fullCpu = full.cpu / fullRuns;
  results.push({
    row: '7',
    what: `idle poll (304) of ${raw.items} pods, CPU per poll`,
    kubelive: `${ms(pollCpu)} CPU, ${polls.bytes / pollRuns} B body, ${ms(polls.ms / pollRuns)} wall`,
    baseline: `full snapshot ${ms(fullCpu)} CPU, ${kb(full.bytes / fullRuns)}`,
    ratio: ratioOf(pollCpu, fullCpu),
    target: 'no target (cost report)',
    met: null,
    raw: { pollCpuMs: pollCpu, pollWallMs: polls.ms / pollRuns, pollBodyBytes: polls.bytes / pollRuns, fullCpuMs: fullCpu, fullWallMs: full.ms / fullRuns, fullBytes: full.bytes / fullRuns },
    note: 'CPU of backend and client together (one process); bytes are bodies (headers are ~200 B either way)',
  });

  await backend.stop();
  return results;
}
