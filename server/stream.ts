/**
 * StreamHub serves `GET /api/v1/stream`: one WebSocket per client, many subscriptions on it.
 * Each subscription gets a `reset` once its upstream caches are listed, then coalesced `update`s,
 * a `heartbeat` with count and digest every heartbeat interval, and a `status` whenever its
 * upstream changes state. Every frame of a subscription carries the next `seq`.
 *
 * Backpressure: before anything is queued on a socket, its buffered amount is checked; above
 * the bound the client is "congested" and nothing more is queued until the buffer drains. Its
 * changes meanwhile coalesce per uid (one entry per changed row, pointing at rows the cache holds
 * anyway), and go out as one update after the drain; past `maxPendingChanges` they are dropped
 * and the subscription gets a `reset` instead. So what the backend holds for a client is at most
 * the bound plus one frame plus that many map entries, whatever the client does. (Dropping
 * straight to a reset would loop on a big cluster: a 37 MB reset alone passes the bound.)
 */
import type { WebSocket } from 'ws';
import {
  parseClientFrame,
  type ClientFrame,
  type ErrorCode,
  type ErrorFrame,
  type ResetFrame,
  type RowChange,
  type ServerFrame,
  type SubscribeFrame,
} from '../adapters/protocol.js';
import type { KubeliveConfig } from '../machines/config.js';
import type { GenerationCounter, CacheChange } from './cache.js';
import type { StreamFaults } from './faults.js';
import type { Upstream, Upstreams } from './upstreams.js';
import { combinedReport, viewRows, viewSpec, viewState, type ViewSpec } from './views.js';

export interface StreamLimits {
  /** Above this many bytes waiting in a socket's send buffer, stop queueing for that client. */
  readonly maxBufferedBytes: number;
  readonly maxSubscriptionsPerSocket: number;
  readonly maxConnections: number;
  /** Coalesced changes kept for a congested subscription before it is given a reset instead. */
  readonly maxPendingChanges: number;
}

/** 4 MiB: a few seconds of heavy churn for a healthy client, far below what hurts the backend. */
export const defaultStreamLimits: StreamLimits = {
  maxBufferedBytes: 4 * 1024 * 1024,
  maxSubscriptionsPerSocket: 64,
  maxConnections: 256,
  maxPendingChanges: 10_000,
};

export interface StreamHubOptions {
  readonly config: KubeliveConfig;
  readonly upstreams: Upstreams;
  readonly generations: GenerationCounter;
  readonly faults: StreamFaults;
  readonly limits: StreamLimits;
}

class Subscription {
  seq = 0;
  /** A reset has been sent: updates and heartbeats may follow. */
  started = false;
  /** A reset is owed (after congestion or a stall); nothing else is sent until it goes out. */
  owesReset = false;
  readonly pending = new Map<string, RowChange>();
  /** Frames queued on the socket (or swallowed by drop-next-frame): what the backend sent, not what the client read. */
  frames = 0;
  readonly upstreams: Upstream[];
  readonly cleanups: (() => void)[] = [];

  constructor(
    readonly id: string,
    readonly view: ViewSpec,
    readonly connection: Connection,
    upstreams: Upstream[],
  ) {
    this.upstreams = upstreams;
  }

  get ready(): boolean {
    return this.upstreams.every((u) => u.cache.listed);
  }

  caches() {
    return this.upstreams.map((u) => u.cache);
  }
}

let connectionCounter = 0;

class Connection {
  readonly id = ++connectionCounter;
  readonly subscriptions = new Map<string, Subscription>();
  readonly openedAt = Date.now();
  congested = false;
  congestions = 0;
  framesIn = 0;
  errorsSent = 0;
  peakBufferedBytes = 0;

  constructor(
    readonly socket: WebSocket,
    readonly remote: string,
  ) {}
}

