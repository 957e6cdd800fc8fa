/**
 * The words for a view whose rows are still arriving: a cold view shows its first list's rows as
 * the backend streams them (adapters/engine/store.ts, `Collection.loading`), and until the whole,
 * verified snapshot is applied a person must be able to tell the list is incomplete. Progress is
 * "40,000 of 150,148" when the backend said how many there will be, "40,000 so far" while its
 * own first list still runs and nobody knows; a count of held rows is never said as the total.
 */

/** What the store says about a collection still loading; null once it is whole. */
export interface RowsLoading {
  readonly received: number;
  /** How many there will be; null while the backend's own first list is still running. */
  readonly count: number | null;
}

const n = (value: number) => value.toLocaleString('en-US');

/** "40,000 of 150,148" or "40,000 so far". */
export function loadingProgress(loading: RowsLoading): string {
  return loading.count === null ? `${n(loading.received)} so far` : `${n(loading.received)} of ${n(loading.count)}`;
}

/** 0–1 when the total is known, else null (a bar with no end would be a guess). */
export function loadingShare(loading: RowsLoading): number | null {
  if (loading.count === null || loading.count <= 0) return null;
  return Math.min(1, loading.received / loading.count);
}

/** The note above a loading view: what is still arriving, how far it is, and what that means for the list. */
export function loadingNoteText(what: string, loading: RowsLoading, narrowed: boolean): string {
  const head = `Loading ${what} — ${loadingProgress(loading)}; rows are still arriving, the list is incomplete.`;
  return narrowed ? `${head} Filter and sort cover only the rows received so far.` : head;
}

/**
 * A view's toolbar count: "12 of 5,000" once whole; while loading, said as what has arrived,
 * "40,000 of 150,148 received" (or "40,000 received so far"), with the filtered share first
 * when a filter or narrowing hides some ("12 shown of 40,000 received so far", "12 shown of
 * 40,000 received (of 150,148)").
 */
export function rowCountText(shown: number, held: number, loading: RowsLoading | null, suffix = ''): string {
  if (loading === null) return held > 0 ? `${n(shown)} of ${n(held)}${suffix}` : '';
  if (shown === held) return loading.count === null ? `${n(held)} received so far${suffix}` : `${n(held)} of ${n(loading.count)} received${suffix}`;
  return loading.count === null ? `${n(shown)} shown of ${n(held)} received so far${suffix}` : `${n(shown)} shown of ${n(held)} received (of ${n(loading.count)})${suffix}`;
}

/** Several clusters' (or keys') loading put together: loading while any is; a total only when every loading one knows its own. */
export function combineLoading(parts: readonly (RowsLoading | null)[], heldWhole: number): RowsLoading | null {
  const loading = parts.filter((p): p is RowsLoading => p !== null);
  if (loading.length === 0) return null;
  const received = loading.reduce((sum, p) => sum + p.received, 0) + heldWhole;
  const known = loading.every((p) => p.count !== null);
  return { received, count: known ? loading.reduce((sum, p) => sum + (p.count ?? 0), 0) + heldWhole : null };
}
