/**
 * Rows 12: a kind without a hand-made projection (ConfigMaps), loaded and held the way any kind
 * from discovery is: listed and watched in the API server's Table form, kept as rows of printed
 * cells. The same questions as the pods rows (1 and 6), against the same baseline: a raw GET of
 * the whole list and `JSON.parse`, and the size of that JSON.
 *
 * What runs where, as in production: the backend in a process of its own (`ServingBackend`), the
 * engine in this one, where a browser would run it, and the demo cluster in a third. In one
 * process the engine's parse and the backend's list queue behind each other on one event loop,
 * which no deployment does.
 *
 * Memory is measured as growth only, each figure the heap after something was added minus the
 * heap just before it, each in the process that holds it: the backend's in its own process, from
 * before it started to after its cache listed (the first engine's subscription lingered out), the
 * engine store's here, from before a second engine subscribed to after it held every row.
 * Neither subtracts a later, smaller heap from an earlier one, which is how a figure can come out
 * negative.
 */
import { createEngine, type Engine } from '../adapters/engine/engine.js';
import type { ConfigOverrides } from '../machines/config.js';
import { subscriptionKey, type ResourceDomain } from '../machines/domains.js';
import { apiAgent, rawList, type ApiAccess } from './clients.js';
import { memoryResult, ms, ratioOf, type BenchResult } from './report.js';
import { ServingBackend } from './servingBackend.js';
import { collected, countingSockets, cpuMsSince, lingerMs, settledHeap, sleep, waitUntil } from './support.js';

const domain: ResourceDomain = 'core/v1/configmaps';

/**
 * From subscribing to every row applied: all `count` rows in the store and no longer marked
 * loading, i.e. the snapshot's trail landed and its count and digest held (rows shown while they
 * still arrive are not yet a view of anything). Row 14c waits the same way.
 */
async function loaded(engine: Engine, count: number): Promise<number> {
  const started = performance.now();
  const key = subscriptionKey(domain, '');
  engine.subscribe(domain, '');
  const done = await waitUntil(() => (engine.store.collection(key)?.rows.size ?? 0) >= count && engine.store.collection(key)?.loading === null, 300_000, 5);
  if (!done) throw new Error(`${key} never reached ${count} rows (has ${engine.store.collection(key)?.rows.size ?? 0})`);
  return performance.now() - started;
}

/** A cold load on `backend`: from subscribing to every row applied, with each process's CPU and the backend's worst turn. */
async function coldLoad(backend: ServingBackend, config: ConfigOverrides, count: number) {
  // KUBELIVE_BENCH_PROFILE_DIR profiles the backend over the cold load: from here to the reading below.
  await backend.loopDelay(true);
  const backendCpuBefore = await backend.cpuMicros();
  const engineCpu = process.cpuUsage();
  const cold = createEngine({ server: backend.url, config, socket: countingSockets().factory });
  const coldMs = await loaded(cold, count);
  const engineCpuMs = cpuMsSince(engineCpu);
  // The cold engine lives only in this call: nothing keeps its store alive once stopped.
  const coldStore = new WeakRef(cold.store);
  cold.stop();
  const backendCpuMs = ((await backend.cpuMicros()) - backendCpuBefore) / 1000;
  const loop = await backend.loopDelay(false);
  return { coldMs, engineCpuMs, backendCpuMs, loopMaxMs: loop.maxMs, coldStore };
}

