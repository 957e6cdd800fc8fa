/**
 * StreamHub serves `GET /api/v1/stream`: one WebSocket per client, many subscriptions on it.
 * Each subscription's lifecycle is a streamSubscriptionMachine actor (machines/): it decides when
 * the subscription gets its `reset`, coalesced `update`s, `heartbeat`s and `status` frames, and
 * numbers them; the hub feeds it events (upstream and cache changes, the client's resyncs, the
 * socket blocking and draining) and builds the frames it names. Sockets are written through
 * StreamSocket (server/streamSocket.ts), which applies backpressure and the debug faults.
 *
 * Backpressure: a socket whose send buffer passes the bound stops taking frames until it drains;
 * its subscriptions' changes meanwhile coalesce per uid in their pending maps (entries point at
 * rows the cache holds anyway) and go out as one update after the drain; past
 * `maxPendingChanges` they are dropped and a reset is owed instead. So what the backend holds for
 * a client is at most the bound plus a frame plus that many map entries, whatever the client
 * does. (Dropping straight to a reset would loop on a big cluster: a 37 MB reset alone passes
 * the bound.)
 *
 * Bounds on what one client can hold: connections in all and per peer address (refused at the
 * upgrade), subscriptions and log follows per connection (refused with an error frame), and a
 * connection with no subscriptions and no frames in for `idleConnectionMs` is closed.
 *
 * Several clusters: a subscribe frame names its cluster (a kubeconfig context; absent, the
 * default). The subscription holds that cluster's runtime (clusters.ts) and takes its upstreams,
 * discovery and permissions from it alone, so what one cluster's failures can reach is the
 * subscriptions on that cluster.
 *
 * Partial views: a subscription's upstreams follow the user's permissions (server/permissions.ts,
 * views.ts `planView`). When a recheck changes them (a grant, a revocation), the subscription
 * swaps its upstreams (new ones acquired before old ones are let go) and owes its client a reset
 * with the rows of what it now covers.
 */
import { createActor, type Actor, type AnyActorRef } from 'xstate';
import type { WebSocket } from 'ws';
import {
  parseClientFrame,
  type ClientFrame,
  type ErrorCode,
  type ErrorFrame,
  type RowChange,
  type SubscribeFrame,
} from '../adapters/protocol.js';
import type { KubeliveConfig } from '../machines/config.js';
import { isResourceDomain } from '../machines/domains.js';
import { streamSubscriptionMachine, type FrameParams } from '../machines/streamSubscriptionMachine.js';
import type { CacheChange, GenerationCounter } from './cache.js';
import { TooManyClustersError, UnknownClusterError, type ClusterRuntime, type ClusterSet } from './clusters.js';
import type { StreamFaults } from './faults.js';
import type { ResourceRef } from './permissions.js';
import { rowsPerResetPiece, StreamSocket } from './streamSocket.js';
import { TooManyUpstreamsError, UnknownDomainError, type Upstream } from './upstreams.js';
import { combinedReport, planView, planWithPermissions, resolveView, resourceRefOf, splitKey, viewColumns, ViewError, viewRows, viewSpec, viewState, type ViewSpec } from './views.js';

export interface StreamLimits {
  /** Above this many bytes waiting in a socket's send buffer, stop queueing for that client. */
  readonly maxBufferedBytes: number;
  readonly maxSubscriptionsPerSocket: number;
  readonly maxConnections: number;
  /** Connections from one remote address: one local client must not hold every slot. */
  readonly maxConnectionsPerPeer: number;
  /** `pod-logs` subscriptions per connection: each follows a container's log on the API server. */
  readonly maxLogFollowsPerSocket: number;
  /** A connection with no subscriptions and no frames in for this long is closed. */
  readonly idleConnectionMs: number;
  /** Coalesced changes kept for a congested subscription before it is given a reset instead. */
  readonly maxPendingChanges: number;
  /** A reset of more rows goes out in pieces of this many (docs/protocol.md, "Resets in pieces"). */
  readonly rowsPerResetPiece: number;
}

