/**
 * The backend's HTTP API (docs/protocol.md): snapshots with ETags, metrics, cordon/uncordon,
 * whole objects on demand, diagnostics, health, the debug fault switch and the dashboard.
 * Every handler answers JSON errors as `{error, reason}` with a 4xx/5xx status and never lets an
 * exception escape to the server. Paths outside `/api` are the dashboard's files (staticFiles.ts).
 * Who may call at all (Host, token, Origin, content type) is decided before, in requestPolicy.ts;
 * here are the bounds on work: concurrent snapshot builds, requests in flight per peer, bodies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { addItem, digestOf, emptyDigest, formatDigest } from '../adapters/digest.js';
import { openShare } from '../adapters/loopShare.js';
import type { ClustersBody, IdentityBody, MetricsBody } from '../adapters/protocol.js';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { KubeApiError, KubeTimeoutError, type KubeClient } from '../adapters/kube/client.js';
import { CountCache } from '../adapters/kube/counts.js';
import { discoveredPath, isListWatchable, type DiscoveredResource, type Discovery } from '../adapters/kube/discovery.js';
import { helmLabelSelector } from '../adapters/kube/helm.js';
import { isSecret, redactSecret, revealedValue, secretKeyPattern } from '../adapters/kube/secrets.js';
import { listAll, specCollection } from '../adapters/kube/listWatch.js';
import { fetchLogTail, parseLogScope } from '../adapters/kube/logs.js';
import { isResourceName, objectPath, collectionPath, resourceSpecs } from '../adapters/kube/resources.js';
import {
  apiFailureCode,
  isStreamDomain,
  type ColumnDefinition,
  type CountItem,
  type CountsBody,
  type Row,
  type RowChange,
  type SecretKeyBody,
  type SinceRefusal,
  type SnapshotBody,
  type SnapshotChangesBody,
  type UpstreamReport,
} from '../adapters/protocol.js';
import { isDomain, isResourceDomain, resourceDomain, scopeProblem } from '../machines/domains.js';
import type { KubeliveConfig } from '../machines/config.js';
import { isLoopbackAddress, type Refusal } from './requestPolicy.js';
import { ActionRunner, actionNames, isActionName } from './actions.js';
import { viewChangesSince, type GenerationCounter, type ResourceCache } from './cache.js';
import { parseFaultRequest, type StreamFaults } from './faults.js';
import { PreviousLogError, readPreviousLog } from './logsPrevious.js';
import { serveStatic } from './staticFiles.js';
import { MetricsUnavailableError, type MetricsCache } from './metricsCache.js';
import type { StreamHub } from './stream.js';
import { collectionOf, helmKey, TooManyUpstreamsError, UnknownDomainError, type Upstreams } from './upstreams.js';
import { apiResourcesSnapshot, combinedReport, planWithPermissions, resolveView, splitKey, viewColumns, ViewError, viewRows, viewState, type ViewSpec } from './views.js';
import type { Permissions } from './permissions.js';
import { ClusterUnusableError, TooManyClustersError, UnknownClusterError, type ClusterRuntime, type ClusterSet } from './clusters.js';
import { ndjsonType, wantsLines, writeFirstListLines, writeSnapshotLines, type PieceWriter } from './snapshotLines.js';

export interface HttpContext {
  /** Every cluster of the kubeconfig; a request's `?cluster=` picks one (absent: the default). */
  readonly clusters: ClusterSet;
  readonly config: KubeliveConfig;
  readonly generations: GenerationCounter;
  readonly hub: StreamHub;
  readonly faults: StreamFaults | null;
  readonly startedAt: number;
  readonly limits: HttpLimits;
  /** Serve dist/ui's `*.map` files (they publish the dashboard's sources). */
  readonly serveSourceMaps: boolean;
  /** The backend's state for diagnostics, the `kube` part about this cluster. */
  readonly describe: (cluster: ClusterRuntime) => Record<string, unknown>;
}

/** A request's context: the backend's, and the runtime of the cluster it names. */
interface ClusterContext extends Omit<HttpContext, 'describe'> {
  readonly cluster: string;
  readonly client: KubeClient;
  readonly upstreams: Upstreams;
  readonly metrics: MetricsCache;
  /** What the cluster serves: resource domains, `api-resources`, counts. */
  readonly discovery: Discovery;
  /** Where the user may list each resource: snapshots of a partial view read the permitted namespaces. */
  readonly permissions: Permissions;
  readonly describe: () => Record<string, unknown>;
}

export interface HttpLimits {
  /** Snapshot bodies built (or read from the API server) at once; past it a request waits its turn. */
  readonly maxConcurrentSnapshots: number;
  /** Requests waiting for a snapshot slot, at most; past it, 503 + Retry-After at once. */
  readonly maxWaitingSnapshots: number;
  /** How long a request waits for a snapshot slot before it is refused with 503 + Retry-After. */
  readonly snapshotWaitMs: number;
  /** Requests one peer address may have in flight; past it, 429 + Retry-After. */
  readonly maxRequestsPerPeer: number;
  /** A snapshot whose client reads nothing for this long is abandoned, so it cannot hold a slot for good. */
  readonly snapshotWriteStallMs: number;
}

export const defaultHttpLimits: HttpLimits = {
  // Four 100,000-pod snapshots already hold 150 MB of rows in flight; more would only queue behind
  // them on two cores while stretching every stream's heartbeat.
  maxConcurrentSnapshots: 4,
  // One dashboard page opens a snapshot per view and per related panel at once (a Describe page
  // asks for half a dozen); on a busy machine each can take seconds, and refusing the page's own
  // fifth request made it back off and retry for nothing. Waiting costs a socket, not rows: the
  // slots still bound the work, as kube-apiserver's priority and fairness queues a request before
  // it rejects one.
  maxWaitingSnapshots: 16,
  snapshotWaitMs: 10_000,
  // A browser opens at most 6 connections to a host; 64 leaves room for scripts and the CLI.
  maxRequestsPerPeer: 64,
  // A client reading at a few hundred kB/s drains a socket buffer well within this.
  snapshotWriteStallMs: 30_000,
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Only faults take a body, and it is a few dozen bytes. */
const maxRequestBodyBytes = 16 * 1024;
/** Past the limit a body is still read (and dropped) this far, so the client sees our 413 instead of a reset. */
const maxDiscardBytes = 1024 * 1024;
/** Rows serialised per piece of a large snapshot; about 0.4 MB and a few ms of the event loop. */
const rowsPerPiece = 1000;
/** Log followers are given back when a view closes or after the idle grace; a few seconds is a fair wait. */
const tooManyUpstreamsRetrySeconds = 5;
/** A cluster in use is let go when its views close (or after its idle time); a few seconds is a fair wait. */
const tooManyClustersRetrySeconds = 5;

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-cache', ...headers });
  response.end(text);
}

