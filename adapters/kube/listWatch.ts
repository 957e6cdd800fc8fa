/**
 * The list and watch effects the upstream machine names, for one collection: `list` reads every
 * page into the cache and resolves with the list's resourceVersion; `watchFrom` opens a watch
 * with bookmarks and a server-side timeout, feeds each event to the cache and tells the machine
 * what happened.
 *
 * A `Collection` says how to read one: its path and query, the Accept header, and how a page and
 * a watch event become rows. The hand-made resources read whole objects (`objectCollection`);
 * resource domains read Tables (`tableCollection`), whose columns travel with the rows.
 */
import { fromCallback, fromPromise, type EventObject } from 'xstate';
import type { ListInput, ListOutput, UpstreamEvent, WatchInput } from '../../machines/upstreamMachine.js';
import type { ColumnDefinition, Row } from '../rows.js';
import { KubeApiError, type KubeClient, type Query } from './client.js';
import { type ResourceSpec } from './resources.js';
import type { KubeObject } from './rows.js';
import { readResourceEvent, readResourcePage, sameColumns, tableAccept } from './tableRows.js';

/**
 * How the last list was read: `streaming` (a watch that sends the current objects first);
 * `paginated` (the cluster refused streaming lists); `paginated after streaming failed` (this
 * streaming list broke or went silent before its end); or one unpaginated read after a continue
 * token expired.
 */
export type ListMode = 'streaming' | 'paginated' | 'paginated after streaming failed' | 'unpaginated after expired continue';

/** The part of the cache a list-watch writes to. */
export interface CacheSink {
  replace(rows: readonly Row[], resourceVersion: string, columns?: readonly ColumnDefinition[] | null): void;
  apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', row: Row, resourceVersion: string): void;
  bookmark(resourceVersion: string): void;
  /** How the list that just landed was read (lists only). */
  listedBy?(mode: ListMode): void;
  /**
   * The rows of each page of a list still in progress, as it arrives; `restarted` when the list
   * started over (an expired continue token: one unpaginated read replaces the pages so far).
   * A cold view's snapshot streams them before the list completes.
   */
  listPage?(rows: readonly Row[], restarted: boolean): void;
  /** The columns rows are printed under now (Table collections); null when not known. */
  columns?(): readonly ColumnDefinition[] | null;
}

/** 500 is client-go's page size: big enough to list fast, small enough to keep pages cheap. */
export const listPageSize = 500;

/** One page of a list, read. */
export interface Page {
  readonly rows: Row[];
  readonly resourceVersion: string;
  readonly continueToken: string;
  readonly columns: readonly ColumnDefinition[] | null;
}

/** One watch event's object, read. */
export interface WatchedObject {
  readonly row: Row | null;
  readonly resourceVersion: string;
  /** Columns the event carried, when any (the first event of a Table watch). */
  readonly columns: readonly ColumnDefinition[] | null;
}

/** How to list and watch one collection, and read what comes back. */
export interface Collection {
  /** The collection path across all namespaces, e.g. `/apis/apps/v1/deployments`. */
  readonly path: string;
  /** Asked of every list and watch: a label selector, `includeObject`. */
  readonly query?: Query;
  readonly accept?: string;
  /** Page size; smaller for collections of large objects (Helm release Secrets). */
  readonly pageSize?: number;
  /** Largest answer accepted for one page. */
  readonly maxPageBytes?: number;
  readonly readPage: (body: unknown) => Page;
  readonly readEvent: (type: string, object: unknown) => WatchedObject;
}

interface ListPage {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: KubeObject[];
}

