/**
 * The backend in a child process, for the rows that measure the backend's own event loop: its
 * delay (perf_hooks `monitorEventLoopDelay`) and heap are read here, where only the backend runs,
 * not in the bench process, whose clients decode what the backend sends. The parent
 * (`ServingBackend` in servingBackend.ts) drives it over IPC.
 */
import { Session } from 'node:inspector/promises';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import type { ConfigOverrides } from '../machines/config.js';
import { startBackend, type Backend } from '../server/backend.js';
import type { StreamLimits } from '../server/stream.js';
import { HeldLoop, type HeldLoopReading } from './heldLoop.js';

export type BackendRequest =
  | { op: 'start'; kubeconfigYaml: string; config: ConfigOverrides; limits: Partial<StreamLimits> }
  | { op: 'loopDelay'; restart: boolean }
  | { op: 'heap' }
  | { op: 'cpu' }
  | { op: 'stop' };

/** The loop's delay since the last restart, in ms, and the longest garbage collection in it. */
export interface LoopDelay {
  readonly maxMs: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  /** A collection stops the loop too: this tells a long GC pause from long work of our own. */
  readonly longestGcMs: number;
  /** The same window's holds split into time on a core and time waiting for one (null off Linux). */
  readonly held: HeldLoopReading | null;
}

// 10 ms resolution: blocks of 50 ms and more are what we look for, finer would only add cost.
const histogram = monitorEventLoopDelay({ resolution: 10 });
const heldLoop = new HeldLoop();
let backend: Backend | null = null;
let longestGcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) longestGcMs = Math.max(longestGcMs, entry.duration);
}).observe({ entryTypes: ['gc'] });

/**
 * KUBELIVE_BENCH_PROFILE_DIR=/tmp/prof: the window between a restart of the loop's delay and its
 * next reading is CPU-profiled (1 ms samples) and written there, so the turns that made the delay
 * can be found (`node dist/bench/longTurns.js FILE`) without the start-up and listing around them.
 */
const profileDir = process.env.KUBELIVE_BENCH_PROFILE_DIR;
let profiler: Session | null = null;
let profiles = 0;
/**
 * While profiling, a 2 ms timer notes every time it fired `KUBELIVE_BENCH_HELD_MS` (30 unless
 * set) or more after its previous run: the loop was held in between. The windows (CLOCK_MONOTONIC µs, the profile's own clock) are
 * written beside the profile, so longTurns.js looks at exactly the samples of the long turns.
 */
let held: { fromUs: number; toUs: number }[] = [];
let heldProbe: NodeJS.Timeout | null = null;
const heldOverUs = Number(process.env.KUBELIVE_BENCH_HELD_MS ?? 30) * 1000;
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

function probeHeldLoop(on: boolean): void {
  if (heldProbe) clearInterval(heldProbe);
  heldProbe = null;
  if (!on) return;
  held = [];
  let last = monotonicUs();
  heldProbe = setInterval(() => {
    const now = monotonicUs();
    if (now - last >= heldOverUs) held.push({ fromUs: last, toUs: now });
    last = now;
  }, 2);
}

async function profileWindow(restart: boolean): Promise<void> {
  if (!profileDir) return;
  if (profiler) {
    probeHeldLoop(false);
    const { profile } = await profiler.post('Profiler.stop');
    const name = join(profileDir, `serving-${process.pid}-${++profiles}`);
    await writeFile(`${name}.cpuprofile`, JSON.stringify(profile));
    await writeFile(`${name}.held.json`, JSON.stringify(held));
    profiler.disconnect();
    profiler = null;
  }
  if (!restart) return;
  profiler = new Session();
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.setSamplingInterval', { interval: 1000 });
  await profiler.post('Profiler.start');
  probeHeldLoop(true);
}

/** The heap after forced collections; twice, as the first can leave what the second frees (weak maps, finalizers). */
function settledHeapUsed(): number {
  globalThis.gc?.();
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}

async function answer(request: BackendRequest): Promise<unknown> {
  switch (request.op) {
    case 'start': {
      // Read before the backend exists, so a row can give the backend's growth alone.
      const heapBeforeStartBytes = settledHeapUsed();
      backend = await startBackend({ kubeconfigYaml: request.kubeconfigYaml, port: 0, config: request.config, limits: request.limits });
      histogram.enable();
      return { url: backend.url, heapBeforeStartBytes };
    }
    case 'loopDelay': {
      const delay: LoopDelay = { maxMs: histogram.max / 1e6, p99Ms: histogram.percentile(99) / 1e6, meanMs: histogram.mean / 1e6, longestGcMs, held: heldLoop.reading() };
      await profileWindow(request.restart);
      if (request.restart) {
        histogram.reset();
        longestGcMs = 0;
        heldLoop.restart();
      } else {
        heldLoop.stop();
      }
      return delay;
    }
    case 'heap':
      return { heapUsedBytes: settledHeapUsed() };
    case 'cpu': {
      const cpu = process.cpuUsage();
      return { cpuMicros: cpu.user + cpu.system };
    }
    case 'stop':
      await backend?.stop();
      setImmediate(() => process.exit(0));
      return null;
  }
}

process.on('message', (message: { id: number; request: BackendRequest }) => {
  answer(message.request).then(
    (result) => process.send?.({ id: message.id, ok: true, result }),
    (error: unknown) => process.send?.({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
});