/** 4 MiB: a few seconds of heavy churn for a healthy client, far below what hurts the backend. */
export const defaultStreamLimits: StreamLimits = {
  maxBufferedBytes: 4 * 1024 * 1024,
  maxSubscriptionsPerSocket: 64,
  maxConnections: 256,
  // A dashboard opens one stream per tab: 32 tabs of one browser, and an eighth of the slots.
  maxConnectionsPerPeer: 32,
  // A view follows one container's log; eight is a wall of log panes, not a scan of the cluster.
  maxLogFollowsPerSocket: 8,
  // A minute: a client between views keeps its socket; an abandoned one gives its slot back.
  idleConnectionMs: 60_000,
  maxPendingChanges: 10_000,
  rowsPerResetPiece,
};

/** The close code of a connection reclaimed for idleness (private use range: not a protocol error). */
export const idleCloseCode = 4000;

export interface StreamHubOptions {
  readonly config: KubeliveConfig;
  /** The clusters a frame may name; each subscription holds its cluster's runtime while it lives. */
  readonly clusters: Pick<ClusterSet, 'knows' | 'hold' | 'release' | 'onStart'>;
  readonly generations: GenerationCounter;
  readonly faults: StreamFaults;
  readonly limits: StreamLimits;
}

type SubscriptionActor = Actor<typeof streamSubscriptionMachine>;

/** What the machine needs to know of the view's upstreams. */
interface UpstreamFacts {
  readonly listed: boolean;
  readonly healthy: boolean;
}

class Subscription {
  /** Changes not yet sent, one per uid (the last one wins). */
  readonly pending = new Map<string, RowChange>();
  /** Frames queued on the socket (or swallowed by drop-next-frame): what the backend sent, not what the client read. */
  frames = 0;
  readonly cleanups: (() => void)[] = [];
  /** The listeners on the current upstreams: replaced when a permissions change swaps them. */
  upstreamCleanups: (() => void)[] = [];
  actor: SubscriptionActor | null = null;

  constructor(
    readonly id: string,
    readonly cluster: ClusterRuntime,
    public view: ViewSpec,
    readonly connection: Connection,
    public upstreams: readonly Upstream[],
  ) {}

  /** The report frames carry: the upstreams' combined, and what a partial view covers. */
  report(now = Date.now()) {
    return combinedReport(this.upstreams, now, this.view.partial);
  }

  facts(now = Date.now()): UpstreamFacts {
    return {
      listed: this.upstreams.every((u) => u.cache.listed),
      healthy: this.upstreams.every((u) => u.healthyAt(now)),
    };
  }

  caches() {
    return this.upstreams.map((u) => u.cache);
  }

  send(event: Parameters<SubscriptionActor['send']>[0]): void {
    this.actor?.send(event);
  }
}

let connectionCounter = 0;

/**
 * How long a resuming subscription waits for a first list that is landing. 20,345 ConfigMaps
 * land in about 55 ms; past this the subscription starts anyway and is owed a reset.
 */
const landingWaitMs = 5_000;

class Connection {
  readonly id = ++connectionCounter;
  readonly subscriptions = new Map<string, Subscription>();
  /** Subscribe frames of resource domains waiting for discovery: their ids are taken. */
  readonly resolving = new Set<string>();
  readonly openedAt = Date.now();
  framesIn = 0;
  /** When it last had a subscription or a frame in: the idle reclaim counts from here. */
  lastActiveAt = Date.now();
  idleTimer: NodeJS.Timeout | null = null;
  socket!: StreamSocket;

  constructor(
    readonly ws: WebSocket,
    readonly remote: string,
  ) {}

  get logFollows(): number {
    let n = 0;
    for (const s of this.subscriptions.values()) if (s.view.domain === 'pod-logs') n++;
    return n;
  }
}