/**
 * Answers a refused request. If the client is still sending a body, the rest is read and dropped
 * (up to a bound) before the connection closes: closing on unread data makes the kernel reset
 * the connection, and the client would see a reset instead of our answer.
 */
export function refuse(request: IncomingMessage, response: ServerResponse, refusal: Refusal, headers: Record<string, string> = {}): void {
  if (!request.complete) {
    response.setHeader('Connection', 'close');
    let discarded = 0;
    request.on('data', (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > maxDiscardBytes) request.destroy();
    });
    request.on('error', () => {}); // a client that hangs up mid-body is no error of ours
    request.resume();
  }
  sendJson(response, refusal.status, { error: refusal.code, reason: refusal.reason }, headers);
}

function readJsonBody(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    const tooLarge = () => new HttpError(413, 'too-large', `request bodies are limited to ${maxRequestBodyBytes} bytes`);
    if (declared > maxRequestBodyBytes) return reject(tooLarge());
    let size = 0;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxRequestBodyBytes) {
        chunks.length = 0;
        request.removeAllListeners('data');
        reject(tooLarge()); // refuse() reads and drops the rest
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new HttpError(400, 'malformed-body', 'request body is not JSON'));
      }
    });
    request.on('error', reject);
  });
}

/** Maps an API server failure to what our client sees: its status when it is a client error, 504 when it did not answer, else 502. */
function upstreamFailure(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof KubeTimeoutError) return new HttpError(504, 'upstream-timeout', error.message);
  // Not a failure of the moment: the cluster has no metrics API. Retry-After says when we look again.
  if (error instanceof MetricsUnavailableError) {
    return new HttpError(503, error.code, error.message, { 'Retry-After': String(Math.ceil(error.retryAfterMs / 1000)) });
  }
  if (error instanceof TooManyUpstreamsError) return new HttpError(503, error.code, error.message, { 'Retry-After': String(tooManyUpstreamsRetrySeconds) });
  if (error instanceof ViewError) return new HttpError(error.code === 'bad-scope' ? 400 : 404, error.code, error.message);
  if (error instanceof UnknownDomainError) return new HttpError(404, error.code, error.message);
  if (error instanceof PreviousLogError) return new HttpError(error.status, error.code, error.message);
  if (error instanceof KubeApiError) {
    const status = error.status !== undefined && error.status >= 400 && error.status < 500 ? error.status : 502;
    return new HttpError(status, apiFailureCode(status), error.message);
  }
  return new HttpError(500, 'internal', error instanceof Error ? error.message : String(error));
}

/**
 * Counts work in flight against a bound, with a queue of bounded length where a request waits
 * its turn for a bounded time; and the times the bound said no.
 */
export class Bound {
  inFlight = 0;
  peak = 0;
  refused = 0;
  /** Requests that found every slot taken and were served after waiting. */
  waited = 0;
  peakWaiting = 0;
  private readonly waiting: Array<(entered: boolean) => void> = [];

  constructor(
    readonly max: number,
    readonly maxWaiting = 0,
    readonly waitMs = 0,
  ) {}

  get waitingNow(): number {
    return this.waiting.length;
  }

  /**
   * True once a slot is this caller's (it must `leave()` it), false when refused: every slot taken
   * and the queue full, or no slot freed within `waitMs`. A waiter whose client has gone
   * (`abandoned()` at its turn) passes the slot on, so nobody builds a body for a closed socket.
   */
  async enter(abandoned: () => boolean = () => false): Promise<boolean> {
    if (this.inFlight < this.max) {
      this.take();
      return true;
    }
    if (this.waiting.length >= this.maxWaiting) {
      this.refused++;
      return false;
    }
    const entered = await new Promise<boolean>((resolve) => {
      const turn = (handedOver: boolean) => {
        clearTimeout(timer);
        resolve(handedOver);
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(turn), 1);
        turn(false);
      }, this.waitMs);
      this.waiting.push(turn);
      this.peakWaiting = Math.max(this.peakWaiting, this.waiting.length);
    });
    if (!entered) {
      this.refused++;
      return false;
    }
    if (abandoned()) {
      this.leave();
      return false;
    }
    this.waited++;
    return true;
  }

  /** Frees a slot, or hands it straight to the longest waiter (the slot stays counted in flight). */
  leave(): void {
    const next = this.waiting.shift();
    if (next) return next(true);
    this.inFlight--;
  }

  report() {
    return { inFlight: this.inFlight, peak: this.peak, refused: this.refused, max: this.max, waiting: this.waiting.length, peakWaiting: this.peakWaiting, waited: this.waited, maxWaiting: this.maxWaiting };
  }

  private take(): void {
    this.inFlight++;
    this.peak = Math.max(this.peak, this.inFlight);
  }
}

/**
 * The bounds a slow cluster must not take from the others are per cluster: its snapshot slots
 * (four builds stuck on an API server that answers slowly would otherwise `busy` every cluster),
 * its count lists, its actions. Peer limits and Secret reveals count the client, not the cluster.
 */
interface ClusterHttpState {
  readonly snapshots: Bound;
  readonly counts: CountCache;
  readonly actions: ActionRunner;
}

interface PeerState {
  readonly perPeer: Map<string, number>;
  peerRefusals: number;
  readonly reveals: RateBucket;
}

interface HttpState extends ClusterHttpState {
  readonly peers: PeerState;
}

/** A token bucket: `burst` at once, refilled at `perSecond`. */
class RateBucket {
  private tokens: number;
  private at = Date.now();
  refused = 0;
  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
  ) {
    this.tokens = burst;
  }

  tryTake(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.perSecond);
    this.at = now;
    if (this.tokens < 1) {
      this.refused++;
      return false;
    }
    this.tokens -= 1;
    return true;
  }
}

