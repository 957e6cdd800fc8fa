/**
 * Small things the benchmarks and the soak share: a counting WebSocket factory for the Node
 * engine, waiting, seeded randomness, GC and heap readings, and reading a store as
 * `uid@resourceVersion`.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { SocketLike } from '../adapters/engine/engine.js';
import type { RowStore } from '../adapters/engine/store.js';
import { median } from './report.js';

export interface CountingSockets {
  readonly factory: (url: string) => SocketLike;
  readonly opened: number;
  readonly closed: number;
  /** Bytes of every frame received, on every socket so far. */
  readonly bytesIn: number;
  /**
   * When the frames being handled now began to arrive (wall-clock ms, as `wallNow`): the first
   * frame of this turn's socket read. Read in a store notification, it is when the engine's
   * process began on the frames that notification follows.
   */
  readonly framesArrivedAt: number;
}

/** `(url) => new WebSocket(url)` from `ws`, counting sockets and received bytes. */
export function countingSockets(): CountingSockets {
  const counts = { opened: 0, closed: 0, bytesIn: 0, framesArrivedAt: 0 };
  let inTurn = false;
  return {
    factory(url) {
      const ws = new WebSocket(url);
      counts.opened++;
      // Registered before the engine's own handler, so this runs first for every frame.
      ws.on('message', (data: Buffer) => {
        counts.bytesIn += data.length;
        if (inTurn) return;
        inTurn = true;
        counts.framesArrivedAt = wallNow();
        // Queued before any notification the frames cause, so it runs first and leaves the time for it.
        queueMicrotask(() => (inTurn = false));
      });
      ws.on('close', () => counts.closed++);
      return ws as unknown as SocketLike;
    },
    get opened() {
      return counts.opened;
    },
    get closed() {
      return counts.closed;
    },
    get bytesIn() {
      return counts.bytesIn;
    },
    get framesArrivedAt() {
      return counts.framesArrivedAt;
    },
  };
}

/** Wall-clock ms with performance.now()'s resolution, comparable across the bench's processes (the probes' stages are timed in three). */
export const wallNow = (): number => performance.timeOrigin + performance.now();

/** This process's garbage-collection pauses from now on; `take` reads the longest and the sum since the last take, in ms. */
export function gcPauses(): { take(): { maxMs: number; totalMs: number; count: number }; stop(): void } {
  let maxMs = 0;
  let totalMs = 0;
  let count = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      maxMs = Math.max(maxMs, entry.duration);
      totalMs += entry.duration;
      count++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    take() {
      const taken = { maxMs, totalMs, count };
      maxMs = totalMs = count = 0;
      return taken;
    },
    stop: () => observer.disconnect(),
  };
}

/** One garbage-collection pause, wall-clock ms (as `wallNow`). */
export interface GcPause {
  readonly start: number;
  readonly end: number;
}

/** How much of `from` → `to` the pauses held, in ms. */
export function gcOverlapMs(pauses: readonly GcPause[], from: number, to: number): number {
  let held = 0;
  for (const p of pauses) held += Math.max(0, Math.min(to, p.end) - Math.max(from, p.start));
  return held;
}

/**
 * This process's garbage-collection pauses as wall-clock intervals (as `wallNow`), kept from now
 * on: `overlapMs(from, to)` says how much of a stretch a collection held, so a probe's stage can
 * say whether it waited on one. Entries arrive a little after the pause, so ask after the fact.
 */
export function gcTimeline(): { overlapMs(from: number, to: number): number; between(from: number, to: number): GcPause[]; stop(): void } {
  const pauses: GcPause[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const start = performance.timeOrigin + entry.startTime;
      pauses.push({ start, end: start + entry.duration });
    }
    // A window's worth is all any probe asks about: a minute at most.
    while (pauses.length > 0 && pauses[0]!.end < wallNow() - 60_000) pauses.shift();
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    overlapMs: (from, to) => gcOverlapMs(pauses, from, to),
    between: (from, to) => pauses.filter((p) => p.end > from && p.start < to),
    stop: () => observer.disconnect(),
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns something other than undefined/false; null after `timeoutMs`. */
export async function waitUntil<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, everyMs = 20): Promise<T | null> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) return null;
    await sleep(everyMs);
  }
}

/** mulberry32: small, fast and good enough to make a fault schedule repeatable from a seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const gc = (globalThis as { gc?: () => void }).gc;

export const canCollect = typeof gc === 'function';

/** This process's CPU (user and system, all threads) since `since`, in ms. */
export function cpuMsSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

/** Longer than a stopped client's subscription lingers on the backend (`unsubscribeLingerMs`, about 0.5 s). */
export const lingerMs = 1500;

/** Whether `ref`'s object was collected within 30 s of forced collections (`--expose-gc`). */
export async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let i = 0; i < 300; i++) {
    await settledHeap();
    if (ref.deref() === undefined) return true;
    await sleep(100);
  }
  return false;
}

/** Heap in use after two full collections (needs `node --expose-gc`; otherwise as it is). */
export async function settledHeap(): Promise<number> {
  if (gc) {
    gc();
    await sleep(20);
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/**
 * The median of `repeats` settled heap readings a little apart, and their spread: one reading can
 * catch a socket's buffers or a finished request's garbage that the next has let go of.
 */
export async function medianSettledHeap(repeats = 3, apartMs = 200): Promise<{ bytes: number; spread: number }> {
  const readings: number[] = [];
  for (let i = 0; i < repeats; i++) {
    if (i > 0) await sleep(apartMs);
    readings.push(await settledHeap());
  }
  return { bytes: median(readings), spread: Math.max(...readings) - Math.min(...readings) };
}

export function storeVersions(store: RowStore, key: string): string[] {
  return store.rows(key).map((r) => `${r.uid}@${r.resourceVersion}`);
}

export const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
