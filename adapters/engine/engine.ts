/**
 * The engine joins the machines to a kubelive backend: it supplies the orchestrator's effects
 * (snapshot and metrics fetches, the WebSocket, subscribe/unsubscribe/resync frames) and turns
 * every frame that arrives into store writes and machine events. It runs the same in a browser
 * (global WebSocket and fetch) and in Node (`ws`).
 *
 * One WebSocket per backend is shared by every subscription. The subscription id on the wire is
 * the subscription key, `domain:scope`. A re-subscription after a reconnect or a fallback carries
 * `resumeFrom` with the last `seq` the store applied and its generation, so a short cut costs a
 * few frames rather than a full reset.
 *
 * An engine speaks for one cluster (a kubeconfig context): `cluster` goes on every subscribe
 * frame and as `?cluster=` on every request, and its diagnostics name it. A page showing several
 * clusters runs one engine each, so one cluster's socket, machines and fallbacks never wait on
 * another's (docs/engine.md).
 */
import type { Actor, EventObject, InspectionEvent, Observer } from 'xstate';
import { createActor, fromCallback, fromPromise } from 'xstate';
import type { ConfigOverrides, KubeliveConfig } from '../../machines/config.js';
import { resolveConfig } from '../../machines/config.js';
import type { ConnectionEvent } from '../../machines/connectionMachine.js';
import { connectionMachine } from '../../machines/connectionMachine.js';
import type { Diagnostics } from '../../machines/diagnostics.js';
import { diagnose } from '../../machines/diagnostics.js';
import type { Domain } from '../../machines/domains.js';
import { subscriptionKey } from '../../machines/domains.js';
import { metricsMachine } from '../../machines/metricsMachine.js';
import type { OrchestratorMachine, RoutedEvent } from '../../machines/orchestratorMachine.js';
import { orchestratorMachine } from '../../machines/orchestratorMachine.js';
import { snapshotOnlyMachine } from '../../machines/snapshotOnlyMachine.js';
import type { StreamSubscriptionInput } from '../../machines/subscriptionMachine.js';
import { subscriptionMachine } from '../../machines/subscriptionMachine.js';
import type { ClientFrame, ServerFrame } from '../protocol.js';
import { isStreamDomain, parseServerFrame } from '../protocol.js';
import type { CountingClock } from './clock.js';
import { rxjsClock } from './clock.js';
import { checkHeartbeat, checkSequence } from './drift.js';
import type { Signal } from './environment.js';
import { onlineSignal, visibilitySignal } from './environment.js';
import type { FetchLike, PollCounters } from './snapshots.js';
import { ResetAssembly } from './resetPieces.js';
import { createSnapshotSource } from './snapshots.js';
import type { Pause } from './slices.js';
import { RowStore } from './store.js';

/** The part of the WebSocket API shared by browsers and the `ws` package. */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: { code?: number; reason?: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string) => SocketLike;

const socketOpenState = 1;

export interface EngineOptions {
  /** The backend's URL, e.g. `http://127.0.0.1:7654/`. */
  readonly server: string;
  /**
   * The kubeconfig context this engine speaks for (`GET /api/v1/clusters` names them); absent:
   * the backend's default cluster, and nothing on the wire names one (a backend older than
   * several clusters is spoken to exactly as before).
   */
  readonly cluster?: string;
  readonly config?: ConfigOverrides;
  readonly socket?: SocketFactory;
  readonly fetch?: FetchLike;
  /**
   * How metrics answers are fetched, when not as everything else is: the dashboard reads them in
   * a Worker (ui/state/workerFetch.ts), as 50,000 pods' samples are 8 MB of JSON.
   */
  readonly metricsFetch?: FetchLike;
  /** How slow work (a metrics answer's merge) hands the thread back to the page's frames between slices; none in Node. */
  readonly pause?: Pause;
  readonly clock?: CountingClock;
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** Page visibility and network status; default: the browser's, none in Node. */
  readonly visibility?: Signal<boolean>;
  readonly online?: Signal<boolean>;
}

/** What the engine counts: its frames, and (PollCounters) what its polls were answered with. */
export interface EngineCounters extends PollCounters {
  subscribes: number;
  /** Subscriptions sent with `resumeFrom`. */
  resumes: number;
  resetsReceived: number;
  framesReceived: number;
  framesRejected: number;
  framesIgnored: number;
  drifts: number;
  /** Resets and updates refused because the store held a newer read from the API server. */
  framesRefused: number;
  lastFrameError: string | null;
}