/**
 * Counts are kept 30 s (a sidebar needs no fresher number for kinds nobody is looking at; the
 * one on screen is counted exactly from its cache) and four lists run at once.
 */
const countTtlMs = 30_000;
const countConcurrency = 4;
/** A person reveals a key now and then; five at once and one a second after that is plenty, and bounds a script. */
const revealBurst = 5;
const revealsPerSecond = 1;

export function createRequestHandler(context: HttpContext) {
  const peers: PeerState = { perPeer: new Map(), peerRefusals: 0, reveals: new RateBucket(revealBurst, revealsPerSecond) };
  // Kept with the runtime they count for: a cluster disposed for idleness takes its state along.
  const perCluster = new WeakMap<ClusterRuntime, ClusterHttpState>();
  const stateOf = (runtime: ClusterRuntime): HttpState => {
    let cluster = perCluster.get(runtime);
    if (!cluster) {
      cluster = {
        snapshots: new Bound(context.limits.maxConcurrentSnapshots, context.limits.maxWaitingSnapshots, context.limits.snapshotWaitMs),
        counts: new CountCache(runtime.client, { ttlMs: countTtlMs, concurrency: countConcurrency }),
        actions: new ActionRunner(runtime.client, () => context.config),
      };
      perCluster.set(runtime, cluster);
    }
    return { ...cluster, peers };
  };
  return (request: IncomingMessage, response: ServerResponse): void => {
    const peer = request.socket.remoteAddress ?? '';
    const inFlight = peers.perPeer.get(peer) ?? 0;
    if (inFlight >= context.limits.maxRequestsPerPeer) {
      peers.peerRefusals++;
      const reason = `at most ${context.limits.maxRequestsPerPeer} requests in flight per client`;
      return refuse(request, response, { status: 429, code: 'too-many-requests', reason }, { 'Retry-After': '1' });
    }
    peers.perPeer.set(peer, inFlight + 1);
    response.once('close', () => {
      const left = (peers.perPeer.get(peer) ?? 1) - 1;
      if (left > 0) peers.perPeer.set(peer, left);
      else peers.perPeer.delete(peer);
    });
    route(context, stateOf, request, response).catch((error: unknown) => {
      const failure = upstreamFailure(error);
      if (!response.headersSent) refuse(request, response, { status: failure.status, code: failure.code, reason: failure.message }, failure.headers);
      else response.destroy();
    });
  };
}

async function route(backend: HttpContext, stateOf: (runtime: ClusterRuntime) => HttpState, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = requestUrl(request);
  if (!url) throw new HttpError(400, 'bad-path', 'the request target is not a path');
  const path = url.pathname;
  const method = request.method ?? 'GET';
  const segments = path.split('/').filter((s) => s.length > 0).map(decodeSegment);

  if (path === '/_debug/faults') return debugFaults(backend, request, response, method);
  if (method === 'GET' && path === '/healthz') return sendJson(response, 200, { ok: true, uptimeMs: Date.now() - backend.startedAt });
  if (segments[0] !== 'api') {
    // Everything outside the API is the dashboard's files (dist/ui).
    if ((method === 'GET' || method === 'HEAD') && (await serveStatic(request, response, path, { sourceMaps: backend.serveSourceMaps }))) return;
    throw new HttpError(404, 'not-found', `no route ${method} ${path}`);
  }
  if (segments[1] !== 'v1') throw new HttpError(404, 'not-found', `no route ${method} ${path}`);
  const [, , area, ...rest] = segments;
  if (method === 'GET' && area === 'clusters' && rest.length === 0) return sendJson(response, 200, await clusterList(backend), { 'Cache-Control': 'no-store' });

  // Every other route acts on one cluster: `?cluster=`, or the default. The runtime counts as in
  // use while the request runs, and for the idle grace after. A path that is no route is refused
  // first: a typo must not start (or push out) a cluster's runtime.
  if (area === undefined || !clusterAreas.has(area)) throw new HttpError(404, 'not-found', `no route ${method} ${path}`);
  const runtime = clusterOf(backend.clusters, url.searchParams);
  try {
    await clusterRoute({ ...backend, ...runtimeParts(runtime), describe: () => backend.describe(runtime) }, stateOf(runtime), request, response, url, method, area, rest);
  } finally {
    backend.clusters.release(runtime);
  }
}

/** The first segments after `/api/v1/` of the routes that act on one cluster. */
const clusterAreas = new Set(['snapshot', 'metrics', 'nodes', 'actions', 'object', 'secret-key', 'logs', 'counts', 'identity', 'diagnostics']);

/** The runtime `?cluster=` names; 404 `unknown-cluster` for a name the kubeconfig lacks, 503 past the bound on clusters in use. */
function clusterOf(clusters: ClusterSet, params: URLSearchParams): ClusterRuntime {
  const names = params.getAll('cluster');
  if (names.length > 1) throw new HttpError(400, 'bad-cluster', 'name one cluster per request');
  try {
    return clusters.hold(names[0] ?? null);
  } catch (error) {
    if (error instanceof UnknownClusterError) throw new HttpError(404, error.code, error.message);
    if (error instanceof TooManyClustersError) throw new HttpError(503, error.code, error.message, { 'Retry-After': String(tooManyClustersRetrySeconds) });
    if (error instanceof ClusterUnusableError) throw new HttpError(502, error.code, error.message);
    throw error;
  }
}

function runtimeParts(runtime: ClusterRuntime) {
  const { name: cluster, client, upstreams, metrics, discovery, permissions } = runtime;
  return { cluster, client, upstreams, metrics, discovery, permissions };
}

/** `GET /api/v1/clusters`: every context, each with its health (server/clusters.ts probes the ones not in use). */
async function clusterList(backend: HttpContext): Promise<ClustersBody> {
  const clusters = await backend.clusters.summaries(backend.hub.subscriptionsByCluster());
  return { default: backend.clusters.defaultName, generatedAt: new Date().toISOString(), clusters };
}

