/**
 * WatchStream serves one watch request: it replays what the client asked for (the current
 * objects, or the changes after its resourceVersion), then relays every change to the store as
 * one JSON line per event (or, for a protobuf watch of pods, one length-prefixed WatchEvent
 * frame: podProtobuf.ts), with periodic bookmarks when allowed, until the client leaves, the
 * timeout ends it, or a fault drops it.
 *
 * Selector semantics follow a real server: an object that stops matching arrives as DELETED, one
 * that starts matching as ADDED.
 *
 * A blackholed stream is a half-open connection: it stays open, nothing more is written to it,
 * its socket is no longer read, and the server never ends it; only the client can.
 *
 * A lagging stream (the `lag-watches` fault) sends every line, bookmarks included, the fault's
 * `ms` after it was written, in order: a server that keeps delivering but behind. Its deadline is
 * its own and is not delayed: what still waits then is dropped with the stream, as a client that
 * resumes from the last resourceVersion it read is sent again anyway. An in-stream ERROR is not
 * delayed (it ends the stream, and a delayed one would be dropped with it). Waiting lines count
 * against one budget for the whole process, `maxLaggingLines`; a stream whose line would pass it
 * is closed, cleanly, instead. Clearing the fault sends what waits at once, as clearing
 * `stall-watches` does.
 *
 * Lines are written in batches, one socket write per callback that made changes: kube-apiserver's
 * watch handler (endpoints/handlers/watch.go, HandleHTTP) encodes each event into a buffered
 * writer and flushes as soon as no further event is waiting in the watcher's channel, so a burst
 * of changes leaves in few chunks while a lone change leaves at once. Here "no further event
 * waiting" is the end of the callback that made them (a microtask): a burst made in one call
 * (a churn tick, a replay piece) is one write, and a change made by one request does not wait
 * for the turn's other callbacks (other requests, other sockets' reads), which on a busy demo
 * held it 10-40 ms where a real server, whose watchers do not share one thread, sends at once.
 * Clients see the same stream of newline-delimited events either way (the API concepts page,
 * "Efficient detection of changes"); only the chunking differs. At 20,000 changes/s one write
 * per event cost the demo more in syscalls than in encoding, and the watch fell behind
 * (docs/development.md).
 */
import type { ServerResponse } from 'node:http';
import type { Change, KubeObject, ObjectStore } from './store.js';
import type { ApiError, Status } from './status.js';
import { encodeStatusEnvelope, protobufWatchMediaType, watchFrameHead } from './podProtobuf.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchOptions {
  store: ObjectStore;
  /** Plural of the resource, for scoping faults. */
  resource: string;
  kind: string;
  apiVersion: string;
  namespace?: string | undefined;
  matches: (object: KubeObject) => boolean;
  /** undefined: start with the current objects as ADDED; a number: replay changes after it. */
  fromRevision: number | undefined;
  sendInitialEvents: boolean;
  /** Periodic bookmarks: asked by the client and sent by this server. */
  allowBookmarks: boolean;
  /** A streaming list that allows bookmarks: its initial events end with the annotated bookmark. */
  endsInitialEvents: boolean;
  timeoutMs: number;
  bookmarkIntervalMs: number;
  /** Turns an object into what goes on the wire instead of the object itself (a one-row Table), bookmarks' too. */
  encode?: ((object: KubeObject) => unknown) | undefined;
  /**
   * Set for a protobuf watch: an object's full encoding (magic and Unknown), which the store
   * keeps for current objects (`ObjectStore.encoded`). Events are then length-prefixed
   * metav1.WatchEvent frames (podProtobuf.ts), not JSON lines; everything else is the same.
   */
  protobuf?: ((object: KubeObject) => Buffer) | undefined;
  isStalled: () => boolean;
  /** The `lag-watches` fault's lag in ms, or 0 when it is off. */
  lagMs?: (() => number) | undefined;
}