/** Machine timers must not keep the process alive, as none of the backend's do. */
const unrefClock = {
  setTimeout(fn: (...args: unknown[]) => void, ms: number) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return timer;
  },
  clearTimeout(timer: unknown) {
    clearTimeout(timer as NodeJS.Timeout);
  },
};

export class StreamHub {
  private readonly connections = new Set<Connection>();
  private readonly subscriptionOf = new WeakMap<AnyActorRef, Subscription>();
  private readonly machine: typeof streamSubscriptionMachine;

  constructor(private readonly options: StreamHubOptions) {
    options.clusters.onStart((cluster) => {
      // A kind the cluster stopped serving (its CRD deleted): its subscriptions end, with the reason.
      cluster.upstreams.onDomainGone((key, reason) => this.endSubscriptionsOf(cluster, key, reason));
      // A grant or revocation: the views of that resource are planned again.
      cluster.permissions.onChange((ref) => this.permissionsChanged(cluster, ref));
    });
    // One implementation for every actor: each finds its subscription through `self`.
    const on = (work: (subscription: Subscription, seq: number) => void) => ({ self }: { self: AnyActorRef }, params: FrameParams) => {
      const subscription = this.subscriptionOf.get(self);
      if (subscription) guarded(() => work(subscription, params.seq));
    };
    this.machine = streamSubscriptionMachine.provide({
      actions: {
        sendReset: on((s, seq) => this.sendReset(s, seq)),
        sendUpdate: on((s, seq) => this.sendUpdate(s, seq)),
        sendHeartbeat: on((s, seq) => this.sendHeartbeat(s, seq)),
        sendStatus: on((s, seq) => this.sendStatus(s, seq)),
        clearPending: ({ self }) => this.subscriptionOf.get(self)?.pending.clear(),
      },
    });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Why a new socket from `remote` may not be accepted right now, or null (the upgrade handler asks first). */
  refusal(remote?: string): string | null {
    const { limits } = this.options;
    if (this.options.faults.closing) return 'streams are being closed (debug fault close-streams)';
    if (this.connections.size >= limits.maxConnections) return `too many stream connections (at most ${limits.maxConnections})`;
    if (remote !== undefined && this.connectionsFrom(remote) >= limits.maxConnectionsPerPeer) {
      return `too many stream connections from ${remote} (at most ${limits.maxConnectionsPerPeer} per address)`;
    }
    return null;
  }

  attach(ws: WebSocket, remote: string): void {
    const connection = new Connection(ws, remote);
    connection.socket = new StreamSocket(ws, this.options.faults, this.options.limits, () => {
      // Told as it is at each subscription's turn, not as it was when the news began: the first
      // subscription told WRITABLE may send a reset that blocks the socket again, and the rest
      // must then hear BLOCKED, or every owed reset would go out in one burst past the bound.
      for (const subscription of [...connection.subscriptions.values()]) {
        subscription.send({ type: connection.socket.writable ? 'SOCKET.WRITABLE' : 'SOCKET.BLOCKED' });
      }
    });
    this.connections.add(connection);
    this.watchIdle(connection);
    ws.on('message', (data, isBinary) => {
      connection.framesIn++;
      connection.lastActiveAt = Date.now();
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
    ws.on('close', () => this.detach(connection));
    ws.on('error', () => ws.terminate());
  }

  /** A debug fault was set or lifted: each socket closes, stops, or takes frames again. */
  faultChanged(): void {
    // Also runs from a fault's own timer, where nothing else would catch a failure.
    for (const connection of [...this.connections]) guarded(() => connection.socket.faultsChanged());
  }

  close(): void {
    for (const connection of [...this.connections]) {
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
      peakBufferedBytes: c.socket.peakBufferedBytes,
      congested: c.socket.congested,
      congestions: c.socket.congestions,
      /** Resets this connection was sent in pieces (docs/protocol.md, "Resets in pieces"). */
      piecewiseResets: c.socket.piecewiseResets,
      writable: c.socket.writable,
      framesIn: c.framesIn,
      errorsSent: c.socket.errorsSent,
      /** This peer's connections, against `limits.maxConnectionsPerPeer`. */
      peerConnections: this.connectionsFrom(c.remote),
      /** Against `limits.maxLogFollowsPerSocket`. */
      logFollows: c.logFollows,
      /** When this connection will be closed for idleness, or null while it has subscriptions. */
      idleCloseInMs: c.subscriptions.size > 0 ? null : Math.max(0, c.lastActiveAt + this.options.limits.idleConnectionMs - now),
      subscriptions: [...c.subscriptions.values()].map((s) => {
        const snapshot = s.actor?.getSnapshot();
        const state = snapshot ? stateName(snapshot.value) : 'starting';
        return {
          id: s.id,
          cluster: s.cluster.name,
          domain: s.view.domain,
          scope: s.view.scope,
          state,
          seq: snapshot?.context.seq ?? 0,
          frames: s.frames,
          started: (snapshot?.context.resets ?? 0) > 0 || (snapshot?.context.resumed ?? false),
          owesReset: state.startsWith('owesReset'),
          resetsHeldForUpstream: snapshot?.context.resetsHeldForUpstream ?? 0,
          pendingChanges: s.pending.size,
          upstream: s.report(now),
          keys: [...s.view.keys],
        };
      }),
    }));
  }

  /** Subscriptions per cluster name, over all connections. */
  subscriptionsByCluster(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const c of this.connections) for (const s of c.subscriptions.values()) counts.set(s.cluster.name, (counts.get(s.cluster.name) ?? 0) + 1);
    return counts;
  }

