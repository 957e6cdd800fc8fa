/**
 * How far one list may run. The list timeout counts from the last page (a slow list of many
 * pages still finishes), so a server that keeps answering would hold a list open for ever: these
 * bounds end it with a clear error instead.
 */

/**
 * The most rows one list may hold: almost seven times the 150,000 pods Kubernetes is tested to,
 * and about 0.5 GB of the backend's heap as rows. A list past it comes from a server that sends
 * pages (or initial events) for ever; it fails with a clear error rather than exhaust memory.
 */
export const listRowBound = 1_000_000;

/**
 * The most pages one list may take. A page may hold few or no rows (a server filtering by
 * selector can answer short pages), so the row bound alone does not end a server that hands out
 * a new continue token for ever.
 */
export const listPageBound = 100_000;

/** Fails a list that could never end: past the row or page bound, or handed back the continue token it sent. */
export function checkListBounds(path: string, rows: number, pages: number, sentToken?: string, answeredToken?: string): void {
  if (sentToken !== undefined && answeredToken === sentToken) throw new Error(`the list of ${path} answered continue token ${JSON.stringify(sentToken.slice(0, 80))} with the same token: it would never end`);
  if (rows > listRowBound) throw new Error(`the list of ${path} passed ${listRowBound} rows, the most kubelive holds for one collection`);
  if (pages > listPageBound) throw new Error(`the list of ${path} passed ${listPageBound} pages without ending`);
}
