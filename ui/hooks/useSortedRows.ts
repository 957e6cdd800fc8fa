/**
 * A list in the order its header asks for. Without a sort, or by a column that follows the
 * list's own order, the rows are as given (or reversed). By a value, small lists sort on every
 * change; a list given a `budget` (the Pods view's 50,000 rows) sorts at most once per
 * `budget.ms` and keeps rows in place between sorts (lib/order.ts, SortedOnABudget), re-rendering
 * when the budget allows the next sort.
 */
import { useEffect, useMemo, useState } from 'react';
import type { ChangeLog } from '../../adapters/engine/changeLog.js';
import type { Row } from '../../adapters/rows.js';
import type { Column } from '../components/VirtualTable.js';
import { SortedOnABudget, sortByKey, type SortSpec } from '../lib/order.js';

export interface SortBudget<T> {
  readonly ms: number;
  /** The rows by uid, as the store holds them now. */
  readonly byUid: () => ReadonlyMap<string, T>;
  /** The rows' writes, followed while a sort by value is on (and only then: nobody else takes them). */
  readonly writes: ChangeLog;
}

/** `valuesVersion`: moves when values the sort keys read outside the rows (metrics) change. */
export function useSortedRows<T>(inOrder: readonly T[], columns: readonly Column<T>[], sort: SortSpec | null, valuesVersion: number, budget?: SortBudget<T>): readonly T[] {
  const sorter = useMemo(() => (budget ? new SortedOnABudget<T & Row>(budget.ms) : null), [budget?.ms]);
  const [catchUps, setCatchUps] = useState(0);
  const column = sort ? columns.find((c) => c.id === sort.column) : undefined;
  const key = column?.sort?.key;
  const result = useMemo((): { rows: readonly T[]; staleForMs: number | null } => {
    if (!sort || !column?.sort) return { rows: inOrder, staleForMs: null };
    if (!key) return { rows: sort.descending ? [...inOrder].reverse() : inOrder, staleForMs: null };
    if (!sorter || !budget) return { rows: sortByKey(inOrder, key, sort.descending), staleForMs: null };
    const rows = inOrder as readonly (T & Row)[];
    const byUid = budget.byUid() as ReadonlyMap<string, T & Row>;
    return sorter.update(rows, byUid, budget.writes.take(), key as (row: T & Row) => number | string, sort.descending, `${sort.column}:${sort.descending}`, performance.now());
    // The columns' identity moves every second (they hold the clock); what matters is the sort,
    // the rows, the values and the catch-up ticks.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [inOrder, sort?.column, sort?.descending, valuesVersion, catchUps, sorter]);

  const byValue = Boolean(budget && key);
  useEffect(() => (byValue && budget ? budget.writes.attach() : undefined), [byValue, budget]);

  useEffect(() => {
    if (result.staleForMs === null) return;
    const timer = setTimeout(() => setCatchUps((n) => n + 1), result.staleForMs);
    return () => clearTimeout(timer);
  }, [result]);
  return result.rows;
}