  private connectionsFrom(remote: string): number {
    let n = 0;
    for (const c of this.connections) if (c.remote === remote) n++;
    return n;
  }

  // ---- client frames ---------------------------------------------------------------------------

  private receive(connection: Connection, text: string | null): void {
    const parsed = parseClientFrame(text, (name) => this.options.clusters.knows(name));
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
        if (connection.resolving.delete(frame.id)) return; // it was still waiting for discovery
        const subscription = connection.subscriptions.get(frame.id);
        if (!subscription) return this.refuse(connection, frame.id, 'unknown-id', `no subscription "${frame.id}"`);
        this.unsubscribe(subscription);
        break;
      }
      case 'resync': {
        const subscription = connection.subscriptions.get(frame.id);
        if (!subscription) return this.refuse(connection, frame.id, 'unknown-id', `no subscription "${frame.id}"`);
        subscription.send({ type: 'CLIENT.RESYNC' });
        break;
      }
    }
  }

  private subscribe(connection: Connection, frame: SubscribeFrame): void {
    const { limits } = this.options;
    if (connection.subscriptions.has(frame.id) || connection.resolving.has(frame.id)) {
      this.sendError(connection, { type: 'error', id: frame.id, code: 'duplicate-id', reason: `subscription "${frame.id}" already exists`, fatal: false });
      return;
    }
    if (connection.subscriptions.size + connection.resolving.size >= limits.maxSubscriptionsPerSocket) {
      this.refuse(connection, frame.id, 'too-many-subscriptions', `at most ${limits.maxSubscriptionsPerSocket} subscriptions per connection`);
      return;
    }
    if (frame.domain === 'pod-logs' && connection.logFollows >= limits.maxLogFollowsPerSocket) {
      this.refuse(
        connection,
        frame.id,
        'too-many-subscriptions',
        `at most ${limits.maxLogFollowsPerSocket} pod-logs subscriptions per connection (each follows a log on the API server); unsubscribe one first`,
      );
      return;
    }
    // Held from here until the subscription ends, or until it fails to start.
    let cluster: ClusterRuntime;
    try {
      cluster = this.options.clusters.hold(frame.cluster);
    } catch (error) {
      const code = error instanceof UnknownClusterError ? 'unknown-cluster' : error instanceof TooManyClustersError ? 'too-many-upstreams' : 'upstream-failed';
      return this.refuse(connection, frame.id, code, describe(error));
    }
    if (frame.domain === 'pod-logs') {
      this.start(connection, frame, cluster, viewSpec(frame.domain, frame.scope));
      return;
    }
    // Discovery, or the first permissions check, may have to ask the cluster: the id is taken
    // meanwhile, and an unsubscribe cancels.
    connection.resolving.add(frame.id);
    const resolved = isResourceDomain(frame.domain) ? resolveView(cluster.discovery, frame.domain, frame.scope) : Promise.resolve(viewSpec(frame.domain, frame.scope));
    resolved.then((view) => planWithPermissions(cluster.permissions, view)).then(
      (view) => {
        if (!connection.resolving.delete(frame.id) || !this.connections.has(connection)) return this.options.clusters.release(cluster);
        guarded(() => this.start(connection, frame, cluster, view));
      },
      (error: unknown) => {
        this.options.clusters.release(cluster);
        if (!connection.resolving.delete(frame.id) || !this.connections.has(connection)) return;
        this.refuse(connection, frame.id, error instanceof ViewError ? error.code : 'upstream-failed', describe(error));
      },
    );
  }

  /** Starts a subscription on a view whose domain and scope are known to be served by the cluster it holds. */
  private start(connection: Connection, frame: SubscribeFrame, cluster: ClusterRuntime, view: ViewSpec): void {
    let upstreams: Upstream[];
    try {
      upstreams = cluster.upstreams.acquireAll(view.keys);
    } catch (error) {
      this.options.clusters.release(cluster);
      const code = error instanceof TooManyUpstreamsError ? 'too-many-upstreams' : error instanceof UnknownDomainError ? 'unknown-domain' : 'upstream-failed';
      this.refuse(connection, frame.id, code, describe(error));
      return;
    }
    const subscription = new Subscription(frame.id, cluster, view, connection, upstreams);
    connection.subscriptions.set(frame.id, subscription);
    this.watchIdle(connection);
    this.holdPermissions(subscription, 'hold');
    // A client resuming from a cold view's trail subscribes while that list lands (tens of ms):
    // it is answered once the list is in the cache, from the ring, instead of with every row again.
    const [only] = upstreams;
    if (frame.resumeFrom && only && upstreams.length === 1 && only.cache.landingList && !only.cache.listed) {
      void only.firstList(landingWaitMs).then(() => {
        if (connection.subscriptions.get(frame.id) === subscription && this.connections.has(connection)) this.begin(subscription, frame);
      });
      return;
    }
    this.begin(subscription, frame);
  }

  /** Runs a started subscription: replays what a resuming client missed, or owes it a reset. */
  private begin(subscription: Subscription, frame: SubscribeFrame): void {
    const { limits } = this.options;
    const { connection } = subscription;
    let resumedWith: number | null = null;
    if (frame.resumeFrom && this.replay(subscription, frame.resumeFrom.generation)) resumedWith = subscription.pending.size;
    const { config } = this.options;
    const actor = createActor(this.machine, {
      clock: unrefClock,
      input: {
        timings: { heartbeatIntervalMs: config.heartbeatIntervalMs, updateBatchMs: config.updateBatchMs, maxPendingChanges: limits.maxPendingChanges },
        seq: frame.resumeFrom?.seq ?? 0,
        ...subscription.facts(),
        writable: connection.socket.writable,
        resumedWith,
      },
    });
    this.subscriptionOf.set(actor, subscription);
    subscription.actor = actor;
    // An action that throws is caught where it runs; this only keeps a machine bug from escaping.
    actor.subscribe({ error: (error) => console.error(`kubelive stream: subscription ${frame.id}: ${describe(error)}`) });
    actor.start();
    this.listen(subscription);
  }

  /** Follows the subscription's upstreams: their changes, their state, their columns. */
  private listen(subscription: Subscription): void {
    for (const upstream of subscription.upstreams) {
      subscription.upstreamCleanups.push(upstream.onChanges((changes) => this.changed(subscription, changes)));
      subscription.upstreamCleanups.push(
        upstream.onStateChange(() => {
          subscription.send({ type: 'UPSTREAM.CHANGED', ...subscription.facts() });
          // Refused where the plan said it may list: permissions changed; ask again without waiting for the round.
          if (upstream.state === 'forbidden') this.recheckSoon(subscription, upstream.key);
        }),
      );
      // Rows printed under new columns (a CRD's printer edited, relisted): the client needs them in a reset.
      subscription.upstreamCleanups.push(upstream.cache.onColumnsChanged(() => subscription.send({ type: 'CLIENT.RESYNC' })));
    }
  }

  private recheckSoon(subscription: Subscription, key: string): void {
    const ref = resourceRefOf(subscription.view, splitKey(key).base);
    if (ref) subscription.cluster.permissions.recheckSoon(ref);
  }

  private holdPermissions(subscription: Subscription, how: 'hold' | 'release'): void {
    const { view } = subscription;
    if (view.domain === 'pod-logs') return;
    for (const key of view.baseKeys) {
      const ref = resourceRefOf(view, key);
      if (ref) subscription.cluster.permissions[how](ref, view.namespace);
    }
  }

  /** A resource's access on a cluster changed: every view of it there is planned again, and swaps its upstreams if the plan did. */
  private permissionsChanged(cluster: ClusterRuntime, ref: ResourceRef): void {
    const { permissions } = cluster;
    for (const connection of this.connections) {
      for (const subscription of [...connection.subscriptions.values()]) {
        if (subscription.cluster !== cluster) continue;
        const { view } = subscription;
        const shows = view.baseKeys.some((key) => {
          const r = resourceRefOf(view, key);
          return r !== null && r.group === ref.group && r.resource === ref.resource;
        });
        if (shows) guarded(() => this.replan(subscription, planView(view, (r) => permissions.current(r))));
      }
    }
  }

  /**
   * Puts a subscription on a new plan: the new upstreams are acquired before the old ones are let
   * go (so a namespace kept keeps its cache), and the client is owed a reset with what the view
   * now covers. A plan whose upstreams cannot be had (a bound) leaves the old one in place.
   */
  private replan(subscription: Subscription, next: ViewSpec): void {
    const before = subscription.view;
    const same = next.keys.length === before.keys.length && next.keys.every((k) => before.keys.includes(k));
    if (same) {
      subscription.view = next;
      return;
    }
    const added = next.keys.filter((k) => !before.keys.includes(k));
    let acquired: Upstream[];
    try {
      acquired = subscription.cluster.upstreams.acquireAll(added);
    } catch (error) {
      console.error(`kubelive stream: subscription ${subscription.id} keeps its old plan: ${describe(error)}`);
      return;
    }
    for (const cleanup of subscription.upstreamCleanups) cleanup();
    subscription.upstreamCleanups = [];
    const byKey = new Map([...subscription.upstreams, ...acquired].map((u) => [u.key, u]));
    subscription.upstreams = next.keys.map((k) => byKey.get(k)).filter((u): u is Upstream => u !== undefined);
    subscription.view = next;
    for (const key of before.keys) if (!next.keys.includes(key)) subscription.cluster.upstreams.release(key);
    this.listen(subscription);
    subscription.send({ type: 'UPSTREAM.CHANGED', ...subscription.facts() });
    subscription.send({ type: 'CLIENT.RESYNC' });
  }

  /** Ends every subscription to a domain whose kind the cluster no longer serves, telling each client why (a fatal error frame). */
  private endSubscriptionsOf(cluster: ClusterRuntime, key: string, reason: string): void {
    for (const connection of this.connections) {
      for (const subscription of [...connection.subscriptions.values()]) {
        if (subscription.cluster !== cluster || !subscription.view.keys.includes(key)) continue;
        this.unsubscribe(subscription);
        this.refuse(connection, subscription.id, 'unknown-domain', reason);
      }
    }
  }

  /** Puts what a resumed client missed, from the caches' rings, in its pending map; false when they no longer hold it. */
  private replay(subscription: Subscription, generation: number): boolean {
    if (!subscription.facts().listed || generation > this.options.generations.current()) return false;
    const all: CacheChange[] = [];
    for (const cache of subscription.caches()) {
      const replay = cache.changesSince(generation, subscription.view.namespace);
      if (!replay.ok) return false;
      for (const change of replay.changes) all.push(change);
    }
    all.sort((a, b) => a.generation - b.generation);
    for (const entry of all) subscription.pending.set(changeUid(entry.change), entry.change);
    return true;
  }

  private unsubscribe(subscription: Subscription): void {
    const { connection } = subscription;
    if (connection.subscriptions.get(subscription.id) !== subscription) return;
    connection.subscriptions.delete(subscription.id);
    for (const cleanup of subscription.cleanups) cleanup();
    for (const cleanup of subscription.upstreamCleanups) cleanup();
    subscription.send({ type: 'CLOSE' });
    subscription.actor?.stop();
    for (const key of subscription.view.keys) subscription.cluster.upstreams.release(key);
    this.holdPermissions(subscription, 'release');
    this.options.clusters.release(subscription.cluster);
    this.watchIdle(connection);
  }

  private detach(connection: Connection): void {
    if (!this.connections.delete(connection)) return;
    if (connection.idleTimer) clearTimeout(connection.idleTimer);
    connection.socket.dispose();
    for (const subscription of [...connection.subscriptions.values()]) this.unsubscribe(subscription);
  }

  /**
   * A connection without subscriptions holds a slot for nothing: once it has had none, and sent
   * no frame, for `idleConnectionMs`, it is closed. Checked again whenever the count changes.
   */
  private watchIdle(connection: Connection): void {
    if (connection.idleTimer) clearTimeout(connection.idleTimer);
    connection.idleTimer = null;
    if (connection.subscriptions.size > 0 || !this.connections.has(connection)) return;
    connection.lastActiveAt = Math.max(connection.lastActiveAt, Date.now());
    const check = () => {
      connection.idleTimer = null;
      if (connection.subscriptions.size > 0 || !this.connections.has(connection)) return;
      const idleFor = Date.now() - connection.lastActiveAt;
      const { idleConnectionMs } = this.options.limits;
      if (idleFor < idleConnectionMs) {
        // A frame came in meanwhile: count again from it.
        connection.idleTimer = setTimeout(check, idleConnectionMs - idleFor);
        connection.idleTimer.unref();
        return;
      }
      connection.socket.close(idleCloseCode, `idle: no subscriptions and no frames for ${idleConnectionMs} ms`);
    };
    connection.idleTimer = setTimeout(check, this.options.limits.idleConnectionMs);
    connection.idleTimer.unref();
  }

  // ---- upstream changes ------------------------------------------------------------------------

  private changed(subscription: Subscription, changes: readonly CacheChange[]): void {
    const namespace = subscription.view.namespace;
    let touched = false;
    for (const entry of changes) {
      if (namespace !== null && entry.namespace !== namespace) continue;
      subscription.pending.set(changeUid(entry.change), entry.change);
      touched = true;
    }
    const known = subscription.actor?.getSnapshot().context;
    const facts = subscription.facts();
    // A first list completes before its upstream says so; the machine hears it from either.
    if (known && (known.listed !== facts.listed || known.healthy !== facts.healthy)) subscription.send({ type: 'UPSTREAM.CHANGED', ...facts });
    // The machine keeps them (live, congested) or drops them at once (a reset is owed).
    if (touched && !pendingAlreadyKnown(subscription)) subscription.send({ type: 'CACHE.CHANGED', pending: subscription.pending.size });
  }

  // ---- outgoing frames: built only when the machine names them, with the seq it gives ---------

  private sendReset(subscription: Subscription, seq: number): void {
    const { state, head } = viewHead(subscription, seq);
    this.sendFrame(subscription, {
      type: 'reset',
      ...head,
      cluster: subscription.cluster.name,
      resourceVersion: state.resourceVersion,
      items: viewRows(subscription.caches(), subscription.view.namespace),
      count: state.count,
      digest: state.digest,
      upstream: subscription.report(),
      ...columnsOf(subscription),
    });
  }

  private sendUpdate(subscription: Subscription, seq: number): void {
    const { state, head } = viewHead(subscription, seq);
    this.sendFrame(subscription, { type: 'update', ...head, resourceVersion: state.resourceVersion, changes: [...subscription.pending.values()] });
  }

  /**
   * Count and digest are the cache's, always: after every frame up to this seq, a store holds
   * exactly this. While the upstream is unhealthy the cache itself may be behind the cluster, and
   * the `upstream` report says so; a client must not call a mismatch then drift (its store may
   * rightly hold a fresher read), and a subscription that owes a reset gets none from such a
   * cache until its upstream has relisted.
   */
  private sendHeartbeat(subscription: Subscription, seq: number): void {
    const { state, head } = viewHead(subscription, seq);
    this.sendFrame(subscription, {
      type: 'heartbeat',
      ...head,
      cluster: subscription.cluster.name,
      resourceVersion: state.resourceVersion,
      count: state.count,
      digest: state.digest,
      upstream: subscription.report(),
    });
  }

  private sendStatus(subscription: Subscription, seq: number): void {
    const { head } = viewHead(subscription, seq);
    this.sendFrame(subscription, { type: 'status', ...head, cluster: subscription.cluster.name, upstream: subscription.report() });
  }

  private sendFrame(subscription: Subscription, frame: Parameters<StreamSocket['sendFrame']>[0]): void {
    subscription.frames++;
    subscription.connection.socket.sendFrame(frame);
  }

  private sendError(connection: Connection, frame: ErrorFrame): void {
    connection.socket.sendError(frame);
  }

  private refuse(connection: Connection, id: string, code: ErrorCode, reason: string): void {
    this.sendError(connection, { type: 'error', id, code, reason, fatal: true });
  }
}