async function clusterRoute(
  context: ClusterContext,
  state: HttpState,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  method: string,
  area: string | undefined,
  rest: string[],
): Promise<void> {
  const path = url.pathname;

  // A built-in domain is one segment; a resource domain is group/version/resource.
  if (method === 'GET' && area === 'snapshot' && (rest.length === 1 || rest.length === 3)) {
    return snapshot(context, state, request, response, rest.join('/'), url.searchParams.get('scope') ?? '', parseSince(url.searchParams.getAll('since')));
  }
  if (method === 'GET' && area === 'metrics' && rest.length === 1) {
    const domain = metricsDomain(rest[0]!);
    const body = await metrics(context, domain, url.searchParams.get('scope') ?? '');
    const etag = metricsTag(body);
    if (request.headers['if-none-match'] === etag) return sendNotModified(response, etag);
    return sendJson(response, 200, { cluster: context.cluster, ...body }, { ETag: etag });
  }
  if (method === 'POST' && area === 'nodes' && rest.length === 2 && (rest[1] === 'cordon' || rest[1] === 'uncordon')) {
    // The first action's own route, kept for scripts: the same action, answered with the node's name too.
    const answer = await state.actions.run(rest[1], { node: rest[0] });
    return sendJson(response, answer.status, { name: rest[0], ...answer.body });
  }
  if (area === 'actions') return actionRoute(state.actions, request, response, method, rest, url.searchParams);
  if (method === 'GET' && area === 'object' && (rest.length === 2 || rest.length === 3)) {
    return wholeObject(context, response, rest);
  }
  if (method === 'GET' && area === 'object' && rest.length === 0) {
    const params = url.searchParams;
    return objectOfDomain(context, response, params.get('domain') ?? '', params.get('namespace') ?? '', params.get('name') ?? '');
  }
  if (method === 'POST' && area === 'secret-key' && rest.length === 0) return revealSecretKey(context, state, request, response);
  if (method === 'GET' && area === 'logs' && rest.length === 1 && rest[0] === 'previous') {
    return sendJson(response, 200, await readPreviousLog(context.client, url.searchParams), { 'Cache-Control': 'no-store' });
  }
  if (method === 'GET' && area === 'counts' && rest.length === 0) {
    return sendJson(response, 200, await counts(context, state.counts, url.searchParams.get('scope') ?? ''));
  }
  if (method === 'GET' && area === 'identity' && rest.length === 0) return sendJson(response, 200, await identity(context), { 'Cache-Control': 'no-store' });
  if (method === 'GET' && area === 'diagnostics' && rest.length === 0) {
    const now = Date.now();
    const { cluster } = context;
    return sendJson(response, 200, {
      generatedAt: new Date(now).toISOString(),
      cluster,
      ...context.describe(),
      upstreams: context.upstreams.diagnostics(now).map((u) => ({ cluster, ...u })),
      upstreamBounds: context.upstreams.bounds(),
      permissions: { cluster, ...context.permissions.diagnostics(now) },
      clients: context.hub.diagnostics(now),
      metricsFetches: context.metrics.fetches,
      faults: context.faults?.active() ?? null,
      clusters: context.clusters.report(now),
      http: {
        snapshots: state.snapshots.report(),
        requestsPerPeerRefused: state.peers.peerRefusals,
        peers: state.peers.perPeer.size,
        countLists: state.counts.requests,
        secretRevealsRefused: state.peers.reveals.refused,
        actions: state.actions.counts,
      },
      memory: { rssBytes: process.memoryUsage().rss, heapUsedBytes: process.memoryUsage().heapUsed },
    });
  }
  throw new HttpError(404, 'not-found', `no route ${method} ${path}`);
}

/**
 * The request's path and query. Read as a path appended to a dummy origin, never resolved
 * against one: `//x` is a path here, not a host. Null for targets that are no path at all.
 */
export function requestUrl(request: IncomingMessage): URL | null {
  const target = request.url ?? '/';
  if (!target.startsWith('/')) return null;
  try {
    return new URL(`http://backend.invalid${target}`);
  } catch {
    return null;
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'bad-path', `"${segment}" is not a valid URL path segment`);
  }
}

function metricsDomain(name: string): 'node-metrics' | 'pod-metrics' {
  if (name === 'node-metrics' || name === 'nodes') return 'node-metrics';
  if (name === 'pod-metrics' || name === 'pods') return 'pod-metrics';
  throw new HttpError(404, 'unknown-domain', `no metrics for "${name}": use node-metrics or pod-metrics`);
}

const metricsTags = new WeakMap<MetricsBody, string>();

/**
 * A metrics answer's ETag: its samples, each `namespace/name@timestamp` (a sample keeps its
 * timestamp until metrics-server takes the next), summed as rows' digests are. Clients poll every
 * `metricsIntervalMs` (5 s) while metrics-server samples every 15-60 s, so most polls find the
 * same samples, and a 304 spares the browser reading and parsing them (8 MB at 50,000 pods, three
 * late frames while the Pods view scrolled: bench row 9s). Computed once per answer, which is
 * cached for the interval.
 */
function metricsTag(body: MetricsBody): string {
  let tag = metricsTags.get(body);
  if (tag === undefined) {
    const digest = emptyDigest();
    for (const item of body.items) addItem(digest, `${item.namespace ?? ''}/${item.name}`, item.timestamp ?? '');
    tag = `"metrics-${body.items.length}-${formatDigest(digest)}"`;
    metricsTags.set(body, tag);
  }
  return tag;
}

/** 304 for an answer whose ETag the client sent back: nothing is serialised or sent. */
function sendNotModified(response: ServerResponse, etag: string): void {
  response.writeHead(304, { ETag: etag, 'Cache-Control': 'no-cache' });
  response.end();
}

async function metrics(context: ClusterContext, domain: 'node-metrics' | 'pod-metrics', scope: string) {
  const problem = scopeProblem(domain, scope);
  if (problem !== null) throw new HttpError(400, 'bad-scope', problem);
  return context.metrics.get(domain, scope);
}

async function snapshot(context: ClusterContext, state: HttpState, request: IncomingMessage, response: ServerResponse, domain: string, scope: string, since: number | null): Promise<void> {
  if (!isDomain(domain)) throw new HttpError(404, 'unknown-domain', `unknown domain "${domain}"`);
  const problem = scopeProblem(domain, scope);
  if (problem !== null) throw new HttpError(400, 'bad-scope', problem);
  if (since !== null && !isStreamDomain(domain)) throw new HttpError(400, 'bad-since', `${domain} keeps no history of changes: ask without since`);
  if (domain === 'api-resources') return apiResources(context, request, response);
  if (!isStreamDomain(domain)) {
    const body = await metrics(context, domain === 'node-metrics' ? 'node-metrics' : 'pod-metrics', scope);
    return sendJson(response, 200, { cluster: context.cluster, ...body });
  }
  const view = await resolveView(context.discovery, domain, scope);
  await sendSnapshot(context, state.snapshots, request, response, await planWithPermissions(context.permissions, view), since);
}