/** A collection of whole objects, each projected to a row (the hand-made resources, Helm releases). */
export function objectCollection(path: string, project: (object: KubeObject) => Row | null, extra: Partial<Pick<Collection, 'query' | 'pageSize' | 'maxPageBytes'>> = {}): Collection {
  return {
    path,
    ...extra,
    readPage: (body) => {
      const page = (body ?? {}) as ListPage;
      const rows: Row[] = [];
      for (const object of page.items ?? []) {
        const row = project(object);
        if (row) rows.push(row);
      }
      return { rows, resourceVersion: page.metadata?.resourceVersion ?? '', continueToken: page.metadata?.continue ?? '', columns: null };
    },
    readEvent: (type, object) => {
      const kubeObject = (object ?? {}) as KubeObject;
      return { row: type === 'BOOKMARK' ? null : project(kubeObject), resourceVersion: kubeObject.metadata?.resourceVersion ?? '', columns: null };
    },
  };
}

/** The collection of a hand-made resource. */
export function specCollection(spec: ResourceSpec, path = spec.path): Collection {
  return objectCollection(path, spec.project);
}

/** A resource domain's collection, read in Table form with metadata-only objects. */
export function tableCollection(path: string): Collection {
  return {
    path,
    query: { includeObject: 'Metadata' },
    accept: tableAccept,
    readPage: (body) => {
      const page = readResourcePage(body);
      return { rows: page.rows, resourceVersion: page.resourceVersion, continueToken: page.continueToken, columns: page.columns };
    },
    readEvent: (type, object) => readResourceEvent(type, object),
  };
}

export interface ListResult {
  readonly rows: Row[];
  readonly resourceVersion: string;
  readonly columns: readonly ColumnDefinition[] | null;
  readonly mode: ListMode;
}

/**
 * Lists every page of a collection. Pages from two different snapshots cannot be mixed, so if
 * the continue token expires halfway (410: the list's snapshot fell out of the server's history
 * window, as it does under churn faster than we page), the list falls back to one unpaginated
 * read. client-go's pager does the same (tools/pager, `FullListIfExpired`, on by default): only
 * for an Expired error on the second page or later, never on the first, since a list whose
 * first page expires has a problem an unpaginated read does not solve. Starting over paginated
 * instead can loop for ever: each new run expires the same way. An unpaginated read is served
 * in one go, from the watch cache or etcd, and always finishes; it costs the server one large
 * answer instead of pages.
 */
export async function listAll(
  client: KubeClient,
  collection: Collection,
  signal?: AbortSignal,
  namespacePath?: string,
  onPage?: (rows: readonly Row[], restarted: boolean) => void,
): Promise<ListResult> {
  const path = namespacePath ?? collection.path;
  const base = {
    ...(collection.accept ? { accept: collection.accept } : {}),
    ...(collection.maxPageBytes ? { maxBytes: collection.maxPageBytes } : {}),
    ...(signal ? { signal } : {}),
  };
  const rows: Row[] = [];
  let token: string | undefined;
  let resourceVersion = '';
  let columns: readonly ColumnDefinition[] | null = null;
  try {
    do {
      const body = await client.requestJson<unknown>('GET', path, { ...base, query: { ...collection.query, limit: collection.pageSize ?? listPageSize, continue: token } });
      const page = collection.readPage(body);
      rows.push(...page.rows);
      onPage?.(page.rows, false);
      resourceVersion = page.resourceVersion || resourceVersion;
      // Columns come with every page; the first page's are the printer's (a CRD edited between
      // pages changes nothing until the next list).
      columns ??= page.columns;
      token = page.continueToken || undefined;
    } while (token);
    return { rows, resourceVersion, columns, mode: 'paginated' };
  } catch (error) {
    if (token === undefined || !(error instanceof KubeApiError) || error.status !== 410) throw error;
  }
  const body = await client.requestJson<unknown>('GET', path, { ...base, query: { ...collection.query }, maxBytes: 1024 * 1024 * 1024 });
  const page = collection.readPage(body);
  onPage?.(page.rows, true);
  return { rows: page.rows, resourceVersion: page.resourceVersion, columns: page.columns, mode: 'unpaginated after expired continue' };
}

interface WatchLine {
  type?: string;
  object?: { code?: number; message?: string; reason?: string; metadata?: { resourceVersion?: string; annotations?: Record<string, string> } };
}

/** Rows handed on (`onPage`) per piece of a streaming list, as a list page would be. */
const streamPieceRows = listPageSize;

