/**
 * A list in the order its header asks for. Without a sort, or by a column that follows the
 * list's own order, the rows are as given (or reversed). By a value, small lists sort on every
 * change; a list that says how to follow its writes (`follow`: the Pods view's 50,000 rows, a
 * kind with tens of thousands of objects) is kept exactly in order by re-placing only the rows
 * written, and sorted afresh only when the values its keys read move (lib/order.ts, SortedRows).
 */
import { useEffect, useMemo } from 'react';
import type { ChangeLog } from '../../adapters/engine/changeLog.js';
import type { Row } from '../../adapters/rows.js';
import type { Column } from '../components/VirtualTable.js';
import { SortedRows, sortByKey, type SortSpec } from '../lib/order.js';

export interface FollowedRows<T> {
  /** The order the rows are given in (total): a sort by value breaks its ties by it. */
  readonly order: (a: T, b: T) => number;
  /** The rows by uid, as the store holds them now. */
  readonly byUid: () => ReadonlyMap<string, T>;
  /** The rows' writes, followed while a sort by value is on (and only then: nobody else takes them). */
  readonly writes: ChangeLog;
}

/** `valuesVersion`: moves when values the sort keys read outside the rows (metrics) change. */
export function useSortedRows<T>(inOrder: readonly T[], columns: readonly Column<T>[], sort: SortSpec | null, valuesVersion: number, follow?: FollowedRows<T>): readonly T[] {
  const sorter = useMemo(() => (follow ? new SortedRows<T & Row>(follow.order as (a: T & Row, b: T & Row) => number) : null), [follow]);
  const column = sort ? columns.find((c) => c.id === sort.column) : undefined;
  const key = column?.sort?.key;
  const rows = useMemo((): readonly T[] => {
    if (!sort || !column?.sort) return inOrder;
    if (!key) return sort.descending ? [...inOrder].reverse() : inOrder;
    if (!sorter || !follow) return sortByKey(inOrder, key, sort.descending);
    const current = follow.byUid() as ReadonlyMap<string, T & Row>;
    return sorter.update(inOrder as readonly (T & Row)[], current, follow.writes.take(), key as (row: T & Row) => number | string, sort.descending, `${sort.column}:${sort.descending}`, valuesVersion);
    // The columns' identity moves every second (they hold the clock); what matters is the sort,
    // the rows and the values.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [inOrder, sort?.column, sort?.descending, valuesVersion, sorter]);

  const byValue = Boolean(follow && key);
  useEffect(() => (byValue && follow ? follow.writes.attach() : undefined), [byValue, follow]);
  return rows;
}