/** The view's state now, and the fields every sequenced frame starts with. */
function viewHead(subscription: Subscription, seq: number) {
  const state = viewState(subscription.caches(), subscription.view.namespace);
  return { state, head: { id: subscription.id, seq, generation: state.generation } };
}

/** `{columns}` for a resource domain's frames, nothing for built-in rows. */
function columnsOf(subscription: Subscription): { columns?: NonNullable<ReturnType<typeof viewColumns>> } {
  const columns = viewColumns(subscription.view, subscription.caches());
  return columns ? { columns } : {};
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One subscription's frame: if building it fails, that costs this frame (a seq gap the client repairs), nothing else. */
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

/** `live.batching` → `live.batching`; the machine's state as one dotted name for diagnostics. */
function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, child] = Object.entries(value as Record<string, unknown>)[0] ?? ['unknown', null];
  return child === null || child === undefined ? key : `${key}.${stateName(child)}`;
}

/**
 * Whether the machine would learn nothing from one more CACHE.CHANGED: it is `live` or
 * `congested` and already counts changes pending, and the count stays within the bound, so the
 * event would only replace one positive count with another (no transition, no guard changes).
 * Told every change, the machine cost a tenth of the backend's CPU at 10,000 changes/s.
 */
function pendingAlreadyKnown(subscription: Subscription): boolean {
  const snapshot = subscription.actor?.getSnapshot();
  if (!snapshot || snapshot.context.pending === 0 || subscription.pending.size > snapshot.context.timings.maxPendingChanges) return false;
  return snapshot.matches('live') || snapshot.matches('congested');
}