/**
 * Clusters (by client) that refused a streaming list: asked once, then listed in pages until the
 * backend restarts. A server without the WatchList feature refuses `sendInitialEvents` with 422
 * Invalid; one older than resourceVersionMatch on watches refuses that the same way.
 */
const refusesStreamingLists = new WeakSet<KubeClient>();

/** The annotation on the bookmark that ends a streaming list's initial events. */
const initialEventsEnd = 'k8s.io/initial-events-end';

/**
 * Whether a bookmark ends the initial events. A Table watch's bookmark is a one-row Table (a real
 * server transforms bookmarks like any object), whose row carries the object's metadata.
 */
function endsInitialEvents(object: unknown): boolean {
  const record = (object ?? {}) as { metadata?: { annotations?: Record<string, unknown> }; rows?: { object?: { metadata?: { annotations?: Record<string, unknown> } } }[] };
  const annotations = record.metadata?.annotations ?? (Array.isArray(record.rows) ? record.rows[0]?.object?.metadata?.annotations : undefined);
  return annotations?.[initialEventsEnd] === 'true';
}

/**
 * A streaming list the cluster refuses as such: list in pages instead, from now on. Only the
 * validation answers count; a 403 (no watch permission) or 405 (a kind that cannot be watched)
 * is about one resource, not the cluster.
 */
function isRefusal(error: unknown): boolean {
  return error instanceof KubeApiError && (error.status === 400 || error.status === 422);
}

/**
 * Lists a collection as a streaming list (the API concepts page, "Streaming lists"): a watch with
 * `sendInitialEvents=true`, `resourceVersionMatch=NotOlderThan` and resourceVersion unset (a
 * consistent read) sends one ADDED event per current object, then a BOOKMARK annotated
 * `k8s.io/initial-events-end: "true"` at the resourceVersion the objects were read at. The server
 * never builds the whole list in memory, and rows are read as they arrive. The watch is closed at
 * that bookmark: the upstream machine watches from its resourceVersion as after any list. A
 * stream that ends or fails before the bookmark is an error, so the machine lists again;
 * a refusal to start resolves null, and the caller lists in pages.
 */
