/**
 * Lists kept in order across updates without sorting them again. Sorting 50,000 pods costs a
 * browser tens of milliseconds, and a churning cluster changes the list many times a second, so
 * re-sorting on every change dropped frames while the list scrolled (bench row 9); so did a pass
 * that only looked every row up again, and so did moving each written row with a splice of the
 * whole array (a batch of a few hundred writes, common under churn, cost 5-8 ms). Both
 * structures here take the uids written since their last update (adapters/engine/changeLog.ts),
 * find only those by binary search, and move the rest of the list in one pass (`mergeWrites`);
 * `'all'` (rows replaced, or changes unknown) sorts afresh.
 *
 * The list is one array written in place, with a version that moves on every change (RowList).
 * A new array per update was 400 KB for 50,000 rows, twice in a sorted view: arrays that size
 * are allocated straight into V8's old generation, and churn made enough of them to bring a
 * major GC every few seconds, the biggest cause of the sorted view's late frames (bench row 9s).
 */
import type { Changed } from '../../adapters/engine/changeLog.js';
import type { Row } from '../../adapters/rows.js';

/**
 * A list that its owner writes in place, and a version that moves with each write: a new object
 * whenever the version moves, so React and memos compare it rather than the array, which stays
 * the same object. Read `rows` while rendering; do not keep it to compare with later.
 */
export interface RowList<R> {
  readonly rows: readonly R[];
  readonly version: number;
}

/** One array written in place, and the version that says when (RowList); OrderedRows and SortedRows own one each. */
abstract class RowsInPlace<R> implements RowList<R> {
  /** Written in place by every update that changes something; `version` says when. */
  protected readonly order: R[] = [];
  protected changes = 0;

  get rows(): readonly R[] {
    return this.order;
  }

  /** Moves whenever `rows` changed. */
  get version(): number {
    return this.changes;
  }
}

/**
 * Rows in an order over what never changes for an object's uid (namespace and name: Kubernetes
 * does not rename objects; a pod re-created under the same name has a new uid). A changed row
 * keeps its place; a new one is put at its place; a gone one leaves. `compare` must be total
 * (podOrder breaks ties by uid).
 */
export class OrderedRows<R extends Row> extends RowsInPlace<R> {
  /** Each row as placed, to find a changed or deleted row's place by its key. */
  private placed = new Map<string, R>();

  constructor(private readonly compare: (a: R, b: R) => number) {
    super();
  }

  update(current: ReadonlyMap<string, R>, changed: Changed): readonly R[] {
    if (changed === 'all') return this.sortAfresh(current);
    if (changed.size === 0) return this.order;
    // False cannot happen with a total order; never guess.
    if (!mergeWrites(this.order, this.placed, current, changed, this.compare)) return this.sortAfresh(current);
    this.changes++;
    return this.order;
  }

  private sortAfresh(current: ReadonlyMap<string, R>): readonly R[] {
    this.order.length = 0;
    for (const row of current.values()) this.order.push(row);
    this.order.sort(this.compare);
    this.placed = new Map(current);
    this.changes++;
    return this.order;
  }
}

/**
 * `order` (sorted by `compare`) after writes to the `changed` uids, written in place. Each row as
 * placed is found by a binary search (its key as placed comes from the row object as placed) and
 * is replaced where the new version compares the same, or else leaves while the new version is put
 * where it belongs; then one pass forward closes the gaps the leaving rows left and one pass
 * backward opens those the arriving rows need, so nothing but the few written rows is allocated.
 * False, with `order` untouched, when a row as placed is not where the search says, which cannot
 * happen while the keys are as placed: the caller sorts afresh. `placed` is brought up to date either way.
 */
