/**
 * Streaming lists (issue 14): a watch with `sendInitialEvents=true` that sends the current
 * objects first, then a bookmark that ends them. `streamList` reads one; `StreamingListSuspects`
 * remembers, per cluster and collection, the streaming lists that broke off or went silent, so
 * that collection lists in pages for a while; `GiveWaySignal` lets a fresh read that is waiting on
 * a streaming list turn it into a paginated one at once.
 *
 * A streaming list is a watch, and stalls whenever the cluster's watches do (an overloaded watch
 * cache, a black-holed connection): the paginated list is the read that still answers then.
 */
import type { ColumnDefinition, Row } from '../rows.js';
import { KubeApiError, type KubeClient } from './client.js';
import { listRowBound } from './listBounds.js';
import type { Collection, ListResult, PageListener } from './listWatch.js';
import { readWatchEvents } from './watchEvents.js';

/** Rows handed on (`onPage`) per piece of a streaming list, as a list page would be (client-go's page size). */
const streamPieceRows = 500;

/** The annotation on the bookmark that ends a streaming list's initial events. */
const initialEventsEnd = 'k8s.io/initial-events-end';

/**
 * Clusters (by client) that refused a streaming list: asked once, then listed in pages until the
 * backend restarts. A server without the WatchList feature refuses `sendInitialEvents` with 422
 * Invalid; one older than resourceVersionMatch on watches refuses that the same way.
 */
const refusingClusters = new WeakSet<KubeClient>();

