/**
 * Store sources: the narrow, subscribable views of the engine's RowStore that React reads with
 * useSyncExternalStore, told of changes at most once a frame (perFrame.ts). `getSnapshot` must
 * return the same value until something it depends on changes, so each source caches by the
 * collection's identity and version (a dropped and re-created collection is a new object, so its
 * restarted version numbers cannot fool it).
 */
import type { ColumnDefinition, Row } from '../../adapters/rows.js';
import type { Collection, RowStore } from '../../adapters/engine/store.js';
import { WorkloadUsageTracker, type Usage } from '../../adapters/engine/workloadMetrics.js';
import { ChangeLog } from '../../adapters/engine/changeLog.js';
import { OrderedRows, type RowList } from '../lib/order.js';
import { StatusTally } from '../lib/statusTally.js';
import type { PodRow } from '../../adapters/rows.js';
import type { RowsLoading } from '../lib/loading.js';
import { perFrame, type Subscribe } from './perFrame.js';

export interface ExternalSource<T> {
  subscribe(listener: () => void): () => void;
  getSnapshot(): T;
}

const none: readonly never[] = Object.freeze([]);

const framedStores = new WeakMap<RowStore, Subscribe>();

/** The store's notifications, heard at most once a frame (perFrame.ts): one follower per store, however many sources read it. */
function storeFrames(store: RowStore): Subscribe {
  let framed = framedStores.get(store);
  if (!framed) framedStores.set(store, (framed = perFrame((listener) => store.subscribe(listener))));
  return framed;
}

/**
 * `read(collection, fresh)`, cached until the collection's version moves; `fresh` says the
 * collection is one this source has not read before (first read, or dropped and re-created).
 */
function collectionSource<T>(store: RowStore, key: string, empty: T, read: (collection: Collection, fresh: boolean) => T): ExternalSource<T> {
  let seen: { collection: Collection; version: number } | null = null;
  let value = empty;
  return {
    subscribe: storeFrames(store),
    getSnapshot() {
      const collection = store.collection(key);
      if (!collection) {
        seen = null;
        value = empty;
      } else if (!seen || seen.collection !== collection || seen.version !== collection.version) {
        const fresh = seen?.collection !== collection;
        seen = { collection, version: collection.version };
        value = read(collection, fresh);
      }
      return value;
    },
  };
}

/** The rows of one subscription key, as a stable array that changes only when they do. */
export function rowsSource<R extends Row>(store: RowStore, key: string): ExternalSource<readonly R[]> {
  return collectionSource<readonly R[]>(store, key, none, () => store.rows<R>(key));
}

/**
 * The rows of one subscription key in `order`, kept in order incrementally (see lib/order.ts):
 * the order must depend only on what never changes for a uid. While React listens, the source
 * follows the store's writes and re-places only the rows written, in the same array: what React
 * compares is the RowList, a new one whenever the version moves.
 */
export function orderedRowsSource<R extends Row>(store: RowStore, key: string, order: (a: R, b: R) => number): ExternalSource<RowList<R>> {
  const log = new ChangeLog(store, key);
  let ordered = new OrderedRows<R>(order);
  const empty: RowList<R> = { rows: none, version: 0 };
  let last = empty;
  const source = collectionSource<RowList<R>>(store, key, empty, (collection, fresh) => {
    const changed = log.take();
    if (fresh) ordered = new OrderedRows<R>(order);
    ordered.update(collection.rows as ReadonlyMap<string, R>, fresh ? 'all' : changed);
    if (last.rows !== ordered.rows || last.version !== ordered.version) last = { rows: ordered.rows, version: ordered.version };
    return last;
  });
  return { subscribe: followingWrites([log], source.subscribe), getSnapshot: source.getSnapshot };
}

/** The pods' statuses by count (lib/statusTally.ts), re-counting only the pods written while React listens. */
export function statusCountsSource(store: RowStore, key: string): ExternalSource<readonly [string, number][]> {
  const log = new ChangeLog(store, key);
  let tally = new StatusTally();
  const source = collectionSource<readonly [string, number][]>(store, key, none, (collection, fresh) => {
    const changed = log.take();
    if (fresh) tally = new StatusTally();
    return tally.update(collection.rows as ReadonlyMap<string, PodRow>, fresh ? 'all' : changed);
  });
  return { subscribe: followingWrites([log], source.subscribe), getSnapshot: source.getSnapshot };
}

/**
 * A subscribe that also attaches `logs` to the store's writes while someone listens: a source
 * React dropped must not stay subscribed to every write for the life of the page.
 */
function followingWrites(logs: readonly { attach(): () => void }[], subscribe: (listener: () => void) => () => void): (listener: () => void) => () => void {
  return (listener) => {
    const detach = logs.map((log) => log.attach());
    const unsubscribe = subscribe(listener);
    return () => {
      unsubscribe();
      for (const d of detach) d();
    };
  };
}

/** Each workload's summed pod usage, by uid: a new map only when a total moved. */
export function workloadUsageSource(store: RowStore, podsKey: string, workloadsKey: string): ExternalSource<ReadonlyMap<string, Usage>> {
  const tracker = new WorkloadUsageTracker(store, podsKey, workloadsKey);
  return { subscribe: followingWrites([tracker], storeFrames(store)), getSnapshot: () => tracker.read() };
}

/** A number that moves whenever any metrics sample changes. */
export function metricsVersionSource(store: RowStore): ExternalSource<number> {
  return { subscribe: storeFrames(store), getSnapshot: () => store.metricsVersion };
}

/** A resource domain's columns, as the store keeps them beside its rows (null before the first snapshot, and for built-in domains). */
export function columnsSource(store: RowStore, key: string): ExternalSource<readonly ColumnDefinition[] | null> {
  return collectionSource<readonly ColumnDefinition[] | null>(store, key, null, (collection) => collection.columns);
}

/** How many rows one subscription key holds: a number, so nothing is copied to count them. */
export function rowCountSource(store: RowStore, key: string): ExternalSource<number | null> {
  return collectionSource<number | null>(store, key, null, (collection) => collection.rows.size);
}

/**
 * Whether one subscription key's rows are still arriving (a cold view's first list, shown as it
 * comes) and how far: null once the whole, verified snapshot is applied. A new object only when
 * the progress moves, so a view re-renders as pages land and once more when the mark goes.
 */
export function loadingSource(store: RowStore, key: string): ExternalSource<RowsLoading | null> {
  let last: RowsLoading | null = null;
  return collectionSource<RowsLoading | null>(store, key, null, (collection) => {
    const now = collection.loading;
    if (now === null) return (last = null);
    if (last === null || last.received !== now.received || last.count !== now.count) last = { received: now.received, count: now.count };
    return last;
  });
}
