/**
 * Lists kept in order across updates without sorting them again. Sorting 50,000 pods costs a
 * browser tens of milliseconds, and a churning cluster changes the list many times a second, so
 * re-sorting on every change dropped frames while the list scrolled (bench row 9); so did a pass
 * that only looked every row up again, and so did moving each written row with a splice of the
 * whole array (a batch of a few hundred writes, common under churn, cost 5-8 ms). Both
 * structures here take the uids written since their last update (adapters/engine/changeLog.ts),
 * find only those by binary search, and copy the list once into a new array for React
 * (`withWrites`); `'all'` (rows replaced, or changes unknown) sorts afresh.
 */
import type { Changed } from '../../adapters/engine/changeLog.js';
import type { Row } from '../../adapters/rows.js';

/**
 * Rows in an order over what never changes for an object's uid (namespace and name: Kubernetes
 * does not rename objects; a pod re-created under the same name has a new uid). A changed row
 * keeps its place; a new one is put at its place; a gone one leaves. `compare` must be total
 * (podOrder breaks ties by uid).
 */
export class OrderedRows<R extends Row> {
  /** Never changed once returned: each update that changes something makes a new array. */
  private order: readonly R[] = [];
  /** Each row as placed, to find a changed or deleted row's place by its key. */
  private placed = new Map<string, R>();

  constructor(private readonly compare: (a: R, b: R) => number) {}

  update(current: ReadonlyMap<string, R>, changed: Changed): readonly R[] {
    if (changed === 'all') return this.sortAfresh(current);
    if (changed.size === 0) return this.order;
    // Null cannot happen with a total order; never guess.
    this.order = withWrites(this.order, this.placed, current, changed, this.compare) ?? this.sortAfresh(current);
    return this.order;
  }

  private sortAfresh(current: ReadonlyMap<string, R>): readonly R[] {
    this.order = [...current.values()].sort(this.compare);
    this.placed = new Map(current);
    return this.order;
  }
}

/**
 * `order` (sorted by `compare`) after writes to the `changed` uids, as a new array. Each row as
 * placed is found by a binary search (its key as placed comes from the row object as placed) and
 * is replaced where the new version compares the same, or else leaves while the new version is put
 * where it belongs; one pass copies the rest. Null when a row as placed is not where the search
 * says, which cannot happen while the keys are as placed: the caller sorts afresh. `placed` is
 * brought up to date either way.
 */