export class StreamHub {
  private readonly connections = new Set<Connection>();
  private readonly dirty = new Set<Subscription>();
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly heartbeatTimer: NodeJS.Timeout;
  private drainTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: StreamHubOptions) {
    this.heartbeatTimer = setInterval(() => this.heartbeatAll(), options.config.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Whether a new socket may be accepted right now (the upgrade handler asks before upgrading). */
  refusal(): string | null {
    if (this.options.faults.closing) return 'streams are being closed (debug fault close-streams)';
    if (this.connections.size >= this.options.limits.maxConnections) return 'too many stream connections';
    return null;
  }

  attach(socket: WebSocket, remote: string): void {
    const connection = new Connection(socket, remote);
    this.connections.add(connection);
    socket.on('message', (data, isBinary) => {
      connection.framesIn++;
      // Text frames only; binary is answered like any malformed frame.
      const text = isBinary ? null : data.toString();
      try {
        this.receive(connection, text);
      } catch (error) {
        // A bug on our side must cost this frame, never the process (an exception escaping a
        // socket handler would end every client's stream).
        this.sendError(connection, { type: 'error', id: null, code: 'internal-error', reason: describe(error), fatal: false });
      }
    });
    socket.on('close', () => this.detach(connection));
    socket.on('error', () => socket.terminate());
  }

  /** The debug fault changed: close sockets, or send owed resets once a stall is lifted. */
  faultChanged(): void {
    const { faults } = this.options;
    if (faults.closing) {
      for (const connection of this.connections) connection.socket.close(1012, 'closed by debug fault');
    }
    if (!faults.stalled) {
      // Also runs from a fault's own timer, where nothing else would catch a failure.
      for (const connection of this.connections) guarded(() => this.drain(connection));
    }
  }

  close(): void {
    clearInterval(this.heartbeatTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.drainTimer) clearInterval(this.drainTimer);
    for (const connection of this.connections) {
      // Not a polite close: a client that stopped reading would hold it open for ws's 30 s.
      connection.socket.terminate();
      this.detach(connection);
    }
  }

  diagnostics(now = Date.now()) {
    return [...this.connections].map((c) => ({
      id: c.id,
      remote: c.remote,
      connectedForMs: now - c.openedAt,
      bufferedBytes: c.socket.bufferedAmount,
      peakBufferedBytes: c.peakBufferedBytes,
      congested: c.congested,
      congestions: c.congestions,
      framesIn: c.framesIn,
      errorsSent: c.errorsSent,
      subscriptions: [...c.subscriptions.values()].map((s) => ({
        id: s.id,
        domain: s.view.domain,
        scope: s.view.scope,
        seq: s.seq,
        frames: s.frames,
        started: s.started,
        owesReset: s.owesReset,
        pendingChanges: s.pending.size,
        upstream: combinedReport(s.upstreams, now),
      })),
    }));
  }

  // ---- client frames ---------------------------------------------------------------------------

  private receive(connection: Connection, text: string | null): void {
    const parsed = parseClientFrame(text);
    if (!parsed.ok) {
      this.sendError(connection, parsed.error);
      return;
    }
    const frame: ClientFrame = parsed.frame;
    switch (frame.type) {
      case 'subscribe':
        this.subscribe(connection, frame);
        break;
      case 'unsubscribe': {
        const subscription = connection.subscriptions.get(frame.id);
        if (!subscription) return this.refuse(connection, frame.id, 'unknown-id', `no subscription "${frame.id}"`);
        this.unsubscribe(subscription);
        break;
      }
      case 'resync': {
        const subscription = connection.subscriptions.get(frame.id);
        if (!subscription) return this.refuse(connection, frame.id, 'unknown-id', `no subscription "${frame.id}"`);
        if (!subscription.started) return; // its first reset is on its way
        if (connection.congested) {
          // Sent once the socket drains.
          subscription.pending.clear();
          subscription.owesReset = true;
        } else this.sendReset(subscription);
        break;
      }
    }
  }

  private subscribe(connection: Connection, frame: SubscribeFrame): void {
    if (connection.subscriptions.has(frame.id)) {
      this.sendError(connection, { type: 'error', id: frame.id, code: 'duplicate-id', reason: `subscription "${frame.id}" already exists`, fatal: false });
      return;
    }
    if (connection.subscriptions.size >= this.options.limits.maxSubscriptionsPerSocket) {
      this.refuse(connection, frame.id, 'too-many-subscriptions', `at most ${this.options.limits.maxSubscriptionsPerSocket} subscriptions per connection`);
      return;
    }
    const view = viewSpec(frame.domain, frame.scope);
    let upstreams: Upstream[];
    try {
      upstreams = view.keys.map((key) => this.options.upstreams.acquire(key));
    } catch (error) {
      this.refuse(connection, frame.id, 'upstream-failed', error instanceof Error ? error.message : String(error));
      return;
    }
    const subscription = new Subscription(frame.id, view, connection, upstreams);
    connection.subscriptions.set(frame.id, subscription);
    for (const upstream of upstreams) {
      subscription.cleanups.push(upstream.onChanges((changes) => this.changed(subscription, changes)));
      subscription.cleanups.push(upstream.onStateChange(() => this.sendStatus(subscription)));
    }
    if (frame.resumeFrom) {
      subscription.seq = frame.resumeFrom.seq;
      if (this.replay(subscription, frame.resumeFrom.generation)) return;
    }
    if (subscription.ready) this.sendReset(subscription);
    else this.sendStatus(subscription); // tells the client what it is waiting for
  }

  /** Sends what a resumed client missed, from the caches' rings; false when they no longer hold it. */
  private replay(subscription: Subscription, generation: number): boolean {
    if (!subscription.ready || generation > this.options.generations.current()) return false;
    const all: CacheChange[] = [];
    for (const cache of subscription.caches()) {
      const replay = cache.changesSince(generation, subscription.view.namespace);
      if (!replay.ok) return false;
      all.push(...replay.changes);
    }
    all.sort((a, b) => a.generation - b.generation);
    subscription.started = true;
    // Through the pending map, so a stalled or congested socket keeps them like any change.
    for (const entry of all) subscription.pending.set(changeUid(entry.change), entry.change);
    this.flush(subscription);
    return true;
  }

  private unsubscribe(subscription: Subscription): void {
    subscription.connection.subscriptions.delete(subscription.id);
    this.dirty.delete(subscription);
    for (const cleanup of subscription.cleanups) cleanup();
    for (const key of subscription.view.keys) this.options.upstreams.release(key);
  }

  private detach(connection: Connection): void {
    if (!this.connections.delete(connection)) return;
    for (const subscription of [...connection.subscriptions.values()]) this.unsubscribe(subscription);
  }

  // ---- upstream changes ------------------------------------------------------------------------

  private changed(subscription: Subscription, changes: readonly CacheChange[]): void {
    if (!subscription.started) {
      // The first list just completed (or a change raced it): now there is something to reset to.
      if (subscription.ready && !subscription.owesReset) this.sendReset(subscription);
      return;
    }
    if (subscription.owesReset) return;
    const namespace = subscription.view.namespace;
    let touched = false;
    for (const entry of changes) {
      if (namespace !== null && entry.namespace !== namespace) continue;
      subscription.pending.set(changeUid(entry.change), entry.change);
      touched = true;
    }
    if (!touched) return;
    if (subscription.pending.size > this.options.limits.maxPendingChanges) {
      // Too far behind to catch up change by change (a congested client, or one huge relist
      // diff): a reset is cheaper and bounded. Sent now, or by the drain if congested.
      subscription.pending.clear();
      subscription.owesReset = true;
      this.dirty.delete(subscription);
      if (!subscription.connection.congested) this.sendReset(subscription);
      return;
    }
    if (subscription.connection.congested) return; // the drain flushes it
    this.dirty.add(subscription);
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => this.flushAll(), this.options.config.updateBatchMs);
      this.flushTimer.unref();
    }
  }

  private flushAll(): void {
    this.flushTimer = null;
    const subscriptions = [...this.dirty];
    this.dirty.clear();
    for (const subscription of subscriptions) guarded(() => this.flush(subscription));
  }

  /** Sends the subscription's pending changes as one update, if it has any. */
  private flush(subscription: Subscription): void {
    this.dirty.delete(subscription);
    if (subscription.pending.size === 0 || this.options.faults.stalled) return;
    if (this.congested(subscription.connection)) return; // kept, coalescing, until the drain
    const changes = [...subscription.pending.values()];
    subscription.pending.clear();
    this.sendUpdate(subscription, changes);
  }

  private heartbeatAll(): void {
    if (this.options.faults.stalled) return;
    const now = Date.now();
    for (const connection of this.connections) {
      if (connection.congested) {
        guarded(() => this.drain(connection));
        continue;
      }
      for (const subscription of connection.subscriptions.values()) {
        if (!subscription.started || subscription.owesReset) continue;
        guarded(() => this.heartbeat(subscription, now));
      }
    }
  }

  private heartbeat(subscription: Subscription, now: number): void {
    this.flush(subscription);
    const state = viewState(subscription.caches(), subscription.view.namespace);
    this.sendSequenced(subscription, (seq) => ({
      type: 'heartbeat',
      id: subscription.id,
      seq,
      generation: state.generation,
      resourceVersion: state.resourceVersion,
      count: state.count,
      digest: state.digest,
      upstream: combinedReport(subscription.upstreams, now),
    }));
  }

  // ---- outgoing frames -------------------------------------------------------------------------

  private sendReset(subscription: Subscription): void {
    subscription.pending.clear();
    this.dirty.delete(subscription);
    if (this.options.faults.stalled) {
      subscription.owesReset = true;
      return;
    }
    const caches = subscription.caches();
    const state = viewState(caches, subscription.view.namespace);
    subscription.owesReset = true; // until it is actually queued
    const sent = this.sendSequenced(subscription, (seq): ResetFrame => ({
      type: 'reset',
      id: subscription.id,
      seq,
      generation: state.generation,
      resourceVersion: state.resourceVersion,
      items: viewRows(caches, subscription.view.namespace),
      count: state.count,
      digest: state.digest,
      upstream: combinedReport(subscription.upstreams),
    }));
    if (sent) {
      subscription.started = true;
      subscription.owesReset = false;
    }
  }

  private sendUpdate(subscription: Subscription, changes: RowChange[]): void {
    const state = viewState(subscription.caches(), subscription.view.namespace);
    this.sendSequenced(subscription, (seq) => ({
      type: 'update',
      id: subscription.id,
      seq,
      generation: state.generation,
      resourceVersion: state.resourceVersion,
      changes,
    }));
  }

  private sendStatus(subscription: Subscription): void {
    if (this.options.faults.stalled || subscription.owesReset) return;
    if (subscription.started) this.flush(subscription);
    const state = viewState(subscription.caches(), subscription.view.namespace);
    this.sendSequenced(subscription, (seq) => ({
      type: 'status',
      id: subscription.id,
      seq,
      generation: state.generation,
      upstream: combinedReport(subscription.upstreams),
    }));
  }

  /**
   * Queues one sequenced frame, built only if it can be sent. Returns false when the client is
   * congested or streams are stalled: the frame is not built and its seq not used. A reset is then owed (sendReset);
   * a heartbeat or status is simply skipped, the next heartbeat says the same.
   */
  private sendSequenced(subscription: Subscription, build: (seq: number) => ServerFrame): boolean {
    const { connection } = subscription;
    if (!connection.subscriptions.has(subscription.id) || this.options.faults.stalled) return false;
    if (this.congested(connection)) return false;
    const frame = build(++subscription.seq);
    subscription.frames++;
    if (this.options.faults.dropNext) {
      // Counted, not delivered: the client sees a gap in seq.
      this.options.faults.dropNext = false;
      return true;
    }
    connection.socket.send(JSON.stringify(frame));
    connection.peakBufferedBytes = Math.max(connection.peakBufferedBytes, connection.socket.bufferedAmount);
    return true;
  }

  private sendError(connection: Connection, frame: ErrorFrame): void {
    // Errors are dropped, not queued, for a client that does not read: it cannot make us buffer.
    if (this.congested(connection)) return;
    connection.errorsSent++;
    connection.socket.send(JSON.stringify(frame));
  }

  private refuse(connection: Connection, id: string, code: ErrorCode, reason: string): void {
    this.sendError(connection, { type: 'error', id, code, reason, fatal: true });
  }

  /** Checks the socket's buffer; past the bound the client becomes congested until it drains. */
  private congested(connection: Connection): boolean {
    if (connection.congested) return true;
    if (connection.socket.bufferedAmount <= this.options.limits.maxBufferedBytes) return false;
    connection.congested = true;
    connection.congestions++;
    this.watchDrains();
    return true;
  }

  private watchDrains(): void {
    if (this.drainTimer) return;
    // Polled rather than hooked on the socket's 'drain', which ws does not expose; a tenth of the
    // batch window is plenty, and the timer exists only while someone is congested.
    this.drainTimer = setInterval(() => {
      let stillCongested = false;
      for (const connection of this.connections) {
        if (connection.congested) guarded(() => this.drain(connection));
        if (connection.congested) stillCongested = true;
      }
      if (!stillCongested && this.drainTimer) {
        clearInterval(this.drainTimer);
        this.drainTimer = null;
      }
    }, 50);
    this.drainTimer.unref();
  }

  /** Once a congested client's buffer has drained to a quarter of the bound, it gets what it is owed. */
  private drain(connection: Connection): void {
    if (this.options.faults.stalled) return;
    if (connection.congested) {
      if (connection.socket.bufferedAmount > this.options.limits.maxBufferedBytes / 4) return;
      connection.congested = false;
    }
    for (const subscription of connection.subscriptions.values()) {
      if (subscription.owesReset) this.sendReset(subscription);
      else if (subscription.started) this.flush(subscription);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Timer work per subscription: one failing must not stop the others, nor escape the timer. */
function guarded(work: () => void): void {
  try {
    work();
  } catch (error) {
    console.error(`kubelive stream: ${describe(error)}`);
  }
}

function changeUid(change: RowChange): string {
  return change.op === 'delete' ? change.uid : change.row.uid;
}