/** Generations are whole numbers below 2^53 (GenerationCounter); 16 digits is room for them. */
const sincePattern = /^[0-9]{1,16}$/;

/** `since=G`, checked before any work: one whole number, or absent. */
function parseSince(values: readonly string[]): number | null {
  if (values.length === 0) return null;
  const [value] = values;
  if (values.length > 1 || value === undefined || !sincePattern.test(value) || !Number.isSafeInteger(Number(value))) {
    const shown = values.map((v) => JSON.stringify(v.slice(0, 40))).join(', ');
    throw new HttpError(400, 'bad-since', `since must be one generation (a whole number) from an earlier answer, not ${shown}`);
  }
  return Number(value);
}

/**
 * The changes a poll `since` a generation missed, from the caches' rings, or why the whole view
 * is the answer. Synchronous, so the changes and the state they lead to are the same instant's.
 */
function changesSince(context: HttpContext, caches: readonly ResourceCache[], view: ViewSpec, since: number, count: number): { since: number; changes: RowChange[] } | { refusal: SinceRefusal } {
  // A generation this backend has not given yet comes from another process (a restart whose
  // clock went back): no ring here knows what the client holds.
  if (since > context.generations.current()) return { refusal: 'unknown-generation' };
  const changes = viewChangesSince(caches, since, view.namespace);
  if (changes === null) return { refusal: 'ring-passed' };
  if (changes.length > count) return { refusal: 'cheaper-whole' };
  return { since, changes };
}

/** `GET /api/v1/snapshot/api-resources`: what discovery found, with an ETag like every snapshot. */
async function apiResources(context: ClusterContext, request: IncomingMessage, response: ServerResponse): Promise<void> {
  await context.discovery.ready();
  const { body, etag } = apiResourcesSnapshot(context.discovery, context.generations);
  if (request.headers['if-none-match'] === etag) return sendNotModified(response, etag);
  if (body.count === 0 && context.discovery.lastError !== null) throw new HttpError(502, 'upstream-error', `discovery failed: ${context.discovery.lastError}`);
  sendJson(response, 200, { cluster: context.cluster, ...body }, { ETag: etag });
}

/**
 * Runs `build` in one of the bounded snapshot slots, after waiting its turn if all are taken; 503
 * when the queue is full or no slot freed in time.
 */
async function inSnapshotSlot<T>(bound: Bound, closed: () => boolean, build: () => Promise<T>): Promise<T> {
  if (!(await bound.enter(closed))) {
    throw new HttpError(503, 'busy', `${bound.max} snapshots are being built already and ${bound.waitingNow} wait; retry in a second`, { 'Retry-After': '1' });
  }
  try {
    return await build();
  } finally {
    bound.leave();
  }
}

/**
 * Writes `{...head, "items": [...]}` in pieces of `rowsPerPiece` rows, giving the event loop back
 * between pieces (and waiting for the socket to drain when it is full), so a 37 MB snapshot does
 * not stop heartbeats for the time one JSON.stringify of it would take.
 */
async function sendJsonInPieces(response: ServerResponse, head: Record<string, unknown>, items: readonly unknown[], headers: Record<string, string>, stallMs: number): Promise<void> {
  if (items.length <= rowsPerPiece) return sendJson(response, 200, { ...head, items }, headers);
  response.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-cache', ...headers });
  response.write(`${JSON.stringify(head).slice(0, -1)},"items":[`);
  for (let start = 0; start < items.length; start += rowsPerPiece) {
    // A piece a turn whatever else runs; counted in the loop's share, so the work beside it in the turn is less.
    openShare();
    const piece = JSON.stringify(items.slice(start, start + rowsPerPiece)).slice(1, -1);
    const roomLeft = response.write(start === 0 ? piece : `,${piece}`);
    await (roomLeft ? nextTurn() : drained(response, stallMs));
    if (response.destroyed) return; // the client went away: stop building
  }
  response.end(']}');
}

/** Writes a piece and waits for the next turn of the loop, or for the socket to drain when it is full. */
function pieceWriter(response: ServerResponse, stallMs: number): PieceWriter {
  return async (text) => {
    const roomLeft = response.write(text);
    await (roomLeft ? nextTurn() : drained(response, stallMs));
  };
}

/** Resolves once the socket drains or closes; a client that reads nothing for `stallMs` is cut off. */
function drained(response: ServerResponse, stallMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(stalled);
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    const stalled = setTimeout(() => {
      response.destroy();
      done();
    }, stallMs);
    response.on('drain', done);
    response.on('close', done);
  });
}

const linesHeaders = { 'Content-Type': `${ndjsonType}; charset=utf-8`, 'Cache-Control': 'no-cache', Vary: 'Accept' };

/** A first list in progress is worth waiting for: reading the same list beside it doubles the load. */
const firstListWaitMs = 30_000;

/**
 * From the cache when its upstream is listed and healthy; otherwise read fresh from the API
 * server (and say so with `source: 'api'`), because a cache that is relisting, stalled or
 * backing off may be behind. Asking for a snapshot also keeps the upstream running for the idle
 * grace period, so a client that polls is served from the cache from then on. The ETag is
 * checked before any row is serialised, so an unchanged poll costs almost nothing.
 */
