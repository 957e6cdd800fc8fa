/**
 * EnginePool keeps one engine per cluster the page shows: each with its own socket,
 * orchestrator and store, so one cluster's machines, health and fallbacks stand alone and a dead
 * cluster cannot stall another's views (docs/engine.md says why not one shared engine).
 *
 * An engine is held while a view shows its cluster; released by the last holder, it lingers
 * (a quick switch back finds it warm, its rows and proven stream intact) and is then stopped.
 * The pool is subscribable, for the views that list every engine (Diagnostics, the picker).
 */
import type { Engine } from '../../adapters/engine/engine.js';

/** Long enough to switch away and back without a cold start; short enough that a cluster left behind stops costing its backend. */
export const engineLingerMs = 30_000;

/** `null` is the backend's default cluster (an engine that names none on the wire). */
export type ClusterName = string | null;

export interface EnginePool {
  /**
   * The cluster's engine, created if need be. One nobody holds lingers and stops, so a render
   * may ask for it before its effect holds it.
   */
  get(cluster: ClusterName): Engine;
  /** The cluster's engine, created if need be, held until the returned release is called. */
  hold(cluster: ClusterName): { engine: Engine; release: () => void };
  /** The cluster's engine if the pool has one (held or lingering); never creates one. */
  peek(cluster: ClusterName): Engine | undefined;
  /** Every engine the pool runs, in the order they were created. */
  engines(): readonly Engine[];
  subscribe(listener: () => void): () => void;
  /** Stops every engine at once (the page is going away). */
  stop(): void;
}

interface Entry {
  readonly engine: Engine;
  holders: number;
  linger: ReturnType<typeof setTimeout> | null;
}

export interface PoolTimers {
  setTimeout(run: () => void, ms: number): ReturnType<typeof setTimeout>;
  clearTimeout(timer: ReturnType<typeof setTimeout>): void;
}

export function createEnginePool(create: (cluster: ClusterName) => Engine, options: { lingerMs?: number; timers?: PoolTimers } = {}): EnginePool {
  const lingerMs = options.lingerMs ?? engineLingerMs;
  const timers: PoolTimers = options.timers ?? { setTimeout: (run, ms) => setTimeout(run, ms), clearTimeout: (timer) => clearTimeout(timer) };
  const entries = new Map<ClusterName, Entry>();
  const listeners = new Set<() => void>();
  let list: readonly Engine[] = [];
  const changed = () => {
    list = [...entries.values()].map((e) => e.engine);
    for (const listener of [...listeners]) listener();
  };

  function retire(cluster: ClusterName, entry: Entry): void {
    if (entries.get(cluster) !== entry || entry.holders > 0) return;
    entries.delete(cluster);
    entry.engine.stop();
    changed();
  }

  function linger(cluster: ClusterName, entry: Entry): void {
    entry.linger = timers.setTimeout(() => retire(cluster, entry), lingerMs);
  }

  function entryOf(cluster: ClusterName): Entry {
    let entry = entries.get(cluster);
    if (!entry) {
      entry = { engine: create(cluster), holders: 0, linger: null };
      entries.set(cluster, entry);
      linger(cluster, entry);
      changed();
    }
    return entry;
  }

  return {
    get(cluster) {
      return entryOf(cluster).engine;
    },
    hold(cluster) {
      const held = entryOf(cluster);
      held.holders++;
      if (held.linger !== null) {
        timers.clearTimeout(held.linger);
        held.linger = null;
      }
      let released = false;
      return {
        engine: held.engine,
        release() {
          if (released) return;
          released = true;
          held.holders--;
          if (held.holders === 0) linger(cluster, held);
        },
      };
    },
    peek(cluster) {
      return entries.get(cluster)?.engine;
    },
    engines() {
      return list;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop() {
      for (const entry of entries.values()) {
        if (entry.linger !== null) timers.clearTimeout(entry.linger);
        entry.engine.stop();
      }
      entries.clear();
      changed();
    },
  };
}
