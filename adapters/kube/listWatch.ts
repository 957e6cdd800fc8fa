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
import { joinedRows, type ColumnDefinition, type Row } from '../rows.js';
import { KubeApiError, type KubeClient, type Query } from './client.js';
import { checkListBounds } from './listBounds.js';
import { type ResourceSpec } from './resources.js';
import type { KubeObject } from './rows.js';
import { GiveWaySignal, ListenerSignal, refusesStreamingLists, StreamingListGaveWay, streamingListSuspects, streamList, type StreamingListSuspects } from './streamingList.js';
import { readResourceEvent, readResourcePage, sameColumns, tableAccept } from './tableRows.js';
import { readWatchEvents } from './watchEvents.js';

/**
 * How the last list was read: `streaming` (a watch that sends the current objects first);
 * `paginated` (no streaming list was tried, or one gave way to a fresh read: `pagedBecause` says
 * why); `paginated after streaming failed` (this streaming list broke or went silent before its
 * end); or one unpaginated read after a continue token expired.
 */
export type ListMode = 'streaming' | 'paginated' | 'paginated after streaming failed' | 'unpaginated after expired continue';

export type WatchEncoding = 'protobuf' | 'json';

/** The part of the cache a list-watch writes to. */
export interface CacheSink {
  /** A whole list; the list's actor waits for a returned promise (a large list lands in pieces) before it watches. */
  replace(rows: readonly Row[], resourceVersion: string, columns?: readonly ColumnDefinition[] | null, signal?: AbortSignal): void | Promise<void>;
  apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', row: Row, resourceVersion: string): void;
  bookmark(resourceVersion: string): void;
  /** How the list that just landed was read (lists only), and why it was not streamed (null when it was). */
  listedBy?(mode: ListMode, pagedBecause: string | null): void;
  /** A streaming list failed and pages replace it: told at once, before those pages land. */
  streamingListFailed?(message: string): void;
  /** The encoding the API server answered the watch in, once it opened: protobuf where asked for and served, else JSON. */
  watchOpened?(encoding: WatchEncoding): void;
  /**
   * The rows of each page of a list still in progress, as it arrives (PageListener). A cold
   * view's snapshot streams them before the list completes.
   */
  listPage?(rows: readonly Row[], restarted: boolean, columns: readonly ColumnDefinition[] | null): void;
  /** The columns rows are printed under now (Table collections); null when not known. */
  columns?(): readonly ColumnDefinition[] | null;
  /** A list's last page is read, before its rows are handed to `replace`: a cold view's snapshot can end there. */
  listRead?(resourceVersion: string): void;
}

/**
 * Hears each page of a list in progress: its rows; `restarted` when the list started over (an
 * expired continue token, a streaming list replaced by pages: the rows so far are void); and the
 * columns the list's rows are printed under once it knows them (a Table collection's first page,
 * or a streaming list's first event), else null.
 */
export type PageListener = (rows: readonly Row[], restarted: boolean, columns: readonly ColumnDefinition[] | null) => void;

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
  /**
   * The Accept header of its watches, when it differs from `accept`: pods are watched in
   * protobuf (adapters/kube/protobuf.ts) and listed, streamed or in pages, as JSON.
   */
  readonly watchAccept?: string;
  /** Page size; smaller for collections of large objects (Helm release Secrets). */
  readonly pageSize?: number;
  /** Largest answer accepted for one page. */
  readonly maxPageBytes?: number;
  /** Why this collection is always listed in pages, never as a streaming list; absent when it streams where the cluster serves that. */
  readonly pagedBecause?: string;
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
  const collection = objectCollection(path, spec.project);
  return spec.watchAccept ? { ...collection, watchAccept: spec.watchAccept } : collection;
}