async function sendSnapshot(context: ClusterContext, slots: Bound, request: IncomingMessage, response: ServerResponse, view: ViewSpec, since: number | null = null): Promise<void> {
  const { domain, scope } = view;
  const upstreams = context.upstreams.acquireAll(view.keys);
  const ifNoneMatch = request.headers['if-none-match'];
  const notModified = (etag: string) => sendNotModified(response, etag);
  // Snapshots as lines (server/snapshotLines.ts): the same answers, rows sent as they are at hand.
  const lines = wantsLines(request.headers.accept);
  const stallMs = context.limits.snapshotWriteStallMs;
  const closed = () => response.destroyed;
  const sendBody = async (head: Omit<SnapshotBody, 'items'>, items: readonly unknown[], headers: Record<string, string>) => {
    if (!lines) return sendJsonInPieces(response, head, items, headers, stallMs);
    response.writeHead(200, { ...linesHeaders, ...headers });
    await writeSnapshotLines(pieceWriter(response, stallMs), closed, head, items as readonly Row[]);
    response.end();
  };
  try {
    const [only] = upstreams;
    // A cold view: its rows stream from the first list's pages as the API server sends them.
    if (lines && only && upstreams.length === 1 && only.state === 'listing' && !only.cache.listed && !view.partial) {
      const generation = context.generations.next();
      const head = { cluster: context.cluster, domain, scope, generatedAt: new Date().toISOString(), upstream: withReason(combinedReport(upstreams, Date.now(), view.partial)) };
      const plan = { head, withColumns: view.resource !== null, generation, cache: only.cache, namespace: view.namespace, listSettled: only.listSettled(firstListWaitMs), lastFailure: () => ({ status: only.lastFailureStatus, message: only.lastFailureMessage }) };
      const served = await inSnapshotSlot(slots, closed, () => writeFirstListLines(pieceWriter(response, stallMs), closed, () => response.writeHead(200, linesHeaders), plan));
      if (served) return void response.end();
    }
    await Promise.all(upstreams.map((u) => u.firstList(firstListWaitMs)));
    const upstream = combinedReport(upstreams, Date.now(), view.partial);
    const caches = upstreams.map((u) => u.cache);
    if (upstreams.every((u) => u.healthy)) {
      const state = viewState(caches, view.namespace);
      // A cache snapshot changes exactly when its generation does.
      const etag = `"cache-${state.generation}-${state.digest}-${state.count}"`;
      if (ifNoneMatch === etag) return notModified(etag);
      const delta = since === null ? null : changesSince(context, caches, view, since, state.count);
      if (delta !== null && 'changes' in delta) {
        const columns = viewColumns(view, caches);
        const body: SnapshotChangesBody = { answer: 'changes', cluster: context.cluster, domain, scope, since: delta.since, changes: delta.changes, ...state, generatedAt: new Date().toISOString(), upstream, source: 'cache', ...(columns ? { columns } : {}) };
        // Bounded by the rings (resumeRingSize per resource) and by the view's count.
        return sendJson(response, 200, body, { ETag: etag });
      }
      return inSnapshotSlot(slots, closed, async () => {
        const items = viewRows(caches, view.namespace);
        const columns = viewColumns(view, caches);
        const head: Omit<SnapshotBody, 'items'> = {
          cluster: context.cluster,
          domain,
          scope,
          ...state,
          generatedAt: new Date().toISOString(),
          upstream,
          source: 'cache',
          ...(columns ? { columns } : {}),
          ...(delta !== null && 'refusal' in delta ? { fullBecause: delta.refusal } : {}),
        };
        await sendBody(head, items, { ETag: etag });
      });
    }
    // Fresh reads win: stamped with a new generation taken as the read starts, so it orders after
    // everything the (unhealthy, maybe stalled) cache held then. A reset or update built from that
    // cache's older state carries a lower generation and the store refuses it; whatever the cache
    // applies after the read began (new events, a relist begun after it) carries a higher one and
    // applies on top. Ordered by what each one saw, never by resourceVersion. A relist already in
    // flight saw the cluster before this read would, yet its diff lands after: the read waits for
    // it, so that the relist's older view orders first and cannot undo a deletion this read saw.
    // A streaming relist is a watch and stalls with the cluster's watches: it gives way to a
    // paginated list, so this read waits on a plain read at most.
    await Promise.all(upstreams.map((u) => u.listSettled(firstListWaitMs, true)));
    await inSnapshotSlot(slots, closed, async () => {
      const generation = context.generations.next();
      const fresh = await readFromApi(context, view);
      const digest = digestOf(fresh.rows);
      // A fresh read is the same answer as long as its rows and the upstream's state are.
      const etag = `"api-${digest}-${fresh.rows.length}-${upstream.state}"`;
      if (ifNoneMatch === etag) return notModified(etag);
      const head: Omit<SnapshotBody, 'items'> = {
        cluster: context.cluster,
        domain,
        scope,
        resourceVersion: fresh.resourceVersion,
        generation,
        generatedAt: new Date().toISOString(),
        count: fresh.rows.length,
        digest,
        upstream: withReason(upstream),
        source: 'api',
        ...(since !== null ? { fullBecause: 'fresh-read' as const } : {}),
        ...(fresh.columns ? { columns: fresh.columns } : {}),
      };
      await sendBody(head, fresh.rows, { ETag: etag });
    });
  } finally {
    for (const key of view.keys) context.upstreams.release(key);
  }
}

function withReason(report: UpstreamReport): UpstreamReport {
  return { ...report, reason: report.reason ?? report.state };
}

/**
 * The view read straight from the API server, narrowed to its namespace on the server: the same
 * rows (and, for a resource domain, columns) its upstream would hold.
 */
export async function readFromApi(
  context: Pick<ClusterContext, 'client'>,
  view: ViewSpec,
): Promise<{ rows: Row[]; resourceVersion: string; columns: readonly ColumnDefinition[] | null }> {
  const namespace = view.namespace ?? '';
  if (view.domain === 'pod-logs') {
    const rows = await fetchLogTail(context.client, parseLogScope(view.scope));
    return { rows, resourceVersion: rows[rows.length - 1]?.time ?? '', columns: null };
  }
  const rows: Row[] = [];
  const versions: string[] = [];
  let columns: readonly ColumnDefinition[] | null = null;
  for (const planned of view.keys) {
    // A partial view's key names its namespace (`pods@shop`): read that namespace's collection.
    const { base: key, namespace: narrowed } = splitKey(planned);
    const ns = narrowed ?? namespace;
    const collection = isResourceName(key) ? specCollection(resourceSpecs[key], collectionPath(resourceSpecs[key], ns)) : collectionOf(key, view.resource, ns);
    if (!collection) continue;
    const list = await listAll(context.client, collection);
    // Not `push(...rows)`: a spread passes every row as an argument, and 150,000 of them overflow the stack.
    for (const row of list.rows) rows.push(row);
    versions.push(list.resourceVersion);
    columns ??= list.columns;
  }
  return { rows, resourceVersion: versions.join(','), columns };
}

