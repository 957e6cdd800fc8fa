/**
 * A list kept in order across updates without sorting it all again. Sorting 50,000 pods costs a
 * browser tens of milliseconds, and a churning cluster changes the list many times a second, so
 * re-sorting on every change drops frames while the list scrolls (bench row 9).
 *
 * The order must depend only on what never changes for an object's uid (namespace and name:
 * Kubernetes does not rename objects; a pod re-created under the same name has a new uid). Then
 * an update can only change a row's content, never its place, and each pass costs one map
 * lookup per row plus a sort of the rows that are new.
 */
import type { Row } from '../../adapters/rows.js';

export class OrderedRows<R extends Row> {
  private order: R[] = [];
  private readonly placed = new Set<string>();

  constructor(private readonly compare: (a: R, b: R) => number) {}

  /** `current`'s rows in order: known rows keep their place, gone rows leave, new rows are merged in. */
  update(current: ReadonlyMap<string, R>): R[] {
    const kept: R[] = [];
    for (const row of this.order) {
      const now = current.get(row.uid);
      if (now) kept.push(now);
      else this.placed.delete(row.uid);
    }
    if (kept.length === current.size) {
      this.order = kept;
      return kept;
    }
    const added: R[] = [];
    for (const [uid, row] of current) {
      if (this.placed.has(uid)) continue;
      this.placed.add(uid);
      added.push(row);
    }
    this.order = mergeSorted(kept, added.sort(this.compare), this.compare);
    return this.order;
  }
}

/** Two lists, each in order, as one list in order. */
export function mergeSorted<T>(a: readonly T[], b: readonly T[], compare: (x: T, y: T) => number): T[] {
  if (b.length === 0) return a.slice();
  if (a.length === 0) return b.slice();
  const out = new Array<T>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = compare(a[i]!, b[j]!) <= 0 ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

/** Code-point order: what names made of DNS labels need, and far cheaper than localeCompare. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