export async function resourceRows(api: ApiAccess, config: ConfigOverrides): Promise<BenchResult[]> {
  const agent = apiAgent(api);
  await rawList(api, agent, '/api/v1/configmaps');
  const rawCpu = process.cpuUsage();
  const t = performance.now();
  const raw = await rawList(api, agent, '/api/v1/configmaps');
  const rawMs = performance.now() - t;
  const rawCpuMs = cpuMsSince(rawCpu);
  agent.destroy();

  const load = (row: string, what: string, took: number, note: string, extra: Record<string, number> = {}): BenchResult => ({
    row,
    what: `initial load, ${raw.items} ConfigMaps (a kind from discovery), ${what}`,
    kubelive: ms(took),
    baseline: `raw GET+parse ${ms(rawMs)}`,
    ratio: ratioOf(took, rawMs),
    target: '≤ 1.5× raw',
    met: took <= 1.5 * rawMs,
    raw: { kubeliveMs: took, rawMs, rawBytes: raw.bytes, items: raw.items, ...extra },
    note,
  });
  const cpu = (c: { backendCpuMs: number; engineCpuMs: number; loopMaxMs: number }) =>
    `CPU: backend ${ms(c.backendCpuMs)}, engine's process ${ms(c.engineCpuMs)}, raw reader ${ms(rawCpuMs)}; the backend's loop held at most ${ms(c.loopMaxMs)}`;
  const per10k = (bytes: number) => (bytes * 10_000) / raw.items;
  const rawBytes = per10k(raw.bytes);
  const memory = (row: string, what: string, bytes: number, note: string) => memoryResult(row, `memory per 10,000 ConfigMaps: ${what}`, bytes, rawBytes, note);

  // Both sides are timed on their second read of this list in this process, each against a cold
  // source: the raw reader's first GET above is its warm-up, and row 12f, a first load through a
  // backend started for it, is the engine's. Row 12 is then a fresh backend with a cold cache and
  // an engine that has shown this kind once before, as the raw reader has read it once before.
  const fresh = await ServingBackend.start(api.kubeconfigYaml, config, {});
  const first = await coldLoad(fresh, config, raw.items).finally(() => fresh.stop());

  const backend = await ServingBackend.start(api.kubeconfigYaml, config, {});
  try {
    const cold = await coldLoad(backend, config, raw.items);
    // The stopped engine's subscription lingers on the backend with what it held for that client.
    await sleep(lingerMs);
    const heapBackend = await backend.heapUsedBytes();
    // The first engine's store is this process's garbage: gone before the second is measured.
    const coldStoreGone = await collected(cold.coldStore);
    const warm = createEngine({ server: backend.url, config, socket: countingSockets().factory });
    const heapBeforeStore = await settledHeap();
    const warmMs = await loaded(warm, raw.items);
    const heapWithStore = await settledHeap();
    warm.stop();
    return [
      load(
        '12',
        'cold backend',
        cold.coldMs,
        `a backend (its own process, started for this load) lists the API server in Table form (2,000 per page) and keeps printed cells while the engine (this process, as a browser would) loads them as they come; timed until every row is applied (count and digest checked); the engine's second load of this kind, as the raw read is the reader's second; ${cpu(cold)}`,
        { backendCpuMs: cold.backendCpuMs, engineCpuMs: cold.engineCpuMs, rawCpuMs, backendLoopMaxMs: cold.loopMaxMs },
      ),
      {
        ...load('12f', 'cold backend, the engine\'s first load of the kind', first.coldMs, `as row 12, before it: the first time this process's engine loads a large Table-form kind (row 12's warm-up); ${cpu(first)}`, {
          backendCpuMs: first.backendCpuMs,
          engineCpuMs: first.engineCpuMs,
          backendLoopMaxMs: first.loopMaxMs,
        }),
        target: 'no target (first use)',
        met: null,
      },
      load('12w', 'backend cache warm', warmMs, 'a second client: snapshot of rows from the backend cache, then the stream'),
      memory('12b', 'backend cache', per10k(heapBackend - backend.heapBeforeStartBytes), 'in the backend process: heap after GC once the cache listed (first engine stopped, its subscription lingered out) minus before the backend started'),
      memory('12e', 'engine store', per10k(heapWithStore - heapBeforeStore), `in the engine's process: heap after GC with a second engine holding every row minus just before it subscribed${coldStoreGone ? '' : ' (the first engine\'s store was NOT collected by then)'}`),
    ];
  } finally {
    await backend.stop();
  }
}