export async function streamList(
  client: KubeClient,
  collection: Collection,
  silenceMs: number,
  signal?: AbortSignal,
  onPage?: (rows: readonly Row[], restarted: boolean) => void,
): Promise<ListResult | null> {
  let stream;
  try {
    stream = await client.openStream(collection.path, {
      query: { ...collection.query, watch: 'true', sendInitialEvents: 'true', resourceVersionMatch: 'NotOlderThan', allowWatchBookmarks: 'true' },
      ...(collection.accept ? { accept: collection.accept } : {}),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (!isRefusal(error)) throw error;
    refusesStreamingLists.add(client);
    return null;
  }
  const opened = stream;
  return new Promise<ListResult>((resolve, reject) => {
    const rows: Row[] = [];
    let piece: Row[] = [];
    let columns: readonly ColumnDefinition[] | null = null;
    let done = false;
    // Lines counted, and looked at once per `silenceMs`: a timer reset per line would cost
    // 150,000 timer updates a list. Silence is noticed after one to two periods.
    let lines = 0;
    let linesAtLastLook = -1;
    const silence = setInterval(() => {
      if (lines === linesAtLastLook) end(new Error(`the streaming list sent nothing for ${silenceMs} ms`));
      linesAtLastLook = lines;
    }, silenceMs);
    silence.unref();
    const end = (error: Error | null, resourceVersion = '') => {
      if (done) return;
      done = true;
      clearInterval(silence);
      opened.abort();
      signal?.removeEventListener('abort', onAbort);
      if (error) {
        reject(error);
        return;
      }
      if (piece.length > 0) onPage?.(piece, false);
      resolve({ rows, resourceVersion, columns, mode: 'streaming' });
    };
    const onAbort = () => end(new Error('list abandoned'));
    signal?.addEventListener('abort', onAbort);
    opened.read(
      (text) => {
        if (done) return;
        lines++;
        let line: WatchLine;
        try {
          line = JSON.parse(text) as WatchLine;
        } catch {
          end(new Error('streaming list sent a line that is not JSON'));
          return;
        }
        const object = line.object ?? {};
        if (line.type === 'ERROR') {
          end(new KubeApiError(object.message ?? 'streaming list error', object.code, 'GET', collection.path, object.reason));
          return;
        }
        if (line.type === 'BOOKMARK') {
          if (endsInitialEvents(object)) end(null, collection.readEvent('BOOKMARK', object).resourceVersion);
          return;
        }
        // Before the end bookmark every event is an ADDED of a current object.
        if (line.type !== 'ADDED') return;
        const read = collection.readEvent(line.type, object);
        columns ??= read.columns;
        if (!read.row) return;
        rows.push(read.row);
        piece.push(read.row);
        if (piece.length >= streamPieceRows) {
          onPage?.(piece, false);
          piece = [];
        }
      },
      (error) => end(error ?? new Error('the streaming list ended before its initial-events-end bookmark')),
    );
  });
}

/**
 * Lists a collection the cheapest way the cluster allows: streaming when it serves that, else in
 * pages. A streaming list that breaks or goes silent before its end is followed at once by a
 * paginated list, as client-go's reflector falls back to a list when its watch-list fails: a
 * server whose watches stall (an overloaded watch cache) still answers lists. The rows streamed
 * so far are dropped (`restarted`): pages from another read cannot be mixed with them.
 */
export async function listCollection(
  client: KubeClient,
  collection: Collection,
  streamSilenceMs: number,
  signal?: AbortSignal,
  onPage?: (rows: readonly Row[], restarted: boolean) => void,
): Promise<ListResult> {
  // Table collections (resource domains) list in pages: where a real server puts the
  // initial-events-end annotation on a Table bookmark is not documented, and a bookmark not
  // recognised would leave a busy resource's list waiting for its timeout.
  if (collection.accept !== undefined || refusesStreamingLists.has(client)) return listAll(client, collection, signal, undefined, onPage);
  try {
    const streamed = await streamList(client, collection, streamSilenceMs, signal, onPage);
    if (streamed) return streamed;
    return await listAll(client, collection, signal, undefined, onPage);
  } catch (error) {
    if (signal?.aborted || (error instanceof KubeApiError && (error.status === 401 || error.status === 403 || error.status === 404))) throw error;
  }
  onPage?.([], true);
  const paged = await listAll(client, collection, signal, undefined, onPage);
  return paged.mode === 'paginated' ? { ...paged, mode: 'paginated after streaming failed' } : paged;
}

/** Asks a running watch to end with a relist (the columns the rows are printed under changed). */
export class RelistSignal {
  private readonly listeners = new Set<() => void>();
  on(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  fire(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/**
 * How long a streaming list may send nothing before a paginated list replaces it: initial events
 * flow without pause once begun, and a real server answers a consistent read within seconds.
 */
export const defaultStreamSilenceMs = 30_000;

/** The machine's `listResource` and `watchResource` actors for one collection, writing to `sink`. */
export function listWatchActors(client: KubeClient, collection: Collection, sink: CacheSink, relist?: RelistSignal, streamSilenceMs = defaultStreamSilenceMs) {
  return {
    listResource: fromPromise<ListOutput, ListInput>(async ({ signal }) => {
      const { rows, resourceVersion, columns, mode } = await listCollection(client, collection, streamSilenceMs, signal, sink.listPage?.bind(sink));
      // The machine may have moved on (stopped) while the last page was in flight.
      if (signal.aborted) throw new Error('list abandoned');
      sink.replace(rows, resourceVersion, columns);
      sink.listedBy?.(mode);
      return { resourceVersion };
    }),
    watchResource: fromCallback<EventObject, WatchInput>(({ input, sendBack }) => {
      const send = (event: UpstreamEvent) => sendBack(event);
      let finished = false;
      let abort: (() => void) | undefined;
      // Aborts the request even before its response arrives (a server that never answers).
      const request = new AbortController();
      // Progress is told once per turn, with the newest resourceVersion, not once per event: the
      // machine only needs to know the watch is alive and where to resume, and each event it
      // hears restarts its stall timer. At 5,000 events/s, one per event was a fifth of the
      // backend's CPU (docs/development.md, Measured limits).
      let progressAt: string | null = null;
      const tellProgress = () => {
        const resourceVersion = progressAt;
        progressAt = null;
        if (resourceVersion !== null && !finished) send({ type: 'WATCH.PROGRESS', resourceVersion });
      };
      const noteProgress = (resourceVersion: string) => {
        // setImmediate, not a microtask: every chunk read in this turn (a TLS record holds a
        // few events) lands before the machine hears of them.
        if (progressAt === null) setImmediate(tellProgress);
        // An event without a resourceVersion moves nothing: keep the newest one that did.
        if (progressAt === null || resourceVersion) progressAt = resourceVersion;
      };
      const finish = (event: UpstreamEvent) => {
        if (finished) return;
        // What arrived before the end is progress the machine must hear first.
        tellProgress();
        finished = true;
        abort?.();
        send(event);
      };
      // Rows printed under other columns cannot be mixed with the cache's: list them all again.
      const stopListening = relist?.on(() => finish({ type: 'WATCH.GONE' }));
      const onLine = (text: string) => {
        if (finished) return;
        let line: WatchLine;
        try {
          line = JSON.parse(text) as WatchLine;
        } catch {
          finish({ type: 'WATCH.FAILED', message: 'watch sent a line that is not JSON' });
          return;
        }
        const object = line.object ?? {};
        switch (line.type) {
          case 'ADDED':
          case 'MODIFIED':
          case 'DELETED':
          case 'BOOKMARK': {
            const read = collection.readEvent(line.type, object);
            if (read.columns && sink.columns && !sameColumns(read.columns, sink.columns())) {
              // The printer changed (a CRD's printer columns were edited): relist and reset.
              finish({ type: 'WATCH.GONE' });
              return;
            }
            if (line.type === 'BOOKMARK' || !read.row) sink.bookmark(read.resourceVersion);
            else sink.apply(line.type, read.row, read.resourceVersion);
            noteProgress(read.resourceVersion);
            break;
          }
          case 'ERROR':
            // An in-stream Status: 410 Expired means our resourceVersion is too old.
            if (object.code === 410 || object.reason === 'Expired' || object.reason === 'Gone') finish({ type: 'WATCH.GONE' });
            else finish({ type: 'WATCH.FAILED', ...(object.code !== undefined ? { status: object.code } : {}), message: object.message ?? 'watch error' });
            break;
          default:
            break;
        }
      };
      client
        .openStream(collection.path, {
          query: {
            ...collection.query,
            watch: 'true',
            allowWatchBookmarks: 'true',
            resourceVersion: input.resourceVersion || undefined,
            timeoutSeconds: input.timeoutSeconds,
          },
          ...(collection.accept ? { accept: collection.accept } : {}),
          signal: request.signal,
        })
        .then(
          (stream) => {
            if (finished) {
              stream.abort();
              return;
            }
            abort = () => stream.abort();
            stream.read(onLine, (error) =>
              finish(error ? { type: 'WATCH.FAILED', message: error.message } : { type: 'WATCH.ENDED' }),
            );
          },
          (error: unknown) => {
            const status = error instanceof KubeApiError ? error.status : undefined;
            const message = error instanceof Error ? error.message : String(error);
            if (status === 410) finish({ type: 'WATCH.GONE' });
            else finish({ type: 'WATCH.FAILED', ...(status !== undefined ? { status } : {}), message });
          },
        );
      // Cleanup when the machine leaves `watching`: close the connection, report nothing more.
      return () => {
        stopListening?.();
        if (!finished) {
          finished = true;
          abort?.();
        }
        request.abort();
      };
    }),
  };
}
