/**
 * Snapshots as lines (`Accept: application/x-ndjson`, docs/protocol.md "Snapshots as lines"): a
 * head line, rows lines of at most `rowsPerLine` rows, and a trail line with the count, digest,
 * generation and resourceVersion the rows add up to. A client shows rows as the lines land.
 *
 * On a cold view (its upstream's first list still running) the rows are the list's pages, sent as
 * they arrive from the API server, so the first screen does not wait for the last page. Such a
 * snapshot is a read of the API server like `source: "api"`, ordered before every change the
 * cache applies once the list lands. Its trail goes out when the last page is read, not when the
 * list has landed in the cache: the rows are a whole list then, and the client's stream waits for
 * the landing anyway. That trail's generation is the one the cache gave the list as read, and says
 * `resumable`: the rows are exactly what the landing makes the cache, so a stream subscription or
 * a poll from that generation gets only what changed after, not the rows again.
 */
import { addItem, emptyDigest, formatDigest } from '../adapters/digest.js';
import { openShare } from '../adapters/loopShare.js';
import { apiFailureCode, type ColumnDefinition, type Row, type SnapshotBody, type SnapshotLine } from '../adapters/protocol.js';
import type { ResourceCache } from './cache.js';

/** Rows per line: about 0.4 MB of pods, a few ms of the event loop to serialise. */
export const rowsPerLine = 1000;

/** Writes one piece of a response and resolves when the next may be written (the socket drained, or a turn later). */
export type PieceWriter = (text: string) => Promise<void>;

export const ndjsonType = 'application/x-ndjson';

/** Whether the client asked for the snapshot as lines. */
export function wantsLines(accept: string | undefined): boolean {
  return accept !== undefined && accept.split(',').some((part) => part.trim().split(';')[0] === ndjsonType);
}

function line(value: SnapshotLine): string {
  return `${JSON.stringify(value)}\n`;
}

/** Rows in lines of `rowsPerLine`, each written on its own turn of the event loop, counted in the loop's share. */
async function writeRows(write: PieceWriter, rows: readonly Row[], closed: () => boolean): Promise<void> {
  for (let start = 0; start < rows.length && !closed(); start += rowsPerLine) {
    openShare();
    await write(line({ type: 'rows', items: rows.slice(start, start + rowsPerLine) }));
  }
}

/** A snapshot whose rows are all at hand (from the cache, or a fresh read), as lines. */
export async function writeSnapshotLines(write: PieceWriter, closed: () => boolean, body: Omit<SnapshotBody, 'items'>, items: readonly Row[]): Promise<void> {
  const { count, digest, generation, resourceVersion, ...rest } = body;
  await write(line({ type: 'head', ...rest, expected: count }));
  await writeRows(write, items, closed);
  if (!closed()) await write(line({ type: 'trail', count, digest, generation, resourceVersion }));
}

export interface FirstListLines {
  readonly head: Omit<Extract<SnapshotLine, { type: 'head' }>, 'type' | 'expected' | 'source' | 'columns'>;
  /**
   * A resource domain's view: its head carries the columns the rows are printed under, which the
   * list knows from its first page (or event) on, so the head waits for them (or for the list's
   * end, when no page carried any).
   */
  readonly withColumns: boolean;
  /** Taken as the request began: the cache's own changes, once the list lands, order after it. */
  readonly generation: number;
  readonly cache: ResourceCache;
  /** Only rows of this namespace (null: all). */
  readonly namespace: string | null;
  /** Resolves when the first list is no longer running: landed, failed, or timed out. */
  readonly listSettled: Promise<void>;
  /** The HTTP status and message of the upstream's last failure while nothing has worked since (null: none). */
  readonly lastFailure: () => { readonly status: number | null; readonly message: string | null };
}