function mergeWrites<R extends Row>(order: R[], placed: Map<string, R>, current: ReadonlyMap<string, R>, changed: ReadonlySet<string>, compare: (a: R, b: R) => number): boolean {
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
  if (lost) return false;
  // A replaced row compares the same as the row it replaces, so the searches below are unchanged by it.
  for (const { at, row } of replacing) order[at] = row;
  leaving.sort((a, b) => a - b);
  arriving.sort(compare);
  // Where each arriving row goes among the rows as they were (nondecreasing, as it is sorted),
  // then among those that stay: the leaving rows before it no longer count.
  const places = arriving.map((row) => insertionPoint(order, row, compare));
  for (let a = 0, left = 0; a < places.length; a++) {
    while (left < leaving.length && leaving[left]! < places[a]!) left++;
    places[a]! -= left;
  }
  const before = order.length;
  let kept = before;
  if (leaving.length > 0) {
    let to = leaving[0]!;
    for (let from = to, left = 0; from < before; from++) {
      if (leaving[left] === from) left++;
      else order[to++] = order[from]!;
    }
    kept = to;
  }
  const after = kept + arriving.length;
  // Grown by pushing, so the array stays packed (a length set past its end leaves holes).
  while (order.length < after) order.push(arriving[0]!);
  for (let to = after - 1, from = kept - 1, a = arriving.length - 1; a >= 0; to--) {
    if (from >= places[a]!) order[to] = order[from--]!;
    else order[to] = arriving[a--]!;
  }
  order.length = after;
  return true;
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
 * every update reaches it. An update moves only the rows written (`mergeWrites`): a row's key as
 * placed is read from the row object as placed, which holds while the values behind the keys have
 * not moved. When they move (`valuesVersion`) and the caller says whose (`ValuesMoved`), those rows
 * are lifted out and put back as written ones: under churn most metrics answers only bring the
 * first samples of the pods created since the last one, and sorting 50,000 pods afresh for those
 * was a late frame every answer (bench row 9s). When it is not known whose moved (a metrics tick
 * moves every pod's CPU), when the rows were replaced, or when another sort is asked for, it
 * sorts afresh (sortByKey).
 *
 * It replaced a sort on a budget (a full sort at most once a second, rows kept in place in
 * between): on a cluster changing a few rows a second that was a 50–80 ms sort in the browser
 * every second, and an order up to a second behind the values shown (bench row 9s).
 */
export class SortedRows<R extends Row> extends RowsInPlace<R> {
  /** Each row as placed, by uid: its key as placed is found through it. */
  private placed = new Map<string, R>();
  private sortedBy = '';
  private valuesVersion = Number.NaN;
  private sortsAfresh = 0;

  constructor(private readonly tieOrder: (a: R, b: R) => number) {
    super();
  }

  /**
   * `inOrder`: every row, in `tieOrder`; `current`: the same rows by uid; `changed`: the uids
   * written since the last update. `spec` names the sort; `valuesVersion` moves when values the
   * key reads outside the rows (metrics) change, and `valuesMoved`, when given, says whose: then
   * only those rows are re-placed, as written ones are, instead of sorting afresh.
   */
  update(
    inOrder: readonly R[],
    current: ReadonlyMap<string, R>,
    changed: Changed,
    key: SortKey<R>,
    descending: boolean,
    spec: string,
    valuesVersion: number,
    valuesMoved?: ValuesMoved<R>,
  ): readonly R[] {
    if (changed === 'all' || spec !== this.sortedBy || changed.size > manyWrites(this.order.length)) {
      return this.sortAfresh(inOrder, current, changed, key, descending, spec, valuesVersion);
    }
    let written: ReadonlySet<string> = changed;
    if (valuesVersion !== this.valuesVersion) {
      // Re-placing the rows whose values moved is right only if the log saw every version since
      // the last sort: a log taken by a render React threw away would have lost some.
      const moved = valuesMoved && valuesMoved.moved !== 'all' && valuesMoved.from === this.valuesVersion && valuesMoved.to === valuesVersion ? valuesMoved.moved : null;
      if (!moved) return this.sortAfresh(inOrder, current, changed, key, descending, spec, valuesVersion);
      const lifted = this.lift(moved);
      this.valuesVersion = valuesVersion;
      if (lifted.length > 0) written = new Set([...changed, ...lifted]);
      if (written.size > manyWrites(this.order.length)) return this.sortAfresh(inOrder, current, 'all', key, descending, spec, valuesVersion);
    }
    if (written.size === 0) return this.order;
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
    if (!mergeWrites(this.order, this.placed, current, written, compare)) return this.sortAfresh(inOrder, current, 'all', key, descending, spec, valuesVersion);
    this.changes++;
    return this.order;
  }

  /**
   * Takes the rows whose values moved out of the list in one pass (their keys as placed are
   * gone, so no search could find them), and forgets them as placed: the merge then puts each
   * back where its new value belongs, as a row just written. Their uids.
   */
  private lift(moved: (row: R) => boolean): string[] {
    const lifted: string[] = [];
    const order = this.order;
    let to = 0;
    for (let from = 0; from < order.length; from++) {
      const row = order[from]!;
      if (moved(row)) {
        lifted.push(row.uid);
        this.placed.delete(row.uid);
      } else order[to++] = row;
    }
    order.length = to;
    return lifted;
  }

  /** How many times it sorted every row (each a 20–40 ms task at 50,000 pods): for tests, a count rather than a timing. */
  get freshSorts(): number {
    return this.sortsAfresh;
  }

  private sortAfresh(inOrder: readonly R[], current: ReadonlyMap<string, R>, changed: Changed, key: SortKey<R>, descending: boolean, spec: string, valuesVersion: number): readonly R[] {
    this.sortsAfresh++;
    sortByKey(inOrder, key, descending, this.order);
    this.changes++;
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

/**
 * Which rows' values moved between two values versions (`from`, `to`), or `all` when that is not
 * known: SortedRows re-places those rows alone when `from` is the version it last sorted by.
 */
export interface ValuesMoved<R> {
  readonly from: number;
  readonly to: number;
  readonly moved: ((row: R) => boolean) | 'all';
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

/**
 * `rows` sorted by `key`, ties in their given order: into `into` when given (a list kept in place,
 * whose old order is overwritten), else into a new array.
 */
export function sortByKey<R>(rows: readonly R[], key: SortKey<R>, descending: boolean, into: R[] = []): R[] {
  const keys = rows.map(key);
  // As long as `rows`, and packed: a length set past the end would leave holes.
  while (into.length < rows.length) into.push(rows[0]!);
  into.length = rows.length;
  return keys.every(isOrderedNumber) ? sortByNumbers(rows, keys as number[], descending, into) : sortByKeys(rows, keys, descending, into);
}

const isOrderedNumber = (key: number | string) => typeof key === 'number' && !Number.isNaN(key);

/**
 * Numbers sort natively: a Float64Array sorts without calling back into JavaScript, several times
 * faster than a comparator over 50,000 rows. Each row then takes the next free place among those
 * of its key, so ties keep their given order as in a stable sort.
 */
function sortByNumbers<R>(rows: readonly R[], keys: readonly number[], descending: boolean, result: R[]): R[] {
  const n = rows.length;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = descending ? -keys[i]! : keys[i]!;
  const sorted = values.slice().sort();
  const taken = new Int32Array(n);
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

function sortByKeys<R>(rows: readonly R[], keys: readonly (number | string)[], descending: boolean, result: R[]): R[] {
  const index = rows.map((_, i) => i);
  const sign = descending ? -1 : 1;
  index.sort((a, b) => {
    const ka = keys[a]!;
    const kb = keys[b]!;
    return (ka < kb ? -sign : ka > kb ? sign : 0) || a - b;
  });
  for (let i = 0; i < index.length; i++) result[i] = rows[index[i]!]!;
  return result;
}