/**
 * `GET /api/v1/actions`: the cluster actions act on and what they are; `GET
 * /api/v1/actions/drain-plan?node=`: the pods a drain would evict; `POST /api/v1/actions/NAME`
 * with a JSON body naming the object: the action (server/actions.ts). A POST, so requestPolicy
 * refuses it from any page but the dashboard's own.
 */
async function actionRoute(actions: ActionRunner, request: IncomingMessage, response: ServerResponse, method: string, rest: string[], params: URLSearchParams): Promise<void> {
  if (method === 'GET' && rest.length === 0) return sendJson(response, 200, { ...actions.cluster(), actions: actionNames });
  if (method === 'GET' && rest.length === 1 && rest[0] === 'drain-plan') {
    const answer = await actions.drainPlan(params.get('node') ?? '');
    return sendJson(response, answer.status, answer.body, { 'Cache-Control': 'no-store' });
  }
  if (method === 'POST' && rest.length === 1 && isActionName(rest[0]!)) {
    const answer = await actions.run(rest[0], await readJsonBody(request));
    return sendJson(response, answer.status, answer.body, { 'Cache-Control': 'no-store' });
  }
  throw new HttpError(404, 'not-found', `no action ${method} /api/v1/actions/${rest.join('/')}: POST one of ${actionNames.join(', ')}`);
}

/** `GET /api/v1/object/:resource/:name` or `/api/v1/object/:resource/:namespace/:name`: one whole object. */
async function wholeObject(context: ClusterContext, response: ServerResponse, rest: string[]): Promise<void> {
  const [resource, a, b] = rest as [string, string, string | undefined];
  if (!isResourceName(resource)) throw new HttpError(404, 'unknown-resource', `"${resource}" is not one of ${Object.keys(resourceSpecs).join(', ')}`);
  const spec = resourceSpecs[resource];
  const [namespace, name] = b === undefined ? ['', a] : [a, b];
  if (spec.namespaced && namespace === '') throw new HttpError(400, 'bad-scope', `${resource} are namespaced: /api/v1/object/${resource}/<namespace>/<name>`);
  if (!spec.namespaced && namespace !== '') throw new HttpError(400, 'bad-scope', `${resource} are cluster-wide: /api/v1/object/${resource}/<name>`);
  checkObjectName(name, namespace);
  await sendObject(context, response, objectPath(spec, name, namespace), name);
}

/**
 * A name that is a path segment of its own: `.` or `..` would make the URL name the collection
 * (`/secrets/.` is `/secrets/`, every Secret with its data), and a slash another path.
 */
function checkObjectName(name: string, namespace: string): void {
  const bad = (what: string, value: string) => new HttpError(400, 'bad-path', `"${value}" is not ${what}`);
  if (name === '' || name === '.' || name === '..' || name.length > 253 || /[/%\\\u0000-\u001f]/.test(name)) throw bad('an object name', name);
  if (namespace !== '' && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) throw bad('a namespace name', namespace);
}

/** Reads one object and answers it without managedFields, a Secret redacted. */
async function sendObject(context: ClusterContext, response: ServerResponse, path: string, name: string): Promise<void> {
  const object = await context.client.requestJson<Record<string, unknown> & { metadata?: Record<string, unknown> }>('GET', path, { maxBytes: 8 * 1024 * 1024 });
  // One object of that name, nothing else (never a list, whatever a server or a path did).
  if (object.metadata?.name !== name) throw new HttpError(502, 'upstream-error', `the API server answered ${path} with something other than the object ${name}`);
  // managedFields are bookkeeping for server-side apply, as long as the object and of no use to a reader.
  delete object.metadata.managedFields;
  sendJson(response, 200, isSecret(object) ? redactSecret(object) : object, { 'Cache-Control': 'no-store' });
}

/**
 * `GET /api/v1/object?domain=D&namespace=N&name=X`: one object of any kind the cluster serves
 * (a resource domain, or one of the hand-made resources by name), a Secret redacted.
 */
async function objectOfDomain(context: ClusterContext, response: ServerResponse, domain: string, namespace: string, name: string): Promise<void> {
  let path: string;
  let namespaced: boolean;
  if (isResourceName(domain)) {
    const spec = resourceSpecs[domain];
    namespaced = spec.namespaced;
    path = objectPath(spec, name, namespace);
  } else if (isResourceDomain(domain)) {
    await context.discovery.ready();
    let entry = context.discovery.resolve(domain);
    if (!entry) {
      await context.discovery.refreshIfStale();
      entry = context.discovery.resolve(domain);
    }
    if (!entry || !entry.verbs.includes('get')) throw new HttpError(404, 'unknown-resource', `the cluster serves no ${domain} that can be read`);
    namespaced = entry.namespaced;
    path = `${discoveredPath(entry, namespaced ? namespace : '')}/${encodeURIComponent(name)}`;
  } else {
    throw new HttpError(404, 'unknown-resource', `"${domain}" is not a resource: name one as group/version/resource (core/v1/configmaps) or one of ${Object.keys(resourceSpecs).join(', ')}`);
  }
  if (namespaced && namespace === '') throw new HttpError(400, 'bad-scope', `${domain} is namespaced: add namespace=`);
  if (!namespaced && namespace !== '') throw new HttpError(400, 'bad-scope', `${domain} is cluster-wide: leave namespace out`);
  checkObjectName(name, namespace);
  await sendObject(context, response, path, name);
}

/**
 * `POST /api/v1/secret-key` `{namespace, name, key}`: the one value the user asked to see. A
 * POST, so requestPolicy refuses it from any page but the dashboard's own (Origin, content
 * type, Sec-Fetch-Site); rate-bounded, and never cached.
 */