/** The engine's Diagnostics, naming the cluster they are of (null: the backend's default). */
export interface EngineDiagnostics extends Diagnostics {
  readonly cluster: string | null;
}

export interface Engine {
  /** The cluster it speaks for; null for the backend's default. */
  readonly cluster: string | null;
  readonly store: RowStore;
  readonly actor: Actor<OrchestratorMachine>;
  readonly clock: CountingClock;
  readonly counters: Readonly<EngineCounters>;
  /** Holds a subscription until the returned function is called. */
  subscribe(domain: Domain, scope?: string): () => void;
  /** Manual refresh, for one subscription or all. */
  refresh(domain?: Domain, scope?: string): void;
  setConfig(overrides: ConfigOverrides): void;
  diagnostics(): EngineDiagnostics;
  config(): KubeliveConfig;
  stop(): void;
}

// The socket URL names no cluster: each subscribe frame names its own (adapters/protocol.ts), so
// an unknown cluster is an `unknown-cluster` error on that subscription, not a socket that never opens.
function streamUrl(server: string): string {
  const url = new URL('api/v1/stream', server.endsWith('/') ? server : `${server}/`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

function splitKey(key: string): { domain: Domain; scope: string } {
  const at = key.indexOf(':');
  return { domain: key.slice(0, at) as Domain, scope: key.slice(at + 1) };
}

export function createEngine(options: EngineOptions): Engine {
  const clock = options.clock ?? rxjsClock();
  const now = () => clock.now();
  const config = resolveConfig(options.config ?? {});
  const store = new RowStore(now);
  const cluster = options.cluster;
  const counters: EngineCounters = { subscribes: 0, resumes: 0, resetsReceived: 0, framesReceived: 0, framesRejected: 0, framesIgnored: 0, drifts: 0, framesRefused: 0, lastFrameError: null, pollsWithChanges: 0, pollsWithWholeView: 0, pollDrifts: 0, lastFullBecause: null };
  const source = createSnapshotSource({ baseUrl: options.server, store, fetch: options.fetch, metricsFetch: options.metricsFetch, ...(options.pause ? { pause: options.pause } : {}), counters, ...(cluster === undefined ? {} : { cluster }) });
  const makeSocket: SocketFactory =
    options.socket ??
    ((url) => {
      const WebSocketCtor = (globalThis as { WebSocket?: new (url: string) => SocketLike }).WebSocket;
      if (!WebSocketCtor) throw new Error('no WebSocket implementation: pass `socket` (e.g. from the ws package)');
      return new WebSocketCtor(url);
    });

  let socket: SocketLike | null = null;
  /** Subscriptions the backend is streaming to us on the current socket. */
  const streaming = new Set<string>();
  /** Resets arriving in pieces, per subscription, until their last piece. */
  const assembly = new ResetAssembly();

  function send(frame: ClientFrame): void {
    if (socket && socket.readyState === socketOpenState) socket.send(JSON.stringify(frame));
  }

  function route(key: string, event: RoutedEvent): void {
    actor.send({ type: 'ROUTE', key, event });
  }

  function subscribeOnStream(domain: Domain, scope: string): void {
    if (!isStreamDomain(domain)) return;
    const key = subscriptionKey(domain, scope);
    const held = store.summary(key);
    // Resume from frames or from a snapshot of the backend's cache (seq 0 after a first snapshot:
    // without it the backend sent every row again as a reset); rows read straight from the API
    // server are not what the backend's change ring starts from, so those start afresh.
    const resumeFrom =
      held && held.generation >= 0 && (held.source === 'stream' || held.source === 'cache') ? { seq: held.seq, generation: held.generation } : undefined;
    if (streaming.has(key)) send({ type: 'unsubscribe', id: key });
    streaming.add(key);
    counters.subscribes++;
    if (resumeFrom) counters.resumes++;
    send({ type: 'subscribe', id: key, ...(cluster === undefined ? {} : { cluster }), domain, scope, ...(resumeFrom ? { resumeFrom } : {}) });
  }

  function unsubscribeFromStream(key: string): void {
    if (!streaming.delete(key)) return;
    stopAssembling(key);
    send({ type: 'unsubscribe', id: key });
  }

  function handleFrame(frame: ServerFrame): void {
    if (frame.type === 'error') {
      counters.lastFrameError = `${frame.code}: ${frame.reason}`;
      if (frame.id !== null && frame.fatal && streaming.delete(frame.id)) {
        route(frame.id, { type: 'STREAM.ERROR', message: frame.reason, fatal: true });
      }
      return;
    }
    const key = frame.id;
    if (!streaming.has(key)) {
      counters.framesIgnored++; // in flight when we unsubscribed
      return;
    }
    if (frame.type === 'reset-piece') return receivePiece(key, assembly.add(frame));
    // Nothing of a subscription comes between a reset and its last piece; a new reset replaces it.
    if (frame.type !== 'reset' && stopAssembling(key)) return brokenPieces(key, `${frame.type} ${frame.seq} came before the last piece of its reset`);
    const held = store.summary(key);
    const gap = checkSequence(held?.seq ?? 0, frame.seq, frame.type === 'reset');
    switch (frame.type) {
      case 'reset': {
        if (frame.pieces !== undefined) {
          assembly.cancel(key);
          return receivePiece(key, assembly.begin({ ...frame, pieces: frame.pieces }));
        }
        counters.resetsReceived++;
        // A reset that is applied makes the store the backend's view exactly: an agreement. One
        // behind a fresh read from the API server is refused, and proves only that the stream is alive.
        const { applied, refused } = store.applyReset(key, frame);
        if (refused) counters.framesRefused++;
        route(key, { type: 'STREAM.DELIVERED', kind: 'reset', upstream: frame.upstream, ...(applied ? { digestAgrees: true } : {}) });
        return;
      }
      case 'update': {
        if (store.applyUpdate(key, frame).refused) counters.framesRefused++;
        if (gap) return drift(key, gap);
        route(key, { type: 'STREAM.DELIVERED', kind: 'update' });
        return;
      }
      case 'heartbeat': {
        if (gap) {
          store.advanceSeq(key, frame.seq);
          return drift(key, gap);
        }
        const verdict = checkHeartbeat(store.summary(key), frame);
        store.advanceSeq(key, frame.seq);
        if (verdict.drift) return drift(key, verdict.detail);
        if (verdict.rebase) store.rebase(key, frame);
        if (verdict.digestAgrees) store.touch(key);
        route(key, { type: 'STREAM.DELIVERED', kind: 'heartbeat', digestAgrees: verdict.digestAgrees, upstream: frame.upstream });
        return;
      }
      case 'status':
        store.advanceSeq(key, frame.seq);
        if (gap) return drift(key, gap);
        route(key, { type: 'STREAM.STATUS', upstream: frame.upstream });
        return;
    }
  }

  /**
   * A piece of a reset landed: a cold view shows the rows so far at once; the last piece applies
   * the reset as if it had come whole, and only then do the machines hear of it.
   */
  function receivePiece(key: string, outcome: ReturnType<ResetAssembly['add']>): void {
    if (outcome.status === 'broken') return brokenPieces(key, outcome.reason);
    if (outcome.status === 'complete') return handleFrame(outcome.frame);
    const rows = assembly.rowsSoFar(key);
    const head = assembly.head(key);
    if (rows && head) store.showLoading(key, rows.slice(store.collection(key)?.loading?.received ?? 0), head.count, head.columns);
  }

  function brokenPieces(key: string, reason: string): void {
    counters.framesRejected++;
    counters.lastFrameError = reason;
    store.abandonLoading(key);
    drift(key, reason);
  }

  /** Drops a reset still arriving in pieces; true when there was one. */
  function stopAssembling(key: string): boolean {
    if (!assembly.cancel(key)) return false;
    store.abandonLoading(key);
    return true;
  }

  function drift(key: string, detail: string): void {
    counters.drifts++;
    route(key, { type: 'STREAM.DRIFT', detail });
  }

  const socketActor = fromCallback<ConnectionEvent>(({ sendBack }) => {
    let ws: SocketLike;
    try {
      ws = makeSocket(streamUrl(options.server));
    } catch (error) {
      queueMicrotask(() => sendBack({ type: 'SOCKET.CLOSED', reason: error instanceof Error ? error.message : String(error) }));
      return () => {};
    }
    socket = ws;
    let closed = false;
    ws.onopen = () => sendBack({ type: 'SOCKET.OPENED' });
    ws.onclose = (event) => {
      if (closed) return;
      closed = true;
      if (socket === ws) socket = null;
      streaming.clear();
      for (const key of assembly.clear()) store.abandonLoading(key);
      sendBack({ type: 'SOCKET.CLOSED', code: event?.code, reason: event?.reason || undefined });
    };
    ws.onerror = () => {
      // 'close' follows every error; the reconnect is decided there.
    };
    ws.onmessage = (event) => {
      counters.framesReceived++;
      const text = typeof event.data === 'string' ? event.data : String(event.data);
      const parsed = parseServerFrame(text);
      if (!parsed.ok) {
        counters.framesRejected++;
        counters.lastFrameError = parsed.reason;
        return;
      }
      try {
        handleFrame(parsed.frame);
      } catch (error) {
        counters.framesRejected++;
        counters.lastFrameError = error instanceof Error ? error.message : String(error);
      }
    };
    return () => {
      closed = true;
      streaming.clear();
      for (const key of assembly.clear()) store.abandonLoading(key);
      if (socket === ws) socket = null;
      ws.onopen = ws.onmessage = null;
      ws.onclose = null;
      // Closing a socket that is still connecting makes the `ws` package emit 'error'; with no
      // listener Node would throw it and end the process, so a quiet one stays.
      ws.onerror = () => {};
      try {
        ws.close(1000, 'engine stopped');
      } catch {
        // already closed
      }
    };
  });

  const machine = orchestratorMachine.provide({
    actors: {
      connection: connectionMachine.provide({ actors: { socket: socketActor } }),
      subscription: subscriptionMachine.provide({
        actors: {
          fetchSnapshot: fromPromise(({ input, signal }) => source.fetchSnapshot(input.domain, input.scope, signal)),
          // Invoked by the machine's `subscribed` state: subscribed for exactly as long as it is in it.
          streamSubscription: fromCallback<EventObject, StreamSubscriptionInput>(({ input }) => {
            subscribeOnStream(input.domain, input.scope);
            return () => unsubscribeFromStream(subscriptionKey(input.domain, input.scope));
          }),
        },
        actions: {
          requestResync: ({ context }) => send({ type: 'resync', id: subscriptionKey(context.domain, context.scope) }),
          dropScopeData: ({ context }) => store.drop(subscriptionKey(context.domain, context.scope)),
        },
      }),
      metrics: metricsMachine.provide({
        actors: { fetch: fromPromise(({ input, signal }) => source.fetchMetrics(input.domain, input.scope, signal)) },
      }),
      snapshotOnly: snapshotOnlyMachine.provide({
        actors: { fetch: fromPromise(({ input, signal }) => source.fetchSnapshot(input.domain, input.scope, signal)) },
      }),
    },
    actions: {
      releaseSubscription: (_, params: { key: string }) => {
        unsubscribeFromStream(params.key);
        store.drop(params.key);
      },
    },
  });

  const actor = createActor(machine, {
    clock,
    inspect: options.inspect as Observer<InspectionEvent> | undefined,
    input: { config, now },
  });
  actor.start();

  // Back from hidden or offline: reconnect without waiting out the backoff, and refresh every
  // subscription (a healthy stream resyncs, the rest poll at once) before trusting the data.
  const wake = (yes: boolean) => {
    if (!yes) return;
    actor.send({ type: 'RECONNECT' });
    actor.send({ type: 'REFRESH' });
  };
  const unwatchEnvironment = [
    (options.visibility ?? visibilitySignal()).subscribe(wake),
    (options.online ?? onlineSignal()).subscribe(wake),
  ];

  return {
    cluster: cluster ?? null,
    store,
    actor,
    clock,
    counters,
    subscribe(domain, scope = '') {
      actor.send({ type: 'SUBSCRIBE', domain, scope });
      let held = true;
      return () => {
        if (!held) return;
        held = false;
        actor.send({ type: 'UNSUBSCRIBE', domain, scope });
      };
    },
    refresh(domain, scope = '') {
      actor.send(domain === undefined ? { type: 'REFRESH' } : { type: 'REFRESH', key: subscriptionKey(domain, scope) });
    },
    setConfig(overrides) {
      actor.send({ type: 'CONFIG.SET', overrides });
    },
    diagnostics() {
      return { ...diagnose(actor.getSnapshot(), now()), cluster: cluster ?? null };
    },
    config() {
      return actor.getSnapshot().context.config;
    },
    stop() {
      for (const unwatch of unwatchEnvironment) unwatch();
      actor.stop();
    },
  };
}

export { splitKey };
