/**
 * Store sources: the narrow, subscribable views of the engine's RowStore that React reads with
 * useSyncExternalStore. `getSnapshot` must return the same value until something it depends on
 * changes, so each source caches by the collection's identity and version (a dropped and
 * re-created collection is a new object, so its restarted version numbers cannot fool it).
 */
import type { Row } from '../../adapters/rows.js';
import type { RowStore } from '../../adapters/engine/store.js';

export interface ExternalSource<T> {
  subscribe(listener: () => void): () => void;
  getSnapshot(): T;
}

const none: readonly never[] = Object.freeze([]);

/** The rows of one subscription key, as a stable array that changes only when they do. */
export function rowsSource<R extends Row>(store: RowStore, key: string): ExternalSource<readonly R[]> {
  let seen: { collection: unknown; version: number } | null = null;
  let rows: readonly R[] = none;
  return {
    subscribe: (listener) => store.subscribe(listener),
    getSnapshot() {
      const collection = store.collection(key);
      if (!collection) {
        seen = null;
        rows = none;
        return rows;
      }
      if (!seen || seen.collection !== collection || seen.version !== collection.version) {
        seen = { collection, version: collection.version };
        rows = store.rows<R>(key);
      }
      return rows;
    },
  };
}

/** A number that moves whenever any metrics sample changes. */
export function metricsVersionSource(store: RowStore): ExternalSource<number> {
  return { subscribe: (listener) => store.subscribe(listener), getSnapshot: () => store.metricsVersion };
}