/** How long before its deadline a watch gets its last bookmark, as kube-apiserver's watch cache does. */
const preDeadlineBookmarkMs = 2_000;

/** Past this much unsent data a client is not keeping up; a real server drops such watchers too. */
const maxBufferedBytes = 32 * 1024 * 1024;
/** Changes replayed per piece when a watch resumes from history: about 2.5 MB of pods. */
const replayPieceChanges = 1_000;
/** A resuming watch's next piece waits for the socket to drain past this much unsent. */
const replayAheadBytes = 4 * 1024 * 1024;
/** While stalled, events wait; past this many the watch is closed rather than grow without bound. */
const maxStalledEvents = 50_000;
/**
 * Lines waiting out a lag, every stream of the process together: about 125 MB of pods at most.
 * A stream whose line would pass it is closed rather than let the process grow without bound.
 */
export const maxLaggingLines = 50_000;
let laggingLines = 0;

/** How many watch lines of this process wait out a `lag-watches` fault now. */
export function waitingLagLines(): number {
  return laggingLines;
}

/** One watch line waiting out a lag: its pieces (a protobuf frame's are two) and when it is due. */
interface LaggingLine {
  readonly due: number;
  readonly pieces: readonly (string | Buffer)[];
}

export class WatchStream {
  private closed = false;
  private dead = false;
  /** Events held by a stall: JSON lines, or for a protobuf watch each frame's head and its object. */
  private held: (string | Buffer)[] = [];
  /** Lines (or frames' pieces) written by the running callback, sent together when it ends (`flush`). */
  private unflushed: (string | Buffer)[] = [];
  private unflushedBytes = 0;
  private flushScheduled = false;
  /** Replaying history (`catchUp`): not yet following the store, so a bookmark due now waits (`bookmarkOwed`). */
  private catchingUp = true;
  /**
   * A bookmark fell due while catching up: it is sent once caught up. kube-apiserver queues a due
   * bookmark on the watcher's input channel, which it reads only after the initial events
   * (cacheWatcher.processInterval), so a replay that outlasts the pre-deadline moment still ends
   * with that bookmark rather than losing it.
   */
  private bookmarkOwed = false;
  private readonly cleanups: (() => void)[] = [];
  /** Lines waiting out a lag, oldest first; each is due no earlier than the one before it. */
  private lagging: LaggingLine[] = [];
  private laggingHead = 0;
  private lagTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly response: ServerResponse,
    private readonly options: WatchOptions,
  ) {
    response.on('close', () => this.close());
    // A client that vanishes mid-write must end this watch, never the process.
    response.on('error', () => this.close());
  }

  /** Starts the stream; an expired starting point ends it with an in-stream 410 ERROR, as real servers do. */
  start(expiredError: ApiError | undefined): void {
    const { response, options } = this;
    // A watch's Content-Type is its stream serializer's (serveWatchHandler in kube-apiserver's
    // endpoints/handlers/watch.go): JSON lines, or protobuf with ";stream=watch".
    const contentType = options.protobuf ? protobufWatchMediaType : 'application/json';
    response.writeHead(200, { 'Content-Type': contentType, 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    response.flushHeaders();
    if (expiredError) {
      this.writeError(expiredError.toStatus());
      this.close();
      return;
    }
    const { store } = options;
    if (options.fromRevision === undefined && options.sendInitialEvents) {
      const revision = store.currentRevision();
      this.sendInitialEvents([...store.values(options.namespace)], 0, revision);
    } else if (options.fromRevision === undefined) {
      for (const object of store.values(options.namespace)) {
        if (options.matches(object)) this.send('ADDED', object);
      }
      this.follow();
    } else {
      this.catchUp(options.fromRevision);
    }
    if (options.allowBookmarks) {
      const timer = setInterval(() => this.bookmark(false), options.bookmarkIntervalMs);
      timer.unref();
      this.cleanups.push(() => clearInterval(timer));
    }
    if (options.allowBookmarks && options.timeoutMs > preDeadlineBookmarkMs) {
      // A real API server's watch cache sends a bookmark 2 s before a watch's deadline as well as
      // about once a minute (cacheWatcher.nextBookmarkTime), so a client can resume as close to
      // now as possible. kubelive's upstream proof relies on it: a 3 s probe watch gets its
      // bookmark after about 1 s.
      const preDeadline = setTimeout(() => this.bookmark(false), options.timeoutMs - preDeadlineBookmarkMs);
      preDeadline.unref();
      this.cleanups.push(() => clearTimeout(preDeadline));
    }
    const timeout = setTimeout(() => this.close(), options.timeoutMs);
    timeout.unref();
    this.cleanups.push(() => clearTimeout(timeout));
  }

  /** From now on every change to the store is relayed as it happens. */
  private follow(): void {
    this.catchingUp = false;
    this.cleanups.push(this.options.store.subscribe((change) => this.relay(change)));
    if (this.bookmarkOwed) {
      this.bookmarkOwed = false;
      this.bookmark(false);
    }
  }

  /**
   * Replays the changes after `revision` a piece at a time, each once the client has taken the
   * last, then follows: a client resuming far behind (a backend that fell seconds behind at
   * 20,000 changes/s has 100 MB to catch up) is served at its own pace instead of being dropped
   * at `maxBufferedBytes` the moment it returns: the API concepts page ("Efficient detection of
   * changes") promises a watch from a resourceVersion the changes after it, and only one older
   * than the server's history a 410. The last piece and the subscription happen in one turn, so
   * no change falls between them. History compacted past the point reached meanwhile ends the
   * watch with 410 Expired, as a resourceVersion too old would.
   */
  private catchUp(revision: number): void {
    if (this.closed || this.dead) return;
    let changes: readonly Change[];
    try {
      changes = this.options.store.changesSince(revision);
    } catch (error) {
      this.writeError((error as ApiError).toStatus());
      this.close();
      return;
    }
    const piece = changes.length > replayPieceChanges ? changes.slice(0, replayPieceChanges) : changes;
    for (const change of piece) this.relay(change);
    if (piece === changes) {
      this.follow();
      return;
    }
    const reached = piece[piece.length - 1]!.revision;
    this.flush();
    const next = () => this.catchUp(reached);
    if (this.response.writableLength > replayAheadBytes) this.response.once('drain', next);
    else setImmediate(next);
  }

  /**
   * A streaming list's initial events: the objects as of `revision`, a piece at a time as the
   * client takes them (150,000 pods are 350 MB, far past `maxBufferedBytes` if written in one
   * turn), then the initial-events-end bookmark at `revision`, then the changes after it
   * replayed from history and followed (`catchUp`). Stored objects never change, so the
   * snapshot taken at the start stays the state at `revision` however long the pieces take.
   */
  private sendInitialEvents(objects: readonly KubeObject[], from: number, revision: number): void {
    if (this.closed || this.dead) return;
    const to = Math.min(objects.length, from + replayPieceChanges);
    for (let i = from; i < to; i++) if (this.options.matches(objects[i]!)) this.send('ADDED', objects[i]!);
    if (to < objects.length) {
      this.flush();
      const next = () => this.sendInitialEvents(objects, to, revision);
      if (this.response.writableLength > replayAheadBytes) this.response.once('drain', next);
      else setImmediate(next);
      return;
    }
    if (this.options.endsInitialEvents) this.writeBookmark(String(revision), true);
    this.catchUp(revision);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  get isBlackholed(): boolean {
    return this.dead;
  }

  /**
   * The half-open connection (the `blackhole-watches` fault): from now on no byte moves either
   * way. Nothing is written, not even a held event or the end of the stream; the timers stop, so
   * the deadline never closes it; the socket is paused, so the client's writes are never read.
   * It stays this way until the client gives up and closes it.
   */
  blackhole(): void {
    if (this.closed || this.dead) return;
    // What was sent before the connection went half-open still left.
    this.flush();
    this.dead = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.held = [];
    this.dropLagging();
    this.response.socket?.pause();
  }

  get resource(): string {
    return this.options.resource;
  }

  /** After the faults changed: sends what a stall held back once the stall is over, and what waits out a lag once the lag is. */
  resume(): void {
    if (this.closed || this.dead) return;
    if (this.lagMs() === 0) this.sendLagging(Infinity);
    if (this.options.isStalled() || this.held.length === 0) return;
    const held = this.held;
    this.held = [];
    for (const piece of held) this.emit([piece]);
  }

  close(): void {
    if (this.closed) return;
    // The lines of this turn (an in-stream ERROR among them) go out before the end of the stream.
    this.flush();
    this.closed = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.held = [];
    this.dropLagging();
    if (!this.dead && !this.response.writableEnded) this.response.end();
  }

  private relay(change: Change): void {
    if (this.closed) return;
    const { matches, namespace } = this.options;
    if (namespace && change.object.metadata.namespace !== namespace) return;
    const now = change.type !== 'DELETED' && matches(change.object);
    const before = change.previous !== undefined && matches(change.previous);
    if (change.type === 'DELETED') {
      if (before) this.send('DELETED', change.object);
    } else if (now && before) this.send('MODIFIED', change.object);
    else if (now) this.send('ADDED', change.object);
    else if (before) this.send('DELETED', change.object);
  }

  private send(type: WatchEventType, object: KubeObject): void {
    if (this.options.protobuf) this.writeFrame(type, this.options.store.encoded(object, this.options.protobuf));
    else if (this.options.encode) this.writeLine(type, this.options.encode(object));
    else this.writeRaw(type, this.options.store.json(object));
  }

  private bookmark(initialEventsEnd: boolean): void {
    // While catching up, the store's revision is ahead of what was sent: a bookmark now would skip
    // the rest, so it waits until the replay is done.
    if (this.closed || this.options.isStalled()) return;
    if (this.catchingUp) {
      this.bookmarkOwed = true;
      return;
    }
    this.writeBookmark(String(this.options.store.currentRevision()), initialEventsEnd);
  }

  private writeBookmark(resourceVersion: string, initialEventsEnd: boolean): void {
    const metadata: Record<string, unknown> = { resourceVersion };
    if (initialEventsEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
    const object = { kind: this.options.kind, apiVersion: this.options.apiVersion, metadata } as unknown as KubeObject;
    // A real server transforms a bookmark's object like any other (into a one-row Table, or
    // PartialObjectMetadata): kube-apiserver's watchEmbeddedEncoder spares only Status objects.
    // In protobuf it is a Pod with only its resourceVersion (and annotation) set.
    if (this.options.protobuf) this.writeFrame('BOOKMARK', this.options.protobuf(object));
    else this.writeLine('BOOKMARK', this.options.encode ? this.options.encode(object) : object);
  }

  /** An in-stream error: a Status, in the stream's format (kube-apiserver writes it with the embedded encoder). */
  private writeError(status: Status): void {
    if (this.options.protobuf) this.writeFrame('ERROR', encodeStatusEnvelope(status));
    else this.writeLine('ERROR', status);
  }

  /** One protobuf event: its frame's head and the object's full encoding, kept as two pieces to spare a copy. */
  private writeFrame(type: WatchEventType, embedded: Buffer): void {
    if (this.closed || this.dead) return;
    const head = watchFrameHead(type, embedded.length);
    if (this.options.isStalled() && type !== 'ERROR') {
      if (this.held.push(head, embedded) > 2 * maxStalledEvents) this.close();
      return;
    }
    if (type !== 'ERROR') {
      this.emit([head, embedded]);
      return;
    }
    this.write(head);
    this.write(embedded);
  }

  private writeLine(type: WatchEventType, object: unknown): void {
    this.writeRaw(type, JSON.stringify(object));
  }

  private writeRaw(type: WatchEventType, objectText: string): void {
    if (this.closed || this.dead) return;
    const line = `{"type":"${type}","object":${objectText}}\n`;
    if (this.options.isStalled() && type !== 'ERROR') {
      if (this.held.push(line) > maxStalledEvents) this.close();
      return;
    }
    if (type === 'ERROR') this.write(line);
    else this.emit([line]);
  }

  private lagMs(): number {
    return this.options.lagMs?.() ?? 0;
  }

  /**
   * One line, now or, while a lag is on, once it is due. A line written while earlier ones still
   * wait waits too, whatever the lag is now: lines leave in the order they were written.
   */
  private emit(pieces: readonly (string | Buffer)[]): void {
    const lag = this.lagMs();
    if (lag === 0 && this.laggingHead === this.lagging.length) {
      for (const piece of pieces) this.write(piece);
      return;
    }
    if (laggingLines >= maxLaggingLines) {
      this.close();
      return;
    }
    const last = this.lagging[this.lagging.length - 1];
    const due = Math.max(performance.now() + lag, last?.due ?? 0);
    this.lagging.push({ due, pieces });
    laggingLines++;
    if (this.lagTimer === undefined) this.scheduleLagging();
  }

  /** Sends every waiting line due by `until`, in order. */
  private sendLagging(until: number): void {
    const lines = this.lagging;
    let i = this.laggingHead;
    while (i < lines.length && lines[i]!.due <= until) {
      for (const piece of lines[i]!.pieces) this.write(piece);
      i++;
      // A write that found the client gone, or too far behind, closed the stream: its close
      // dropped every waiting line, these included, and took them off the budget.
      if (this.closed || this.dead) return;
    }
    laggingLines -= i - this.laggingHead;
    this.laggingHead = i;
    if (i === lines.length) {
      this.lagging = [];
      this.laggingHead = 0;
    } else if (i > 1024 && i * 2 > lines.length) {
      // Keep the array from growing for ever under a steady lag: drop what has left.
      this.lagging = lines.slice(i);
      this.laggingHead = 0;
    }
    if (this.lagTimer !== undefined) clearTimeout(this.lagTimer);
    this.lagTimer = undefined;
    if (this.laggingHead < this.lagging.length && !this.closed && !this.dead) this.scheduleLagging();
  }

  private scheduleLagging(): void {
    const head = this.lagging[this.laggingHead]!;
    // A timer may fire up to a millisecond early: send what is due by then, and wait again for the rest.
    this.lagTimer = setTimeout(() => this.sendLagging(performance.now() + 1), Math.max(0, head.due - performance.now()));
    this.lagTimer.unref();
  }

  /** The stream ends or goes dead: what waits is dropped, and leaves the process's budget. */
  private dropLagging(): void {
    laggingLines -= this.lagging.length - this.laggingHead;
    this.lagging = [];
    this.laggingHead = 0;
    if (this.lagTimer !== undefined) clearTimeout(this.lagTimer);
    this.lagTimer = undefined;
  }

  private write(line: string | Buffer): void {
    if (this.response.destroyed || this.response.writableEnded) {
      this.close();
      return;
    }
    this.unflushed.push(line);
    this.unflushedBytes += line.length;
    // Counted with what the socket has not taken yet: a client too slow for the stream is
    // dropped as soon as it falls that far behind, batched or not.
    if (this.response.writableLength + this.unflushedBytes > maxBufferedBytes) {
      this.unflushed = [];
      this.unflushedBytes = 0;
      this.close();
      return;
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Sends the lines written since the last flush in one write. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.unflushed.length === 0) return;
    const text = this.unflushed.length === 1 ? this.unflushed[0]! : this.options.protobuf ? Buffer.concat(this.unflushed as Buffer[], this.unflushedBytes) : this.unflushed.join('');
    this.unflushed = [];
    this.unflushedBytes = 0;
    if (this.closed || this.dead || this.response.destroyed || this.response.writableEnded) return;
    this.response.write(text);
  }
}
