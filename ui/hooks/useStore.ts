/**
 * Rows and metrics from the engine's RowStore through useSyncExternalStore. The sources cache by
 * collection identity and version, so a component re-renders only when its own rows change (or,
 * for metrics, when any sample does).
 */
import { useMemo, useSyncExternalStore } from 'react';
import type { ColumnDefinition, Row } from '../../adapters/rows.js';
import type { Usage } from '../../adapters/engine/workloadMetrics.js';
import { columnsSource, loadingSource, metricsVersionSource, rowCountSource, orderedRowsSource, rowsSource, statusCountsSource, workloadUsageSource } from '../state/storeSources.js';
import type { RowsLoading } from '../lib/loading.js';
import type { RowList } from '../lib/order.js';
import { useEngine } from './engine.js';

export function useRows<R extends Row>(key: string): readonly R[] {
  const { store } = useEngine();
  const source = useMemo(() => rowsSource<R>(store, key), [store, key]);
  return useSyncExternalStore(source.subscribe, source.getSnapshot, source.getSnapshot);
}

/**
 * The rows of one key in `order`, which must be a stable function (module-level) depending only
 * on fields that never change for a uid: the rows are kept in order without re-sorting them, in
 * one array written in place. Compare the RowList (or its version), never the array.
 */
export function useOrderedRows<R extends Row>(key: string, order: (a: R, b: R) => number): RowList<R> {
  const { store } = useEngine();
  const source = useMemo(() => orderedRowsSource<R>(store, key, order), [store, key, order]);
  return useSyncExternalStore(source.subscribe, source.getSnapshot, source.getSnapshot);
}

export function useMetricsVersion(): number {
  const { store } = useEngine();
  const source = useMemo(() => metricsVersionSource(store), [store]);
  return useSyncExternalStore(source.subscribe, source.getSnapshot, source.getSnapshot);
}

/** Each workload's pods' summed usage by workload uid, kept current without re-summing every pod. */
export function useWorkloadUsage(podsKey: string, workloadsKey: string): ReadonlyMap<string, Usage> {
  const { store } = useEngine();
  const source = useMemo(() => workloadUsageSource(store, podsKey, workloadsKey), [store, podsKey, workloadsKey]);
  return useSyncExternalStore(source.subscribe, source.getSnapshot, source.getSnapshot);
}

/** The pods of one key's statuses by count, most first: kept current pod by pod. */
export function useStatusCounts(podsKey: string): readonly [string, number][] {
  const { store } = useEngine();
  const source = useMemo(() => statusCountsSource(store, podsKey), [store, podsKey]);
  return useSyncExternalStore(source.subscribe, source.getSnapshot, source.getSnapshot);
}

/** A resource domain's columns (Table `columnDefinitions`), kept beside its rows. */
export function useColumns(key: string): readonly ColumnDefinition[] | null {
  const { store } = useEngine();
  const source = useMemo(() => columnsSource(store, key), [store, key]);
  return useSyncExternalStore(source.subscribe, source.getSnapshot, source.getSnapshot);
}

/** How many rows a key holds now; null while it holds none (not subscribed, or not loaded yet). */
export function useRowCount(key: string | null): number | null {
  const { store } = useEngine();
  const source = useMemo(() => (key === null ? null : rowCountSource(store, key)), [store, key]);
  const none = useMemo(() => ({ subscribe: () => () => {}, getSnapshot: () => null }), []);
  const active = source ?? none;
  return useSyncExternalStore(active.subscribe, active.getSnapshot, active.getSnapshot);
}

/** Whether a key's rows are still arriving, and how far (lib/loading.ts); null once whole, or for no key. */
export function useLoading(key: string | null): RowsLoading | null {
  const { store } = useEngine();
  const source = useMemo(() => (key === null ? null : loadingSource(store, key)), [store, key]);
  const none = useMemo(() => ({ subscribe: () => () => {}, getSnapshot: () => null }), []);
  const active = source ?? none;
  return useSyncExternalStore(active.subscribe, active.getSnapshot, active.getSnapshot);
}