/**
 * The `error` line of a first list that stopped without landing. A refusal (403) or a kind the
 * cluster no longer serves (404) is said as such, as the JSON route answers them with their status,
 * so the client's machine blocks for permissions (or lets the kind go) at its first answer; a
 * generic error showed "errors" until a retry learned of the refusal. Anything else is worth
 * asking again.
 */
export function unlandedListLine(failure: { readonly status: number | null; readonly message: string | null }): Extract<SnapshotLine, { type: 'error' }> {
  const error = apiFailureCode(failure.status);
  if (error === 'upstream-error') return { type: 'error', error, reason: 'the first list did not complete; ask again' };
  return { type: 'error', error, reason: failure.message ?? 'the API server refused the list' };
}

/**
 * The rows of an upstream's first list as its pages arrive, then the trail. False, with nothing
 * written, when the cache was listed already (the caller serves it from the cache). The list
 * starting over (an expired continue token), failing or timing out ends the lines with an
 * `error` line: the rows sent are not a view of anything, and the client drops them.
 */
export async function writeFirstListLines(write: PieceWriter, closed: () => boolean, start: () => void, plan: FirstListLines): Promise<boolean> {
  const pages: (readonly Row[])[] = [];
  let ending: Extract<SnapshotLine, { type: 'trail' | 'error' }> | null = null;
  let wake: (() => void) | null = null;
  const digest = emptyDigest();
  let count = 0;
  let columns: readonly ColumnDefinition[] | null = null;
  const stop = plan.cache.followFirstList((progress) => {
    // Once the list was read whole (or voided) nothing after belongs to these lines.
    if (ending !== null) return;
    if (progress.kind === 'page') {
      pages.push(progress.rows);
      columns ??= progress.columns;
    } else if (progress.kind === 'restarted') ending ??= { type: 'error', error: 'list-restarted', reason: 'the first list started over (it failed partway, its continue token expired, or its streaming list broke off); ask again' };
    else if (progress.kind === 'read') ending ??= { type: 'trail', count: -1, digest: '', generation: progress.generation, resourceVersion: progress.resourceVersion, resumable: true };
    else ending ??= { type: 'trail', count: -1, digest: '', generation: plan.generation, resourceVersion: progress.resourceVersion };
    wake?.();
  });
  if (stop === false) return false;
  let settled = false;
  void plan.listSettled.then(() => {
    settled = true;
    wake?.();
  });
  let headWritten = false;
  const writeHead = (listColumns: readonly ColumnDefinition[] | null) => {
    headWritten = true;
    return write(line({ type: 'head', ...plan.head, ...(listColumns ? { columns: listColumns } : {}), source: 'api', expected: null }));
  };
  try {
    start();
    if (!plan.withColumns) await writeHead(null);
    for (;;) {
      if (closed()) return true;
      // `ending`, `columns` and `settled` are set by the follower, which TypeScript cannot see from here.
      const end = ending as Extract<SnapshotLine, { type: 'trail' | 'error' }> | null;
      const listColumns = columns as readonly ColumnDefinition[] | null;
      if (!headWritten && (listColumns !== null || end?.type === 'trail')) {
        // A list that landed with no page carrying columns: the cache's are the ones it landed with.
        await writeHead(listColumns ?? plan.cache.columns);
        continue;
      }
      const page = headWritten ? pages.shift() : undefined;
      if (page) {
        const rows = plan.namespace === null ? page : page.filter((row) => 'namespace' in row && row.namespace === plan.namespace);
        for (const row of rows) addItem(digest, row.uid, row.resourceVersion);
        count += rows.length;
        await writeRows(write, rows, closed);
        continue;
      }
      if (end !== null) {
        await write(line(end.type === 'trail' ? { ...end, count, digest: formatDigest(digest) } : end));
        return true;
      }
      if (settled as boolean) {
        // The list stopped (failed, backing off, timed out, the upstream restarted) without landing here.
        await write(line(unlandedListLine(plan.lastFailure())));
        return true;
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
  } finally {
    stop();
  }
}