async function revealSecretKey(context: ClusterContext, state: HttpState, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (!state.peers.reveals.tryTake()) {
    throw new HttpError(429, 'too-many-requests', `at most ${revealBurst} Secret keys at once and ${revealsPerSecond} a second after that`, { 'Retry-After': '1' });
  }
  const body = await readJsonBody(request);
  const { namespace, name, key } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof namespace !== 'string' || typeof name !== 'string' || typeof key !== 'string' || namespace === '') {
    throw new HttpError(400, 'malformed-body', 'send {"namespace": "...", "name": "...", "key": "..."}');
  }
  checkObjectName(name, namespace);
  if (!secretKeyPattern.test(key)) throw new HttpError(400, 'malformed-body', `"${key}" is not a Secret key`);
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`;
  // A Secret holds at most 1 MiB of data; its JSON (base64) is a third larger.
  const secret = await context.client.requestJson<{ metadata?: { name?: string }; data?: Record<string, unknown> }>('GET', path, { maxBytes: 4 * 1024 * 1024 });
  if (secret.metadata?.name !== name) throw new HttpError(502, 'upstream-error', `the API server answered ${path} with something other than the Secret`);
  const data = typeof secret.data === 'object' && secret.data !== null ? secret.data : {};
  const encoded = Object.hasOwn(data, key) ? data[key] : undefined;
  if (typeof encoded !== 'string') throw new HttpError(404, 'not-found', `Secret ${namespace}/${name} has no key "${key}"`);
  const answer: SecretKeyBody = { namespace, name, key, ...revealedValue(encoded) };
  sendJson(response, 200, answer, { 'Cache-Control': 'no-store' });
}

/**
 * `GET /api/v1/counts?scope=`: a count for every kind that can be listed and watched, and for
 * Helm releases. Exact from a cache the backend keeps anyway; otherwise from a `limit=1` list
 * (CountCache: 30 s, four at a time), so counting costs no watch. A cluster-wide kind counts the
 * whole cluster whatever the scope.
 */
async function counts(context: ClusterContext, cache: CountCache, scope: string): Promise<CountsBody> {
  const problem = scopeProblem('pods', scope);
  if (problem !== null) throw new HttpError(400, 'bad-scope', problem);
  await context.discovery.ready();
  const namespace = scope === '' ? null : scope;
  const fromCache = (key: string, narrowed: boolean): number | null => {
    const upstream = context.upstreams.get(key);
    return upstream && upstream.running && upstream.cache.listed ? upstream.cache.aggregate(narrowed ? namespace : null).count : null;
  };
  const handMade = new Map<string, string>(Object.values(resourceSpecs).map((spec) => [spec.path, spec.name]));
  const entries = context.discovery.resources.filter(isListWatchable);
  const items = await Promise.all(
    entries.map(async (entry): Promise<CountItem> => {
      const domain = resourceDomain(entry);
      const narrowed = entry.namespaced && namespace !== null;
      const cached = fromCache(domain, narrowed) ?? fromCache(handMade.get(discoveredPath(entry)) ?? '', narrowed);
      if (cached !== null) return { domain, count: cached, source: 'cache', reason: null, namespaced: entry.namespaced };
      const answer = await cache.count(discoveredPath(entry, narrowed ? scope : ''));
      if (answer.count === null && answer.reason === 'forbidden' && entry.namespaced && namespace === null) {
        const partial = await countInPermittedNamespaces(context.permissions, cache, entry);
        if (partial) return { domain, ...partial, source: 'list', reason: null, namespaced: true };
      }
      return { domain, ...answer, source: answer.count === null ? null : 'list', namespaced: entry.namespaced };
    }),
  );
  // Helm releases are release Secrets: a label selector, so no remaining count; a metadata-only list of them all.
  const helmCached = fromCache(helmKey, namespace !== null);
  const helm =
    helmCached !== null
      ? { count: helmCached, reason: null, source: 'cache' as const }
      : await cache.count(namespace === null ? '/api/v1/secrets' : `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`, { labelSelector: helmLabelSelector }, true).then((a) => ({ ...a, source: a.count === null ? null : ('list' as const) }));
  items.push({ domain: 'helm-releases', ...helm, namespaced: true });
  return { cluster: context.cluster, scope, generatedAt: new Date().toISOString(), items };
}

/** More namespaces than this are not counted one by one: a sidebar would cost a list per kind and namespace. */
const maxCountedNamespaces = 8;

/**
 * A kind the user may not count cluster-wide, counted in the namespaces its partial views cover
 * (one `limit=1` list each, cached as every count is); null when there are none or too many, or
 * none of them lets it be listed.
 */
async function countInPermittedNamespaces(permissions: Permissions | undefined, cache: CountCache, entry: DiscoveredResource): Promise<{ count: number; namespaces: string[] } | null> {
  const candidates = permissions?.permittedNamespaces() ?? [];
  if (candidates.length === 0 || candidates.length > maxCountedNamespaces) return null;
  const answers = await Promise.all(candidates.map((ns) => cache.count(discoveredPath(entry, ns))));
  const namespaces = candidates.filter((_, i) => answers[i]?.count !== null && answers[i]?.count !== undefined);
  if (namespaces.length === 0) return null;
  return { count: answers.reduce((n, a) => n + (a.count ?? 0), 0), namespaces };
}

async function debugFaults(context: HttpContext, request: IncomingMessage, response: ServerResponse, method: string): Promise<void> {
  if (!context.faults) throw new HttpError(404, 'not-found', 'debug faults are off (start with --demo or --allow-faults)');
  if (!isLoopbackAddress(request.socket.remoteAddress)) throw new HttpError(403, 'forbidden', 'debug faults are for loopback clients only');
  if (method === 'DELETE') {
    context.faults.clear();
    return sendJson(response, 200, { active: context.faults.active() });
  }
  if (method === 'GET') return sendJson(response, 200, { active: context.faults.active() });
  if (method !== 'POST') throw new HttpError(405, 'method-not-allowed', 'use POST, DELETE or GET');
  const parsed = parseFaultRequest(await readJsonBody(request));
  if (typeof parsed === 'string') throw new HttpError(400, 'bad-fault', parsed);
  context.faults.set(parsed);
  sendJson(response, 200, { active: context.faults.active() });
}

/**
 * `GET /api/v1/identity`: which cluster the dashboard is on and as whom it acts, for the header:
 * the kubeconfig context (`in-cluster` for a pod's service account), its cluster and user
 * entries, the server, and the user as the API server names it (one SelfSubjectReview, asked
 * again after the credentials are read again; null on a server before 1.28 or one that refuses it).
 */
async function identity(context: ClusterContext): Promise<IdentityBody> {
  const entries = context.client.entryNames;
  const kube = context.describe().kube as { demo?: boolean; inCluster?: boolean } | undefined;
  const user = (await context.permissions?.whoami()) ?? null;
  return {
    context: context.client.contextName,
    clusterEntry: entries.cluster,
    userEntry: entries.user,
    server: context.client.server,
    user,
    inCluster: kube?.inCluster === true,
    demo: kube?.demo === true,
  };
}
