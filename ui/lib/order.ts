/**
 * Lists kept in order across updates without sorting them again. Sorting 50,000 pods costs a
 * browser tens of milliseconds, and a churning cluster changes the list many times a second, so
 * re-sorting on every change dropped frames while the list scrolled (bench row 9); so did a pass
 * that only looked every row up again. Both structures here take the uids written since their
 * last update (adapters/engine/changeLog.ts) and touch only those, plus one copy of the list for
 * React; `'all'` (rows replaced, or changes unknown) sorts afresh.
 */
import type { Changed } from '../../adapters/engine/changeLog.js';
import type { Row } from '../../adapters/rows.js';

/**
 * Rows in an order over what never changes for an object's uid (namespace and name: Kubernetes
 * does not rename objects; a pod re-created under the same name has a new uid). A changed row
 * keeps its place, found by binary search; a new one is inserted at its place; a gone one leaves.
 * `compare` must be total (podOrder breaks ties by uid).
 */
export class OrderedRows<R extends Row> {
  private order: R[] = [];
  /** Each row as placed, to find a deleted row's place by its key. */
  private placed = new Map<string, R>();
  private output: R[] = [];

  constructor(private readonly compare: (a: R, b: R) => number) {}

  update(current: ReadonlyMap<string, R>, changed: Changed): R[] {
    if (changed === 'all') return this.sortAfresh(current);
    if (changed.size === 0) return this.output;
    for (const uid of changed) {
      const before = this.placed.get(uid);
      const now = current.get(uid);
      if (before) {
        const at = this.indexOf(before);
        if (at < 0) return this.sortAfresh(current); // cannot happen with a total order; never guess
        if (now) this.order[at] = now;
        else this.order.splice(at, 1);
      } else if (now) {
        this.order.splice(this.insertionPoint(now), 0, now);
      }
      if (now) this.placed.set(uid, now);
      else this.placed.delete(uid);
    }
    this.output = this.order.slice();
    return this.output;
  }

  private sortAfresh(current: ReadonlyMap<string, R>): R[] {
    this.order = [...current.values()].sort(this.compare);
    this.placed = new Map(current);
    this.output = this.order.slice();
    return this.output;
  }

  /** The first index whose row does not sort before `row`. */
  private insertionPoint(row: R): number {
    let low = 0;
    let high = this.order.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.compare(this.order[middle]!, row) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private indexOf(row: R): number {
    const at = this.insertionPoint(row);
    return at < this.order.length && this.order[at]!.uid === row.uid ? at : -1;
  }
}

/** Code-point order: what names made of DNS labels need, and far cheaper than localeCompare. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What an operator asked to sort by; `column` is the view's column id. */
export interface SortSpec {
  readonly column: string;
  readonly descending: boolean;
}

export type SortKey<R> = (row: R) => number | string;

/**
 * Rows sorted by something that changes (restarts, CPU, phase) without re-sorting on every change
 * of a churning cluster: a full sort at most once per `budgetMs`, and in between every row keeps
 * its place (showing its current values), gone rows leave and new rows wait at the end. The
 * caller re-renders after `staleForMs` so the order catches up even if nothing else happens.
 *
 * A sort decorates each row with its key once and breaks ties by the row's place in the default
 * order (namespace, name), so most comparisons are between numbers.
 */
export class SortedOnABudget<R extends Row> {
  /** Rows as sorted, with `null` where one was deleted since. */
  private order: (R | null)[] = [];
  private position = new Map<string, number>();
  private gone = 0;
  private sortedAt = Number.NEGATIVE_INFINITY;
  private sortedBy = '';

  constructor(private readonly budgetMs: number) {}

  /**
   * `inOrder`: every row in the default order; `byUid`: the same rows by uid; `changed`: the uids
   * written since the last update. `spec` names the sort so a new one sorts at once.
   * `staleForMs`: when the order should be brought up to date, null when it is.
   */
  update(
    inOrder: readonly R[],
    byUid: ReadonlyMap<string, R>,
    changed: Changed,
    key: SortKey<R>,
    descending: boolean,
    spec: string,
    now: number,
  ): { rows: readonly R[]; staleForMs: number | null } {
    if (changed === 'all' || spec !== this.sortedBy || now - this.sortedAt >= this.budgetMs) {
      const sorted = sortByKey(inOrder, key, descending);
      this.order = sorted.slice();
      this.position = new Map(sorted.map((row, i) => [row.uid, i]));
      this.gone = 0;
      this.sortedAt = now;
      this.sortedBy = spec;
      return { rows: sorted, staleForMs: null };
    }
    for (const uid of changed) {
      const row = byUid.get(uid);
      const at = this.position.get(uid);
      if (at === undefined) {
        if (!row) continue;
        this.position.set(uid, this.order.length);
        this.order.push(row);
      } else {
        if (this.order[at] === null && row) this.gone--;
        if (this.order[at] !== null && !row) this.gone++;
        this.order[at] = row ?? null;
      }
    }
    const rows = this.gone > 0 ? this.order.filter((row): row is R => row !== null) : (this.order.slice() as R[]);
    return { rows, staleForMs: Math.max(0, this.budgetMs - (now - this.sortedAt)) };
  }
}

/** `rows` sorted by `key`, ties in their given order. */
export function sortByKey<R>(rows: readonly R[], key: SortKey<R>, descending: boolean): R[] {
  const keys = rows.map(key);
  const index = rows.map((_, i) => i);
  const sign = descending ? -1 : 1;
  index.sort((a, b) => {
    const ka = keys[a]!;
    const kb = keys[b]!;
    return (ka < kb ? -sign : ka > kb ? sign : 0) || a - b;
  });
  return index.map((i) => rows[i]!);
}