export function refusesStreamingLists(client: KubeClient): boolean {
  return refusingClusters.has(client);
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
 * Whether a bookmark ends the initial events. On a Table watch (resource domains), kube-apiserver
 * encodes a bookmark as it does any event object (handlers/response.go: `watchEncoder.Encode`
 * sends bookmarks through the same `doEncode`, whose embedded encoder calls `doTransformObject`,
 * i.e. `asTable`): a one-row Table whose row object, with includeObject=Metadata, is the
 * bookmark's metadata as PartialObjectMetadata, annotations included. Were the conversion to
 * fail, the server sends the object untransformed: the annotation is then on its own metadata.
 */
function endsInitialEvents(object: unknown): boolean {
  const record = (object ?? {}) as { metadata?: { annotations?: Record<string, unknown> }; rows?: { object?: { metadata?: { annotations?: Record<string, unknown> } } }[] };
  const annotations = record.metadata?.annotations ?? (Array.isArray(record.rows) ? record.rows[0]?.object?.metadata?.annotations : undefined);
  return annotations?.[initialEventsEnd] === 'true';
}

/** A request an upstream makes of its running list or watch; `on` returns how to stop listening. */
export class ListenerSignal {
  private readonly listeners = new Set<() => void>();
  on(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  fire(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** Asks a streaming list in flight to give way to a paginated list now: a fresh read is waiting for it. */
export class GiveWaySignal extends ListenerSignal {}

/** A streaming list ended early because something was waiting on it (`GiveWaySignal`); not a failure of the cluster. */
export class StreamingListGaveWay extends Error {
  constructor() {
    super('a fresh read was waiting on the streaming list');
    this.name = 'StreamingListGaveWay';
  }
}

/** What a streaming list also needs besides its collection. */
export interface StreamListOptions {
  readonly signal?: AbortSignal;
  readonly onPage?: PageListener;
  readonly giveWay?: GiveWaySignal;
  /** The most rows the list may hold before it fails: `listRowBound` unless a caller asks for fewer. */
  readonly rowBound?: number;
}

/**
 * Lists a collection as a streaming list (the API concepts page, "Streaming lists"; the watch
 * query parameters of every kind in the API reference say the same): a watch with
 * `sendInitialEvents=true`, `resourceVersionMatch=NotOlderThan` and resourceVersion unset (a
 * consistent read) sends one ADDED event per current object, then a BOOKMARK annotated
 * `k8s.io/initial-events-end: "true"` at the resourceVersion the objects were read at. The server
 * never builds the whole list in memory, and rows are read as they arrive. The watch is closed at
 * that bookmark: the upstream machine watches from its resourceVersion as after any list.
 *
 * It fails (the caller lists in pages) when it ends or breaks before the bookmark, sends a change
 * before it, or sends nothing but other bookmarks for `silenceMs`; it resolves null when the
 * cluster refuses streaming lists. A server that does not know `sendInitialEvents` answers with
 * the plain watch and never sends the bookmark; one of these three ends it.
 */
export async function streamList(client: KubeClient, collection: Collection, silenceMs: number, options: StreamListOptions = {}): Promise<ListResult | null> {
  const { signal, onPage, giveWay, rowBound = listRowBound } = options;
  let stream;
  try {
    stream = await client.openStream(collection.path, {
      query: { ...collection.query, watch: 'true', sendInitialEvents: 'true', resourceVersionMatch: 'NotOlderThan', allowWatchBookmarks: 'true' },
      // A list, streamed or paged, asks for `accept`, not `watchAccept`: a cold list of 150,000
      // pods in protobuf made the demo encode every pod afresh at twice JSON's CPU, and the cold
      // view was 1-4 s slower for it (docs/development.md, "Row 2: pods watched in protobuf").
      ...(collection.accept ? { accept: collection.accept } : {}),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (!isRefusal(error)) throw error;
    refusingClusters.add(client);
    return null;
  }
  const opened = stream;
  return new Promise<ListResult>((resolve, reject) => {
    const rows: Row[] = [];
    let piece: Row[] = [];
    let columns: readonly ColumnDefinition[] | null = null;
    let done = false;
    // Lines are counted, and the count looked at four times per `silenceMs`: a timer reset per
    // line would cost 150,000 timer updates a list. Silence is noticed within 1.25 × silenceMs.
    // Only time in which lines could have been read counts: a look that comes late (the event
    // loop was busy, say serialising a large reset) adds one period at most, since the lines
    // waiting on the socket are read only after the timers of that turn.
    const period = Math.max(1, Math.round(silenceMs / 4));
    let lines = 0;
    let linesAtLastLook = 0;
    let lastLookAt = Date.now();
    let silentMs = 0;
    // Bookmarks that did not end the initial events: no progress, but the mark of a plain watch.
    let otherBookmarks = 0;
    const silence = setInterval(() => {
      const now = Date.now();
      const since = Math.min(now - lastLookAt, period);
      lastLookAt = now;
      if (lines !== linesAtLastLook) {
        linesAtLastLook = lines;
        silentMs = 0;
        return;
      }
      silentMs += since;
      if (silentMs < silenceMs) return;
      const but = otherBookmarks > 0 ? ' but bookmarks without the initial-events-end annotation, as a server that ignores sendInitialEvents does' : '';
      end(new Error(`the streaming list sent nothing for ${silenceMs} ms${but}`));
    }, period);
    silence.unref();
    const stopWaiting = giveWay?.on(() => end(new StreamingListGaveWay()));
    const end = (error: Error | null, resourceVersion = '') => {
      if (done) return;
      done = true;
      clearInterval(silence);
      stopWaiting?.();
      opened.abort();
      signal?.removeEventListener('abort', onAbort);
      if (error) {
        reject(error);
        return;
      }
      if (piece.length > 0) onPage?.(piece, false, columns);
      resolve({ rows, resourceVersion, columns, mode: 'streaming', pagedBecause: null });
    };
    const onAbort = () => end(new Error('list abandoned'));
    signal?.addEventListener('abort', onAbort);
    readWatchEvents(
      opened,
      (line) => {
        if (done) return;
        const object = line.object ?? {};
        // A bookmark that does not end the initial events says the connection lives, not that
        // the list moves on, so it does not break the silence: a server that ignores
        // sendInitialEvents serves the plain watch, whose periodic bookmarks would otherwise
        // keep a quiet collection's list open as long as the watch lasts (the demo cluster's
        // `ignore-initial-events` fault).
        if (line.type === 'BOOKMARK' && !endsInitialEvents(object)) {
          otherBookmarks++;
          return;
        }
        lines++;
        if (line.type === 'ERROR') {
          end(new KubeApiError(object.message ?? 'streaming list error', object.code, 'GET', collection.path, object.reason));
          return;
        }
        if (line.type === 'BOOKMARK') {
          const read = collection.readEvent('BOOKMARK', object);
          // Only the first object a Table watch sends carries the columns: in an empty
          // collection, that is the end bookmark.
          columns ??= read.columns;
          end(null, read.resourceVersion);
          return;
        }
        // Before the end bookmark every event is an ADDED of a current object. A change means the
        // bookmark went by unrecognised, or the server serves the plain watch and will never send
        // it: fail now rather than follow changes until the timeout.
        if (line.type !== 'ADDED') {
          end(new Error(`the streaming list sent ${line.type ?? 'an event without a type'} before its initial-events-end bookmark`));
          return;
        }
        const read = collection.readEvent(line.type, object);
        columns ??= read.columns;
        if (!read.row) return;
        if (rows.length >= rowBound) {
          end(new Error(`the streaming list of ${collection.path} passed ${rowBound} rows, the most kubelive holds for one collection`));
          return;
        }
        rows.push(read.row);
        piece.push(read.row);
        if (piece.length >= streamPieceRows) {
          onPage?.(piece, false, columns);
          piece = [];
        }
      },
      (error) => end(error ?? new Error('the streaming list ended before its initial-events-end bookmark')),
    );
  });
}

/** Why a collection lists in pages for now, and until when. */
export interface Suspicion {
  readonly reason: string;
  readonly since: number;
  readonly until: number;
}

/**
 * Five minutes: long enough that a cluster whose watches keep stalling is not asked for a
 * streaming list on every relist, short enough that one that recovered streams again within
 * about one watch's lifetime (watches end after 5–10 minutes).
 */
export const suspectForMs = 5 * 60_000;

/**
 * A backend lists ten hand-made resources, at most 32 resource domains and 128 namespaced
 * upstreams at once; 256 suspicions per cluster cover them. Past that the oldest is forgotten,
 * which costs one more streaming attempt, never a wrong list.
 */
export const maxSuspectsPerCluster = 256;

/**
 * StreamingListSuspects remembers, per cluster (client) and collection, that a streaming list
 * broke off or went silent, so that the collection lists in pages until the suspicion expires.
 * Bounded per cluster; a cluster's map goes with its client.
 */
export class StreamingListSuspects {
  private readonly byCluster = new WeakMap<KubeClient, Map<string, Suspicion>>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly forMs = suspectForMs,
    private readonly max = maxSuspectsPerCluster,
  ) {}

  mark(client: KubeClient, collection: Collection, reason: string): void {
    let suspects = this.byCluster.get(client);
    if (!suspects) {
      suspects = new Map();
      this.byCluster.set(client, suspects);
    }
    const key = collectionKey(collection);
    // Re-inserted, so the Map's order stays oldest first.
    suspects.delete(key);
    const since = this.now();
    suspects.set(key, { reason, since, until: since + this.forMs });
    for (const oldest of suspects.keys()) {
      if (suspects.size <= this.max) break;
      suspects.delete(oldest);
    }
  }

  /** The live suspicion of this collection, or null (an expired one is forgotten here). */
  suspicion(client: KubeClient, collection: Collection): Suspicion | null {
    const suspects = this.byCluster.get(client);
    const key = collectionKey(collection);
    const found = suspects?.get(key);
    if (!found) return null;
    if (this.now() < found.until) return found;
    suspects!.delete(key);
    return null;
  }

  /** How many suspicions this cluster holds (expired ones included until looked at). */
  size(client: KubeClient): number {
    return this.byCluster.get(client)?.size ?? 0;
  }
}

/** The suspicions every upstream of this backend shares. */
export const streamingListSuspects = new StreamingListSuspects();

function collectionKey(collection: Collection): string {
  return `${collection.accept ?? ''} ${collection.path} ${JSON.stringify(collection.query ?? {})}`;
}