function withWrites<R extends Row>(order: readonly R[], placed: Map<string, R>, current: ReadonlyMap<string, R>, changed: ReadonlySet<string>, compare: (a: R, b: R) => number): R[] | null {
  const leaving: number[] = [];
  const replacing: { at: number; row: R }[] = [];
  const arriving: R[] = [];
  let lost = false;
  for (const uid of changed) {
    const before = placed.get(uid);
    const now = current.get(uid);
    if (now) placed.set(uid, now);
    else placed.delete(uid);
    if (lost) continue;
    if (before) {
      const at = insertionPoint(order, before, compare);
      if (order[at]?.uid !== uid) lost = true;
      else if (now && compare(now, before) === 0) replacing.push({ at, row: now });
      else {
        leaving.push(at);
        if (now) arriving.push(now);
      }
    } else if (now) arriving.push(now);
  }
  if (lost) return null;
  leaving.sort((a, b) => a - b);
  replacing.sort((a, b) => a.at - b.at);
  arriving.sort(compare);
  // Where each arriving row goes among the rows as they were (nondecreasing, as it is sorted).
  const places = arriving.map((row) => insertionPoint(order, row, compare));
  const next: R[] = [];
  let left = 0;
  let replaced = 0;
  let arrived = 0;
  for (let i = 0; i < order.length; i++) {
    while (arrived < arriving.length && places[arrived] === i) next.push(arriving[arrived++]!);
    if (leaving[left] === i) left++;
    else if (replacing[replaced]?.at === i) next.push(replacing[replaced++]!.row);
    else next.push(order[i]!);
  }
  while (arrived < arriving.length) next.push(arriving[arrived++]!);
  return next;
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
 * Past this many writes in one update, sorting afresh costs less than the binary searches (a
 * search's keys are metrics lookups, and ties compare names): in Chromium, 50,000 pods by CPU sort
 * in about 20 ms, and one batch of a few thousand writes took 140 ms to merge (traced).
 */
const manyWrites = (rows: number) => Math.max(64, rows / 50);

/**
 * Rows sorted by a value that changes (restarts, CPU, phase), kept exactly in order across
 * updates; ties go by the list's own order (`tieOrder`, total), so there is one right order and
 * every update reaches it. An update moves only the rows written (`withWrites`): a row's key as
 * placed is read from the row object as placed, which holds while the values behind the keys have
 * not moved. When they move (`valuesVersion`: a metrics tick changes every pod's CPU), when the
 * rows were replaced, or when another sort is asked for, it sorts afresh (sortByKey).
 *
 * It replaced a sort on a budget (a full sort at most once a second, rows kept in place in
 * between): on a cluster changing a few rows a second that was a 50–80 ms sort in the browser
 * every second, and an order up to a second behind the values shown (bench row 9s).
 */
export class SortedRows<R extends Row> {
  /** Never changed once returned: each update that changes something makes a new array. */
  private order: readonly R[] = [];
  /** Each row as placed, by uid: its key as placed is found through it. */
  private placed = new Map<string, R>();
  private sortedBy = '';
  private valuesVersion = Number.NaN;

  constructor(private readonly tieOrder: (a: R, b: R) => number) {}

  /**
   * `inOrder`: every row, in `tieOrder`; `current`: the same rows by uid; `changed`: the uids
   * written since the last update. `spec` names the sort; `valuesVersion` moves when values the
   * key reads outside the rows (metrics) change.
   */
  update(inOrder: readonly R[], current: ReadonlyMap<string, R>, changed: Changed, key: SortKey<R>, descending: boolean, spec: string, valuesVersion: number): readonly R[] {
    if (changed === 'all' || spec !== this.sortedBy || valuesVersion !== this.valuesVersion || changed.size > manyWrites(this.order.length)) {
      return this.sortAfresh(inOrder, current, changed, key, descending, spec, valuesVersion);
    }
    if (changed.size === 0) return this.order;
    const sign = descending ? -1 : 1;
    // A binary search compares every row it visits with the same row: its key is read once.
    let probe: R | null = null;
    let probeKey: number | string = 0;
    const compare = (a: R, b: R) => {
      if (b !== probe) {
        probe = b;
        probeKey = key(b);
      }
      const ka = key(a);
      return (ka < probeKey ? -sign : ka > probeKey ? sign : 0) || this.tieOrder(a, b);
    };
    this.order = withWrites(this.order, this.placed, current, changed, compare) ?? this.sortAfresh(inOrder, current, 'all', key, descending, spec, valuesVersion);
    return this.order;
  }

  private sortAfresh(inOrder: readonly R[], current: ReadonlyMap<string, R>, changed: Changed, key: SortKey<R>, descending: boolean, spec: string, valuesVersion: number): readonly R[] {
    this.order = sortByKey(inOrder, key, descending);
    if (changed === 'all') this.placed = new Map(current);
    else {
      for (const uid of changed) {
        const now = current.get(uid);
        if (now) this.placed.set(uid, now);
        else this.placed.delete(uid);
      }
    }
    this.sortedBy = spec;
    this.valuesVersion = valuesVersion;
    return this.order;
  }
}

/** The first index of `rows` (sorted by `compare`) whose row does not sort before `row`. */
function insertionPoint<R>(rows: readonly R[], row: R, compare: (a: R, b: R) => number): number {
  let low = 0;
  let high = rows.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compare(rows[middle]!, row) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** `rows` sorted by `key`, ties in their given order. */
export function sortByKey<R>(rows: readonly R[], key: SortKey<R>, descending: boolean): R[] {
  const keys = rows.map(key);
  return keys.every(isOrderedNumber) ? sortByNumbers(rows, keys as number[], descending) : sortByKeys(rows, keys, descending);
}

const isOrderedNumber = (key: number | string) => typeof key === 'number' && !Number.isNaN(key);

/**
 * Numbers sort natively: a Float64Array sorts without calling back into JavaScript, several times
 * faster than a comparator over 50,000 rows. Each row then takes the next free place among those
 * of its key, so ties keep their given order as in a stable sort.
 */
function sortByNumbers<R>(rows: readonly R[], keys: readonly number[], descending: boolean): R[] {
  const n = rows.length;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = descending ? -keys[i]! : keys[i]!;
  const sorted = values.slice().sort();
  const taken = new Int32Array(n);
  const result = new Array<R>(n);
  for (let i = 0; i < n; i++) {
    // The first place of this key: 0 and -0 share it, as they compare equal.
    const value = values[i]!;
    let low = 0;
    let high = n;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (sorted[middle]! < value) low = middle + 1;
      else high = middle;
    }
    result[low + taken[low]!++] = rows[i]!;
  }
  return result;
}

function sortByKeys<R>(rows: readonly R[], keys: readonly (number | string)[], descending: boolean): R[] {
  const index = rows.map((_, i) => i);
  const sign = descending ? -1 : 1;
  index.sort((a, b) => {
    const ka = keys[a]!;
    const kb = keys[b]!;
    return (ka < kb ? -sign : ka > kb ? sign : 0) || a - b;
  });
  return index.map((i) => rows[i]!);
}