/**
 * Rows of a Table page: each is an object's metadata and printed cells, a fraction of the whole
 * object, so 2,000 of them are about the bytes of client-go's 500 whole objects (a demo pod's
 * row 0.6 KB of its 2.3 KB; a ConfigMap's 0.34 KB of 0.45 KB). A page of 500 rows costs the
 * backend a request (0.7 ms of CPU) per 170 KB of ConfigMaps: 20,345 of them listed in 127 ms of
 * CPU in pages of 500, 93 ms in pages of 2,000 (docs/development.md, row 12).
 */
export const tablePageSize = 2000;

/**
 * Why a Table collection lists in pages: a streaming list sends every object as an event holding
 * a one-row Table, column header and all, which the backend parses one at a time: 20,345
 * ConfigMaps took 2× the CPU of the same rows read in Table pages (165 ms against 79–93 ms) and
 * 36 % more bytes (docs/development.md, row 12). For whole objects (the hand-made resources) the
 * event adds a few bytes to a large object, and streaming wins.
 */
export const tablesPagedBecause = 'a Table collection lists in pages: a streaming list sends each object as its own one-row Table, twice the parsing of a page';

/** A resource domain's collection, read in Table form with metadata-only objects, in pages. */
export function tableCollection(path: string): Collection {
  return {
    path,
    query: { includeObject: 'Metadata' },
    accept: tableAccept,
    pageSize: tablePageSize,
    pagedBecause: tablesPagedBecause,
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
  /** Why it was not a streaming list; null when it was. */
  readonly pagedBecause: string | null;
  /** Paginated: the pages asked for while the page before them was still being parsed (continueAhead). */
  readonly askedAhead?: number;
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
 *
 * Each page's continue token is read from the head of its text (`continueAhead`) and the next
 * page asked for before this one is parsed, so the API server prepares a page while we parse the
 * last one instead of the two taking turns. The token the parsed page carries is the authority:
 * a request made with any other is cancelled and the right one made. At most two pages are held
 * at once, each within `maxPageBytes`.
 */
export async function listAll(
  client: KubeClient,
  collection: Collection,
  signal?: AbortSignal,
  namespacePath?: string,
  onPage?: PageListener,
): Promise<ListResult> {
  const path = namespacePath ?? collection.path;
  const base = {
    ...(collection.accept ? { accept: collection.accept } : {}),
    ...(collection.maxPageBytes ? { maxBytes: collection.maxPageBytes } : {}),
  };
  const ask = (continueToken: string | undefined): InFlightPage => {
    const cancel = new AbortController();
    const text = client.requestText(path, {
      ...base,
      signal: signal ? AbortSignal.any([signal, cancel.signal]) : cancel.signal,
      query: { ...collection.query, limit: collection.pageSize ?? listPageSize, continue: continueToken },
    });
    // A page asked ahead and then not wanted must not report its cancellation as unhandled.
    text.catch(() => {});
    return { continueToken, text, cancel: () => cancel.abort() };
  };
  // Each page's rows as they came, joined once at the end (joinedRows).
  const pages: Row[][] = [];
  let listed = 0;
  let token: string | undefined;
  let resourceVersion = '';
  let columns: readonly ColumnDefinition[] | null = null;
  let askedAhead = 0;
  let next: InFlightPage | null = ask(undefined);
  try {
    while (next) {
      const current: InFlightPage = next;
      token = current.continueToken;
      next = null;
      const text = await current.text;
      const ahead = continueAhead(text);
      if (ahead !== null) {
        next = ask(ahead);
        askedAhead++;
      }
      const page = collection.readPage(parseJson(text, path));
      checkListBounds(path, listed + page.rows.length, pages.length + 1, token, page.continueToken);
      pages.push(page.rows);
      listed += page.rows.length;
      // Columns come with every page; the first page's are the printer's (a CRD edited between
      // pages changes nothing until the next list).
      columns ??= page.columns;
      onPage?.(page.rows, false, columns);
      resourceVersion = page.resourceVersion || resourceVersion;
      const wanted = page.continueToken || undefined;
      if (next?.continueToken !== wanted) {
        if (next) askedAhead--;
        next?.cancel();
        next = wanted === undefined ? null : ask(wanted);
      }
    }
    return { rows: joinedRows(pages), resourceVersion, columns, mode: 'paginated', pagedBecause: 'listed in pages', askedAhead };
  } catch (error) {
    next?.cancel();
    if (token === undefined || !(error instanceof KubeApiError) || error.status !== 410) throw error;
  }
  const body = await client.requestJson<unknown>('GET', path, { ...base, ...(signal ? { signal } : {}), query: { ...collection.query }, maxBytes: 1024 * 1024 * 1024 });
  const page = collection.readPage(body);
  checkListBounds(path, page.rows.length, 1);
  onPage?.(page.rows, true, page.columns);
  return { rows: page.rows, resourceVersion: page.resourceVersion, columns: page.columns, mode: 'unpaginated after expired continue', pagedBecause: 'a continue token expired halfway' };
}

/** A page asked for and not yet read. */
interface InFlightPage {
  readonly continueToken: string | undefined;
  readonly text: Promise<string>;
  readonly cancel: () => void;
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new KubeApiError(`GET ${path}: response is not JSON`, 200, 'GET', path);
  }
}

/**
 * The continue token of a list page, read from the head of its JSON before it is parsed, or null.
 * A list's `metadata` comes before its `items` (a Table's before its `columnDefinitions` and
 * `rows`) as the API server writes it, so the token is near the start; a `"continue"` only
 * found after the first of those keys may be in an object's annotations and is not taken, nor is
 * a token with characters an opaque base64 token does not have. A wrong guess costs one request,
 * cancelled: the parsed page decides.
 */
export function continueAhead(text: string): string | null {
  const head = text.slice(0, continueHeadChars);
  const at = head.indexOf('"continue":"');
  if (at < 0) return null;
  for (const key of ['"items":', '"rows":', '"columnDefinitions":']) {
    const k = head.indexOf(key);
    if (k >= 0 && k < at) return null;
  }
  const match = /^"continue":"([A-Za-z0-9+/=_-]+)"/.exec(head.slice(at));
  return match ? match[1]! : null;
}

/** A list's metadata is a few hundred bytes: a token further in is not in it. */
const continueHeadChars = 4096;

/** One line of a watch: an event, or an in-stream Status (ERROR). */
export interface WatchLine {
  type?: string;
  object?: { code?: number; message?: string; reason?: string; metadata?: { resourceVersion?: string; annotations?: Record<string, string> } };
}

/** What `listCollection` needs besides the client and the collection. */
export interface ListCollectionOptions {
  /** How long a streaming list may send nothing before a paginated list replaces it. */
  readonly streamSilenceMs: number;
  readonly signal?: AbortSignal;
  readonly onPage?: PageListener;
  /** Fired by a fresh read waiting for this list: a streaming list in flight gives way to pages. */
  readonly giveWay?: GiveWaySignal;
  /** The upstream's last watch lapsed: its streaming list would stall the same way (ListInput). */
  readonly watchLapsed?: boolean;
  /** Told at once when a streaming list failed and pages replace it, before those pages land. */
  readonly onStreamingFailed?: (message: string) => void;
  readonly suspects?: StreamingListSuspects;
}

/** A paginated list, saying why it was not a streaming one. */
async function listInPages(client: KubeClient, collection: Collection, options: ListCollectionOptions, pagedBecause: string, mode?: ListMode): Promise<ListResult> {
  const paged = await listAll(client, collection, options.signal, undefined, options.onPage);
  if (paged.mode !== 'paginated') return paged;
  return { ...paged, mode: mode ?? paged.mode, pagedBecause };
}

/**
 * Lists a collection the cheapest way the cluster allows that cannot stall with its watches:
 * in pages when the collection says so (Table collections: `tablesPagedBecause`), else
 * streaming where the cluster serves that, in pages where it refuses, and in pages whenever a streaming
 * list is likely to stall: after this upstream's watch lapsed, and for a while after a streaming
 * list of this collection broke off or went silent (StreamingListSuspects). A streaming list that
 * breaks or goes silent before its end is followed at once by a paginated list, as client-go's
 * reflector falls back to a list when its watch-list fails: a server whose watches stall (an
 * overloaded watch cache) still answers lists. So does one a fresh read is waiting for
 * (`giveWay`): such a read never waits on a streaming list. The rows streamed so far are dropped
 * (`restarted`): pages from another read cannot be mixed with them.
 */
export async function listCollection(client: KubeClient, collection: Collection, options: ListCollectionOptions): Promise<ListResult> {
  const suspects = options.suspects ?? streamingListSuspects;
  if (collection.pagedBecause) return listInPages(client, collection, options, collection.pagedBecause);
  if (refusesStreamingLists(client)) return listInPages(client, collection, options, 'the cluster refuses streaming lists');
  if (options.watchLapsed) return listInPages(client, collection, options, 'the last watch lapsed, and a streaming list is a watch: it would stall the same way');
  const suspicion = suspects.suspicion(client, collection);
  if (suspicion) {
    const until = new Date(suspicion.until).toISOString();
    return listInPages(client, collection, options, `a streaming list of this collection failed at ${new Date(suspicion.since).toISOString()} (${suspicion.reason}); in pages until ${until}`);
  }
  let failure: string;
  let mode: ListMode = 'paginated after streaming failed';
  try {
    const streamed = await streamList(client, collection, options.streamSilenceMs, options);
    if (streamed) return streamed;
    return await listInPages(client, collection, options, 'the cluster refuses streaming lists');
  } catch (error) {
    if (options.signal?.aborted || (error instanceof KubeApiError && (error.status === 401 || error.status === 403 || error.status === 404))) throw error;
    failure = error instanceof Error ? error.message : String(error);
    if (error instanceof StreamingListGaveWay) mode = 'paginated';
    else {
      suspects.mark(client, collection, failure);
      options.onStreamingFailed?.(`streaming list failed, listing in pages instead: ${failure}`);
    }
  }
  options.onPage?.([], true, null);
  return listInPages(client, collection, options, failure, mode);
}

/** Asks a running watch to end with a relist (the columns the rows are printed under changed). */
export class RelistSignal extends ListenerSignal {}

/**
 * How long a streaming list may send nothing before a paginated list replaces it, when its owner
 * sets no bound: initial events flow without pause once begun, and a real server answers a
 * consistent read within seconds.
 */
export const defaultStreamSilenceMs = 30_000;

/** What an upstream hands its list-watch besides the cache: the signals it may fire, and its silence bound. */
export interface ListWatchSignals {
  /** Ends the running watch with a relist. */
  readonly relist?: RelistSignal;
  /** Turns a streaming list in flight into a paginated one: a fresh read is waiting for it. */
  readonly giveWay?: GiveWaySignal;
  readonly streamSilenceMs?: number;
}

/**
 * The least time between two WATCH.PROGRESS one watch tells its machine. Each re-enters the
 * machine's liveness state, restarting its stall timer; a backend behind a busy watch hands lines
 * on in turns of the loop's share (then 8 ms slices), and one a turn was 3 % of its CPU at 20,000 changes/s
 * (docs/development.md, "Row 2"). The stall timer is seconds long, and a watch that ends tells
 * its newest resourceVersion first (`finish`), so a tenth of a second later costs neither.
 */
export const progressEveryMs = 100;

/** The machine's `listResource` and `watchResource` actors for one collection, writing to `sink`. */
export function listWatchActors(client: KubeClient, collection: Collection, sink: CacheSink, signals: ListWatchSignals = {}) {
  const { relist, giveWay, streamSilenceMs = defaultStreamSilenceMs } = signals;
  return {
    listResource: fromPromise<ListOutput, ListInput>(async ({ input, signal }) => {
      // The pages of an earlier read that failed partway are void (this one may differ: objects
      // deleted since, or changed), and so are this read's if it fails: a cold view following
      // the list must never be handed one read's rows mixed with another's.
      const voidPages = () => sink.listPage?.([], true, null);
      voidPages();
      const onPage: PageListener = (rows, restarted, columns) => {
        input.progress?.();
        sink.listPage?.(rows, restarted, columns);
      };
      const { rows, resourceVersion, columns, mode, pagedBecause } = await listCollection(client, collection, {
        streamSilenceMs,
        signal,
        onPage,
        ...(giveWay ? { giveWay } : {}),
        ...(input.watchLapsed ? { watchLapsed: true } : {}),
        ...(sink.streamingListFailed ? { onStreamingFailed: sink.streamingListFailed.bind(sink) } : {}),
      }).catch((error: unknown) => {
        voidPages();
        throw error;
      });
      // The machine may have moved on (stopped) while the last page was in flight.
      if (signal.aborted) throw new Error('list abandoned');
      sink.listRead?.(resourceVersion);
      await sink.replace(rows, resourceVersion, columns, signal);
      sink.listedBy?.(mode, pagedBecause);
      return { resourceVersion };
    }),
    watchResource: fromCallback<EventObject, WatchInput>(({ input, sendBack }) => {
      const send = (event: UpstreamEvent) => sendBack(event);
      let finished = false;
      let abort: (() => void) | undefined;
      // Aborts the request even before its response arrives (a server that never answers).
      const request = new AbortController();
      // Progress is told at most once per turn and once per `progressEveryMs`, with the newest
      // resourceVersion, not once per event: the machine only needs to know the watch is alive
      // and where to resume, and each event it hears restarts its stall timer. At 5,000 events/s,
      // one per event was a fifth of the backend's CPU (docs/development.md, Measured limits).
      let progressAt: string | null = null;
      let toldAt = Number.NEGATIVE_INFINITY;
      let progressTimer: NodeJS.Timeout | null = null;
      const tellProgress = () => {
        progressTimer = null;
        const resourceVersion = progressAt;
        progressAt = null;
        if (resourceVersion === null || finished) return;
        toldAt = performance.now();
        send({ type: 'WATCH.PROGRESS', resourceVersion });
      };
      const noteProgress = (resourceVersion: string) => {
        if (progressAt === null) {
          // setImmediate, not a microtask: every chunk read in this turn (a TLS record holds a
          // few events) lands before the machine hears of them.
          const wait = toldAt + progressEveryMs - performance.now();
          if (wait <= 0) setImmediate(tellProgress);
          else progressTimer ??= setTimeout(tellProgress, wait);
        }
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
      const onEvent = (line: WatchLine) => {
        if (finished) return;
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
      // A watch asks for `watchAccept` where the collection has one (pods: protobuf), else for what its lists ask.
      const watchAccept = collection.watchAccept ?? collection.accept;
      client
        .openStream(collection.path, {
          query: {
            ...collection.query,
            watch: 'true',
            allowWatchBookmarks: 'true',
            resourceVersion: input.resourceVersion || undefined,
            timeoutSeconds: input.timeoutSeconds,
          },
          ...(watchAccept ? { accept: watchAccept } : {}),
          signal: request.signal,
        })
        .then(
          (stream) => {
            if (finished) {
              stream.abort();
              return;
            }
            abort = () => stream.abort();
            sink.watchOpened?.(stream.protobuf ? 'protobuf' : 'json');
            readWatchEvents(stream, onEvent, (error) =>
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
        if (progressTimer) clearTimeout(progressTimer);
        if (!finished) {
          finished = true;
          abort?.();
        }
        request.abort();
      };
    }),
  };
}
