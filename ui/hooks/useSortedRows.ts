/**
 * A list in the order its header asks for. Without a sort, or by a column that follows the
 * list's own order, the rows are as given (or reversed). By a value, small lists sort on every
 * change (`useSortedRows`); a list that says how to follow its writes (`useSortedList`: the Pods
 * view's 50,000 rows, a kind with tens of thousands of objects) is kept exactly in order by
 * re-placing only the rows written, in place, and sorted afresh only when the values its keys
 * read move (lib/order.ts, SortedRows).
 */
import { useEffect, useMemo } from 'react';
import type { ChangeLog } from '../../adapters/engine/changeLog.js';
import type { Row } from '../../adapters/rows.js';
import type { Column } from '../components/VirtualTable.js';
import { SortedRows, sortByKey, type RowList, type SortSpec, type ValuesMoved } from '../lib/order.js';

export interface FollowedRows<T> {
  /** The order the rows are given in (total): a sort by value breaks its ties by it. */
  readonly order: (a: T, b: T) => number;
  /** The rows by uid, as the store holds them now. */
  readonly byUid: () => ReadonlyMap<string, T>;
  /** The rows' writes, followed while a sort by value is on (and only then: nobody else takes them). */
  readonly writes: ChangeLog;
  /** Whose values the sort keys read outside the rows moved (metrics), followed as `writes` are; without it a move sorts afresh. */
  readonly values?: { attach(): () => void; take(): ValuesMoved<T> };
}

/** `valuesVersion`: moves when values the sort keys read outside the rows (metrics) change. */
export function useSortedRows<T>(inOrder: readonly T[], columns: readonly Column<T>[], sort: SortSpec | null, valuesVersion: number): readonly T[] {
  const column = sort ? columns.find((c) => c.id === sort.column) : undefined;
  const key = column?.sort?.key;
  return useMemo((): readonly T[] => {
    if (!sort || !column?.sort) return inOrder;
    if (!key) return sort.descending ? [...inOrder].reverse() : inOrder;
    return sortByKey(inOrder, key, sort.descending);
    // The columns' identity moves every second (they hold the clock); what matters is the sort,
    // the rows and the values.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [inOrder, sort?.column, sort?.descending, valuesVersion]);
}

/**
 * A large list (a RowList kept in place, useOrderedRows) in the order its header asks for, as a
 * RowList too: by a value, its SortedRows writes one array in place and the version says when.
 */
export function useSortedList<T extends Row>(list: RowList<T>, columns: readonly Column<T>[], sort: SortSpec | null, valuesVersion: number, follow: FollowedRows<T>): RowList<T> {
  const sorter = useMemo(() => new SortedRows<T>(follow.order), [follow]);
  const column = sort ? columns.find((c) => c.id === sort.column) : undefined;
  const key = column?.sort?.key;
  const sorted = useMemo((): RowList<T> => {
    if (!sort || !column?.sort) return list;
    // The list's own order reversed: a copy, as only a sort by name descending asks for it.
    if (!key) return sort.descending ? { rows: [...list.rows].reverse(), version: list.version } : list;
    const rows = sorter.update(list.rows, follow.byUid(), follow.writes.take(), key, sort.descending, `${sort.column}:${sort.descending}`, valuesVersion, follow.values?.take());
    return { rows, version: sorter.version };
    // As above: the columns' identity moves every second.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [list, sort?.column, sort?.descending, valuesVersion, sorter]);

  const byValue = Boolean(key);
  useEffect(() => (byValue ? follow.writes.attach() : undefined), [byValue, follow]);
  useEffect(() => (byValue ? follow.values?.attach() : undefined), [byValue, follow]);
  return sorted;
}
