/**
 * The demo cluster's API server: routes Kubernetes REST paths to the stores, the simulation's
 * controllers, metrics and logs; speaks discovery, lists (with paging, selectors and Tables),
 * watches, patches and Status errors; and hosts the loopback-only fault control surface under
 * `/_demo/`. Every request but those is authenticated by its bearer token (users.ts) and authorized
 * by RBAC from the stored roles and bindings (rbac.ts), and the access reviews are answered from
 * the same rules (reviews.ts). What is served
 * is the Registry's: built-in kinds and the kinds of established CRDs, each created, read,
 * watched, changed and deleted the same way unless the simulation drives it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Faults } from './faults.js';
import { isoAt } from './generate.js';
import { parseFaultRequest } from './faults.js';
import { containerLog, finishOfRun, formatLine, isSameRunningRun, linesToPrint, linesWritten, logLine } from './logs.js';
import type { ContainerLog } from './logs.js';
import type { MetricsClock } from './metrics.js';
import { hasPodMetrics, nodeMetrics, podMetrics } from './metrics.js';
import { openApiV2Json, openApiV2Protobuf, openApiV2ProtobufType, openApiV3 } from './openapi.js';
import { applyPatch } from './patch.js';
import { crdStatus, immutableChange, invalidCrd, validateCrd, withDefaults } from './crds.js';
import { aggregatedDiscovery, aggregatedMediaType, apiGroupDocument, apiGroupList, apiResourceList, apiVersions, discoveryFormat, etagOf } from './discovery.js';
import { isValidName, prepareCreate, prepareStatusUpdate, prepareUpdate, presentAs } from './generic.js';
import type { Registry } from './registry.js';
import type { ResourceInfo } from './resources.js';
import { apiVersionOf, crdResourceKey, isSimulated, resourceKey } from './resources.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import type { Simulation } from './simulation.js';
import { alreadyExists, ApiError, badRequest, conflict, notFound, preconditionFailed } from './status.js';
import type { KubeObject, ObjectStore } from './store.js';
import type { Stores } from './stores.js';
import { tableWatchEncoder, toTable } from './table.js';
import { WatchStream } from './watch.js';
import {
  boolParam,
  dryRunParam,
  includeObjectParam,
  intParam,
  isLoopback,
  parseJson,
  parseRevision,
  readBody,
  prefersProtobuf,
  sendError,
  sendJson,
  sendProtobuf,
  tableMediaType,
  wantsPartialMetadata,
  wantsTable,
  writeList,
  writeProtobufList,
} from './http.js';
import { encodePodEnvelope } from './podProtobuf.js';
import { checkedDeploymentCreate, checkedUpdate, isReplicas, maxClientDeployments } from './writes.js';
import type { Authorizer, RequestAttributes, UserInfo } from './rbac.js';
import { forbiddenError } from './rbac.js';
import { decodeRbacProtobuf, isProtobuf } from './protobuf.js';
import { accessReviewResource, answerReview, reviewGroup } from './reviews.js';
import type { Authenticator } from './users.js';
import { evictPod, parseEviction } from './eviction.js';

export interface ApiServerContext {
  stores: Stores;
  /** What is served: the built-in catalogue and the kinds of established CRDs. */
  registry: Registry;
  simulation: Simulation;
  faults: Faults;
  metrics: MetricsClock;
  /** Who a bearer token is, and the expiring tokens the credential plugin is issued. */
  authenticator: Authenticator;
  /** RBAC over the stored roles and bindings, asked on every request. */
  authorizer: Authorizer;
  /** host:port as clients reach it, for /api's serverAddressByClientCIDRs. */
  serverAddress: () => string;
  bookmarkIntervalMs: number;
  /** false: no watch gets a bookmark, as without a watch cache. */
  sendsBookmarks: boolean;
  /** false: `sendInitialEvents` is refused, as by a kube-apiserver without the WatchList feature. */
  servesWatchList: boolean;
  /** false: metrics.k8s.io is not served at all, as on a cluster without metrics-server. */
  servesMetrics: boolean;
}

/** A watch with no timeoutSeconds ends after this long, like kube-apiserver's min-request-timeout. */
const defaultWatchTimeoutMs = 30 * 60_000;

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The creation time kube-apiserver stamps: RFC 3339 to the second. */
const nowStamp = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

interface ResourceRequest {
  info: ResourceInfo;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

export class ApiServer {
  private readonly watches = new Set<WatchStream>();
  /** What each open watch watches, so a watch of a kind that stops being served can be ended. */
  private readonly watched = new Map<WatchStream, ResourceInfo>();
  /** Requests received, by `METHOD /path` (no query): lets tests see how often kubelive asks for something. */
  readonly requestCounts = new Map<string, number>();
  /** Of those, the ones answered in protobuf: lets tests see which clients read pods that way. */
  readonly protobufRequestCounts = new Map<string, number>();
  /** The uids of Deployments clients created and have not deleted: their number is bounded. */
  private readonly clientDeployments = new Set<string>();
  /** Reads of core/v1 pods whose answer, errors included, is protobuf: the client asked for it first. */
  private readonly protobufAnswers = new WeakSet<ServerResponse>();

  constructor(private readonly ctx: ApiServerContext) {
    ctx.faults.onChange(() => {
      for (const w of this.watches) {
        const info = this.watched.get(w);
        if (info && this.isBlackholed(info)) w.blackhole();
        else w.resume();
      }
    });
    ctx.registry.onChange(() => this.endWatchesOfUnservedKinds());
  }

  /** A CRD deleted (or a version no longer served): its watches end, as a real server's do. */
  private endWatchesOfUnservedKinds(): void {
    for (const [w, info] of [...this.watched]) {
      if (!info.custom) continue;
      if (this.ctx.registry.find(info.group, info.version, info.plural) === undefined) {
        w.close();
        this.watches.delete(w);
        this.watched.delete(w);
      }
    }
  }

  private isBlackholed(info: ResourceInfo): boolean {
    return this.ctx.faults.find('blackhole-watches', info.plural, resourceKey(info)) !== undefined;
  }

  /**
   * Closes every open watch (of one resource, by plural or full key, or all): the `drop-watches` fault and
   * shutdown. A blackholed watch is dead already and nothing can reach its client, so only
   * shutdown (`evenBlackholed`) forgets it.
   */
  dropWatches(resource?: string, evenBlackholed = false): void {
    for (const w of [...this.watches]) {
      if (w.isBlackholed && !evenBlackholed) continue;
      const info = this.watched.get(w);
      if (resource === undefined || w.resource === resource || (info && resourceKey(info) === resource)) {
        w.close();
        this.watches.delete(w);
        this.watched.delete(w);
      }
    }
  }

  /**
   * Watches that can still carry an event. A blackholed one is dead whatever its client did: the
   * server cannot see the client close a paused socket, just as a real server cannot see the far
   * end of a half-open connection go away, so it is not counted as open.
   */
  get openWatchCount(): number {
    let open = 0;
    for (const w of this.watches) if (!w.isBlackholed) open++;
    return open;
  }

  /** The request handler for node:https. Never throws; every failure becomes a Status. */
  handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.route(req, res).catch((error: unknown) => {
      const inProtobuf = this.protobufAnswers.has(res);
      if (error instanceof ApiError) sendError(res, error, inProtobuf);
      // The client went away while its body was being read: nobody is left to answer or to tell.
      else if (req.aborted || (error as { code?: string })?.code === 'ECONNRESET') res.destroy();
      else {
        console.error('demo-cluster: internal error:', error);
        sendError(res, new ApiError(500, 'InternalError', `Internal error occurred: ${(error as Error)?.message ?? String(error)}`), inProtobuf);
      }
    });
  };

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'https://demo.invalid');
    } catch {
      throw badRequest('the request path is not a valid URL');
    }
    let segments: string[];
    try {
      segments = url.pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
    } catch {
      throw badRequest('the request path is not validly percent-encoded');
    }
    if (segments[0] === '_demo') return this.control(req, res, segments);
    // kube-apiserver writes every answer to a request, its errors too (ErrorNegotiated), in the
    // format negotiated for it; here only reads of pods are negotiated (docs/demo-cluster.md).
    const counted = `${req.method ?? 'GET'} ${url.pathname}`;
    this.requestCounts.set(counted, (this.requestCounts.get(counted) ?? 0) + 1);
    if (isPodRead(req.method ?? 'GET', segments) && prefersProtobuf(req.headers.accept)) {
      this.protobufAnswers.add(res);
      this.protobufRequestCounts.set(counted, (this.protobufRequestCounts.get(counted) ?? 0) + 1);
    }

    const user = this.ctx.authenticator.authenticate(req.headers.authorization);
    if (!user) {
      req.resume();
      throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    }
    const method = req.method ?? 'GET';
    const path = '/' + segments.join('/');
    const review = accessReviewResource(segments);
    if (review) {
      this.authorize(req, user, { resourceRequest: true, verb: method === 'POST' ? 'create' : method.toLowerCase(), group: reviewGroup(review), resource: review });
      return answerReview(req, res, review, user, this.ctx.authorizer);
    }
    if (segments[0] === 'api' || segments[0] === 'apis') {
      const request = this.parseResourcePath(segments);
      if (request === 'discovery') {
        this.authorize(req, user, { resourceRequest: false, verb: method.toLowerCase(), path });
        await this.slowDown(undefined);
        return this.discovery(req, method, segments, res);
      }
      this.authorize(req, user, attributesOf(method, url.searchParams, request, segments[segments[0] === 'api' ? 2 : 3] === 'watch'));
      return this.resource(req, res, url.searchParams, request, user);
    }
    this.authorize(req, user, { resourceRequest: false, verb: method.toLowerCase(), path });
    if (method !== 'GET') throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    if (path === '/version') return sendJson(res, 200, versionInfo);
    if (path === '/openapi/v2') {
      if (!String(req.headers.accept ?? '').includes('protobuf')) return sendJson(res, 200, openApiV2Json(this.ctx.registry));
      const body = openApiV2Protobuf(this.ctx.registry);
      res.writeHead(200, { 'Content-Type': openApiV2ProtobufType, 'Content-Length': body.length });
      res.end(body);
      return;
    }
    if (segments[0] === 'openapi' && segments[1] === 'v3') {
      const doc = openApiV3(this.ctx.registry, segments.slice(2));
      if (doc) return sendJson(res, 200, doc);
    }
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  }

  /** RBAC's answer for the request, or the 403 kube-apiserver words for it (the body unread, as a refused request's is). */
  private authorize(req: IncomingMessage, user: UserInfo, attributes: RequestAttributes): void {
    const decision = this.ctx.authorizer.authorize(user, attributes);
    if (decision.allowed) return;
    req.resume();
    throw forbiddenError(user, attributes, decision.reason);
  }

  private discovery(req: IncomingMessage, method: string, segments: string[], res: ServerResponse): void {
    if (method !== 'GET') throw new ApiError(405, 'MethodNotAllowed', 'discovery documents are read-only');
    const [root, group, version] = segments;
    const registry = this.ctx.registry;
    if (segments.length === 1) {
      const format = discoveryFormat(req.headers.accept);
      if (format !== 'classic') return this.sendAggregated(req, res, aggregatedDiscovery(registry, root === 'api' ? 'api' : 'apis', format), format);
    }
    let body: object | undefined;
    if (root === 'api') body = segments.length === 1 ? apiVersions(this.ctx.serverAddress()) : segments.length === 2 ? apiResourceList(registry, '', group ?? '') : undefined;
    else if (segments.length === 1) body = apiGroupList(registry);
    else if (segments.length === 2) body = apiGroupDocument(registry, group ?? '');
    else if (segments.length === 3) body = apiResourceList(registry, group ?? '', version ?? '');
    if (!body) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    sendJson(res, 200, body);
  }

  /** Aggregated discovery with kube-apiserver's caching headers: an ETag, and 304 when the client has it. */
  private sendAggregated(req: IncomingMessage, res: ServerResponse, body: object, version: 'v2' | 'v2beta1'): void {
    const text = JSON.stringify(body);
    const etag = etagOf(text);
    const headers = { ETag: etag, Vary: 'Accept', 'Cache-Control': 'public' };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': aggregatedMediaType(version), 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  /** Parses /api/v1/... and /apis/group/version/... into a resource request, or 'discovery'. */
  private parseResourcePath(segments: string[]): ResourceRequest | 'discovery' {
    const coreGroup = segments[0] === 'api';
    const prefix = coreGroup ? 2 : 3;
    if (segments.length <= prefix) return 'discovery';
    const group = coreGroup ? '' : (segments[1] as string);
    const version = segments[prefix - 1] as string;
    let rest = segments.slice(prefix);
    // The legacy /watch/ path prefix means ?watch=true.
    if (rest[0] === 'watch') rest = rest.slice(1);
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const [plural = '', name, subresource, ...extra] = rest;
    const info = this.ctx.registry.find(group, version, plural);
    if (!info || extra.length > 0) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    if (namespace !== undefined && !info.namespaced) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    for (const n of [namespace, name]) {
      if (n !== undefined && !isValidName(n)) throw notFound(info.plural, n, info.group);
    }
    return { info, namespace, name, subresource };
  }

  private async slowDown(info: ResourceInfo | undefined): Promise<void> {
    const slow = info === undefined ? this.ctx.faults.list().find((f) => f.fault === 'slow' && f.resource === undefined) : this.ctx.faults.find('slow', info.plural, resourceKey(info));
    if (slow?.ms) await delay(slow.ms);
  }

  private async resource(req: IncomingMessage, res: ServerResponse, q: URLSearchParams, r: ResourceRequest, user: UserInfo): Promise<void> {
    const { info } = r;
    const method = req.method ?? 'GET';
    const isWatch = method === 'GET' && r.name === undefined && (boolParam(q, 'watch') || req.url?.includes('/watch/') === true);
    const verb = method === 'GET' ? (r.name === undefined ? (isWatch ? 'watch' : 'list') : 'get') : method === 'PATCH' ? 'patch' : method === 'PUT' ? 'update' : method === 'DELETE' ? 'delete' : method === 'POST' && r.name === undefined ? 'create' : method;
    await this.slowDown(info);
    const faults = this.ctx.faults;
    const key = resourceKey(info);
    if (faults.find('forbid', info.plural, key)) throw forbiddenError(user, { resourceRequest: true, verb, group: info.group, resource: info.plural, namespace: r.namespace });
    if (info.computed && faults.find('stop-metrics', info.plural, key)) {
      throw new ApiError(503, 'ServiceUnavailable', 'the server is currently unable to handle the request (get ' + info.plural + '.metrics.k8s.io)');
    }
    if (isWatch && faults.find('ignore-initial-events', info.plural, key)) forgetStreamingListOptions(q);
    // A streaming list is a list sent as a watch: it fails with the lists.
    const listing = verb === 'list' || (verb === 'watch' && q.get('sendInitialEvents') === 'true');
    if (listing && faults.find('fail-lists', info.plural, key)) throw new ApiError(500, 'InternalError', `Internal error occurred: injected fault: listing ${info.plural} failed`);

    if (r.subresource !== undefined) return this.subresource(req, res, q, r, method);
    if (info.computed) {
      if (method !== 'GET' || isWatch) throw new ApiError(405, 'MethodNotAllowed', `${info.plural}.${info.group} supports only get and list`);
      return this.metrics(res, q, r);
    }
    const store = this.ctx.stores.byName(resourceKey(info));
    if (!info.verbs.includes(verb)) {
      req.resume();
      throw new ApiError(405, 'MethodNotAllowed', `the demo cluster does not allow ${verb} on ${info.plural}`);
    }
    switch (verb) {
      case 'list':
        return this.list(req, res, q, r, store);
      case 'watch':
        return this.watch(req, res, q, r, store);
      case 'get': {
        if (this.protobufAnswers.has(res)) return sendProtobuf(res, 200, store.encoded(this.mustGet(store, r), encodePodEnvelope));
        const object = presentAs(info)(this.mustGet(store, r));
        return wantsTable(req) ? this.sendTable(res, info, [object], String(object.metadata.resourceVersion), q) : sendJson(res, 200, object);
      }
      case 'create':
        return this.create(req, res, q, r, store);
      case 'patch':
      case 'update':
        return isSimulated(info) ? this.write(req, res, q, r, store, verb) : this.genericWrite(req, res, q, r, store, verb);
      case 'delete':
        if (info.kind === 'Deployment' && info.group === 'apps') return this.removeDeployment(req, res, q, r);
        if (info.kind === 'Node' && info.group === '') return this.removeNode(req, res, q, r);
        return isSimulated(info) ? this.remove(req, res, q, r) : this.genericDelete(req, res, q, r, store);
      default:
        req.resume();
        throw new ApiError(405, 'MethodNotAllowed', `the demo cluster does not allow ${method} on ${info.plural}`);
    }
  }

  private mustGet(store: ObjectStore, r: ResourceRequest): KubeObject {
    if (r.info.namespaced && r.namespace === undefined) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    return store.mustGet(r.namespace, r.name ?? '', r.info.group);
  }

  private filterFor(q: URLSearchParams, r: ResourceRequest): (o: KubeObject) => boolean {
    const labels = parseLabelSelector(q.get('labelSelector'));
    const fields = parseFieldSelector(q.get('fieldSelector'), r.info.fields);
    return (o) => labels(o.metadata.labels) && fields(o);
  }

  private list(req: IncomingMessage, res: ServerResponse, q: URLSearchParams, r: ResourceRequest, store: ObjectStore): Promise<void> {
    const limit = intParam(q, 'limit', 0, Number.MAX_SAFE_INTEGER);
    const rv = q.get('resourceVersion') ?? '';
    const match = q.get('resourceVersionMatch') ?? '';
    if (match && !['Exact', 'NotOlderThan'].includes(match)) throw badRequest(`resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`);
    if (match && !rv) throw badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
    // A streaming list is a watch; on a plain list the option is refused (ValidateListOptions).
    if (q.has('sendInitialEvents')) throw badRequest('sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list');
    const continueToken = q.get('continue') || undefined;
    if (continueToken && rv && rv !== '0') throw badRequest('specifying resource version is not allowed when using continue');
    const revision = rv && rv !== '0' ? parseRevision(rv) : undefined;
    if (revision !== undefined && revision > store.currentRevision()) {
      // A real server waits briefly for its cache to catch up, then gives up the same way.
      throw new ApiError(504, 'Timeout', `Too large resource version: ${revision}, current: ${store.currentRevision()}`);
    }
    // kube-apiserver cannot count what a filtered list leaves out, so it sets remainingItemCount
    // only on an unfiltered page that was cut short (ListMeta's field documentation).
    const selected = Boolean(q.get('labelSelector') || q.get('fieldSelector'));
    const page = store.list({
      namespace: r.namespace,
      filter: this.filterFor(q, r),
      limit,
      continueToken,
      atRevision: match === 'Exact' ? revision : undefined,
      countRemaining: !selected,
    });
    if (this.protobufAnswers.has(res)) return writeProtobufList(res, page, (o) => store.encoded(o, encodePodEnvelope));
    const present = presentAs(r.info);
    if (wantsTable(req)) {
      this.sendTable(res, r.info, page.items.map(present), String(page.revision), q, page.continueToken, page.remainingItemCount);
      return Promise.resolve();
    }
    if (wantsPartialMetadata(req, 'PartialObjectMetadataList')) {
      // Metadata only, as metadata informers list (the API concepts page, "Receiving resources as
      // Tables" and PartialObjectMetadataList in meta.k8s.io/v1): each item keeps its metadata alone.
      const metadata = { resourceVersion: String(page.revision), ...(page.continueToken ? { continue: page.continueToken } : {}), ...(page.remainingItemCount !== undefined ? { remainingItemCount: page.remainingItemCount } : {}) };
      const items = page.items.map((o) => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: present(o).metadata }));
      sendJson(res, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata, items }, 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io');
      return Promise.resolve();
    }
    return writeList(res, r.info, page, present);
  }

  private sendTable(res: ServerResponse, info: ResourceInfo, items: Iterable<KubeObject>, revision: string, q: URLSearchParams, continueToken?: string, remainingItemCount?: number): void {
    const include = includeObjectParam(q);
    sendJson(res, 200, toTable(info, items, { includeObject: include, resourceVersion: revision, continueToken, remainingItemCount }), tableMediaType);
  }

  private watch(req: IncomingMessage, res: ServerResponse, q: URLSearchParams, r: ResourceRequest, store: ObjectStore): void {
    // A client that left while its request waited (the `slow` fault, a busy server) has closed
    // its socket already: the response's 'close' has fired and would never remove this watch
    // from the open ones, which then stayed counted for good. Nobody is there to answer.
    if (!res.socket || res.socket.destroyed) return;
    const rv = q.get('resourceVersion') ?? '';
    const sendInitialEvents = boolParam(q, 'sendInitialEvents');
    const allowBookmarks = boolParam(q, 'allowWatchBookmarks');
    const timeoutSeconds = intParam(q, 'timeoutSeconds', 0, 24 * 3600);
    refuseWatchListOptions(q, this.ctx.servesWatchList);
    const filter = this.filterFor(q, r);
    let fromRevision: number | undefined;
    if (!sendInitialEvents && rv !== '' && rv !== '0') fromRevision = parseRevision(rv);
    // NotOlderThan a version this server has not reached: kube-apiserver waits a few seconds for
    // its watch cache to catch up, then answers 504 "Too large resource version"; the demo's
    // store is never behind itself, so such a version was never handed out and is refused at once.
    if (sendInitialEvents && rv !== '' && rv !== '0' && parseRevision(rv) > store.currentRevision()) {
      throw new ApiError(504, 'Timeout', `Too large resource version: ${rv}, current: ${store.currentRevision()}`);
    }
    const expiredError = fromRevision !== undefined && !store.canReplayFrom(fromRevision) ? new ApiError(410, 'Expired', `too old resource version: ${fromRevision} (${store.currentRevision()})`) : undefined;
    const table = wantsTable(req);
    const include = includeObjectParam(q);
    // Metadata only, as a real server sends a watch that asked for it (metadata informers do):
    // the object's metadata under kind PartialObjectMetadata. Asked first in Accept, or not at all.
    const metadataOnly = !table && wantsPartialMetadata(req);
    const present = presentAs(r.info);
    const multiVersion = r.info.custom !== undefined && r.info.version !== r.info.custom.storageVersion;
    const tableOf = table ? tableWatchEncoder(r.info, include) : undefined;
    const encode = tableOf
      ? (o: KubeObject): unknown => tableOf(present(o))
      : metadataOnly
        ? (o: KubeObject): unknown => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata })
        : multiVersion
          ? present
          : undefined;
    const faults = this.ctx.faults;
    const stream = new WatchStream(res, {
      store,
      resource: r.info.plural,
      kind: r.info.kind,
      apiVersion: apiVersionOf(r.info),
      namespace: r.namespace,
      matches: filter,
      fromRevision,
      sendInitialEvents,
      allowBookmarks: allowBookmarks && this.ctx.sendsBookmarks,
      // The end of a streaming list's initial events is told whenever the client allows
      // bookmarks: it is part of the streaming-list contract, not a periodic bookmark.
      endsInitialEvents: sendInitialEvents && allowBookmarks,
      timeoutMs: timeoutSeconds !== undefined && timeoutSeconds > 0 ? timeoutSeconds * 1000 : defaultWatchTimeoutMs,
      bookmarkIntervalMs: this.ctx.bookmarkIntervalMs,
      encode,
      protobuf: this.protobufAnswers.has(res) ? encodePodEnvelope : undefined,
      isStalled: () => faults.find('stall-watches', r.info.plural, resourceKey(r.info)) !== undefined,
      lagMs: () => faults.find('lag-watches', r.info.plural, resourceKey(r.info))?.ms ?? 0,
    });
    // A watch's Content-Type is the stream serializer's alone, application/json, whatever it
    // converts to (serveWatchHandler in kube-apiserver's endpoints/handlers/watch.go).
    this.watches.add(stream);
    this.watched.set(stream, r.info);
    res.on('close', () => {
      this.watches.delete(stream);
      this.watched.delete(stream);
    });
    // A watch opened into a blackhole gets no answer at all: not even the response headers.
    if (this.isBlackholed(r.info)) stream.blackhole();
    else stream.start(expiredError);
    if (!stream.isOpen) {
      this.watches.delete(stream);
      this.watched.delete(stream);
    }
  }

  private async write(req: IncomingMessage, res: ServerResponse, q: URLSearchParams, r: ResourceRequest, store: ObjectStore, verb: 'patch' | 'update'): Promise<void> {
    const dryRun = dryRunParam(q, verb === 'patch' ? 'PatchOptions' : 'UpdateOptions');
    const body = parseJson(await readBody(req));
    const current = this.mustGet(store, r);
    const proposed = verb === 'patch' ? applyPatch(String(req.headers['content-type'] ?? ''), current, body) : body;
    const preconditionRv = (proposed as { metadata?: { resourceVersion?: unknown } } | null)?.metadata?.resourceVersion;
    // A resourceVersion in the body is a precondition, as on a real server: stale means 409.
    if (preconditionRv !== undefined && preconditionRv !== current.metadata.resourceVersion) throw conflict(r.info.plural, current.metadata.name, r.info.group);
    checkUidPrecondition(r.info, current, proposed);
    if (verb === 'update') checkIdentity(current, proposed);
    const next = checkedUpdate(current, proposed);
    // A dry run answers with what would be stored, checked the same way, and stores nothing.
    if (dryRun) return sendJson(res, 200, next);
    const stored = this.storeUpdate(r, store, current, next);
    sendJson(res, 200, stored);
  }

  /** Stores a checked update, then lets the controllers react to what changed. */
  private storeUpdate(r: ResourceRequest, store: ObjectStore, current: KubeObject, next: KubeObject): KubeObject {
    if (JSON.stringify(next) === JSON.stringify(current)) return current;
    if (r.info.kind === 'Deployment') {
      const replicasChanged = (next.spec as { replicas?: number }).replicas !== (current.spec as { replicas?: number }).replicas;
      const templateChanged = JSON.stringify((next.spec as { template?: unknown }).template) !== JSON.stringify((current.spec as { template?: unknown }).template);
      if (replicasChanged || templateChanged) next.metadata.generation = Number(current.metadata.generation ?? 1) + 1;
      store.replace(next);
      const ns = r.namespace ?? 'default';
      if (templateChanged) this.ctx.simulation.rollDeployment(ns, next.metadata.name, false);
      else if (replicasChanged) this.ctx.simulation.reconcileDeployment(ns, next.metadata.name);
      return store.mustGet(ns, next.metadata.name);
    }
    if (r.info.kind === 'StatefulSet' || r.info.kind === 'DaemonSet') {
      const ns = r.namespace ?? 'default';
      const replicasChanged = r.info.kind === 'StatefulSet' && (next.spec as { replicas?: number }).replicas !== (current.spec as { replicas?: number }).replicas;
      const templateChanged = JSON.stringify((next.spec as { template?: unknown }).template) !== JSON.stringify((current.spec as { template?: unknown }).template);
      if (replicasChanged || templateChanged) next.metadata.generation = Number(current.metadata.generation ?? 1) + 1;
      store.replace(next);
      // A new template replaces the pods one at a time (kubectl rollout restart); new replicas add or remove pods.
      if (templateChanged) this.ctx.simulation.rollPods(r.info.kind, ns, next.metadata.name);
      else if (replicasChanged) this.ctx.simulation.reconcilePods({ kind: 'StatefulSet', namespace: ns, name: next.metadata.name });
      return store.mustGet(ns, next.metadata.name);
    }
    return store.replace(next);
  }

  /** DELETE on a Deployment: gone at once, its ReplicaSets and pods after it (Simulation.deleteDeployment). */
  private async removeDeployment(req: IncomingMessage, res: ServerResponse, q: URLSearchParams, r: ResourceRequest): Promise<void> {
    const options = deleteOptions(q, await readBody(req));
    const current = this.mustGet(this.ctx.stores.deployments, r);
    checkPreconditions(r.info, current, options);
    const propagation = options.propagationPolicy ?? 'Background';
    if (propagation === 'Foreground') throw new ApiError(422, 'Invalid', 'propagationPolicy: Unsupported value: "Foreground": the demo cluster deletes Deployments with "Background" or "Orphan"');
    if (options.dryRun) return sendJson(res, 200, current);
    const deleted = this.ctx.simulation.deleteDeployment(r.namespace ?? 'default', current.metadata.name, propagation) ?? current;
    this.clientDeployments.delete(current.metadata.uid);
    sendJson(res, 200, deleted);
  }

  /** DELETE on a Node: gone at once; its pods stay until the pod garbage collector's turn (Simulation.deleteNode). */
  private async removeNode(req: IncomingMessage, res: ServerResponse, q: URLSearchParams, r: ResourceRequest): Promise<void> {
    const options = deleteOptions(q, await readBody(req));
    const current = this.mustGet(this.ctx.stores.nodes, r);
    checkPreconditions(r.info, current, options);
    if (options.dryRun) return sendJson(res, 200, current);
    sendJson(res, 200, this.ctx.simulation.deleteNode(current.metadata.name) ?? current);
  }

  /** DELETE on a pod: graceful, as on a real cluster (see Simulation.deletePod), or checked only under dryRun. */
  private async remove(req: IncomingMessage, res: ServerResponse, q: URLSearchParams, r: ResourceRequest): Promise<void> {
    const options = deleteOptions(q, await readBody(req));
    const store = this.ctx.stores.byName(resourceKey(r.info));
    const current = this.mustGet(store, r);
    checkPreconditions(r.info, current, options);
    if (options.dryRun) {
      const grace = options.gracePeriodSeconds ?? Number((current.spec as { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds ?? 30);
      if (grace === 0 || current.metadata.deletionTimestamp !== undefined) return sendJson(res, 200, current);
      const wouldBe = structuredClone(current);
      wouldBe.metadata.deletionTimestamp = isoAt(Date.now() + grace * 1000);
      wouldBe.metadata.deletionGracePeriodSeconds = grace;
      return sendJson(res, 200, wouldBe);
    }
    const deleted = this.ctx.simulation.deletePod(r.namespace ?? 'default', current.metadata.name, options.gracePeriodSeconds);
    sendJson(res, 200, deleted ?? current);
  }

  /** The versions of a resource's group and plural that are served: a CRD may serve several. */
  private servedVersions(info: ResourceInfo): string[] {
    return this.ctx.registry
      .all()
      .filter((x) => x.group === info.group && x.plural === info.plural)
      .map((x) => x.version);
  }

  /** POST on a collection: a new object of any kind the simulation does not drive. */
  private async create(req: IncomingMessage, res: ServerResponse, q: URLSearchParams, r: ResourceRequest, store: ObjectStore): Promise<void> {
    const { info } = r;
    if (info.namespaced && r.namespace === undefined) {
      req.resume();
      throw new ApiError(405, 'MethodNotAllowed', `${info.plural} are namespaced: create them under /namespaces/NAMESPACE/`);
    }
    const dryRun = dryRunParam(q, 'CreateOptions');
    const raw = await readBody(req);
    const body = isProtobuf(req.headers['content-type']) ? decodeRbacProtobuf(raw) : parseJson(raw);
    let object = prepareCreate(info, body, { namespace: r.namespace, servedVersions: this.servedVersions(info), now: nowStamp() });
    if (info.namespaced && !this.ctx.stores.namespaces.get(undefined, r.namespace ?? '')) throw notFound('namespaces', r.namespace ?? '');
    // Validation comes before storage, so an invalid object that also exists is a 422, as on a real server.
    if (resourceKey(info) === crdResourceKey) object = this.checkedCrd(object, undefined);
    const deployment = info.kind === 'Deployment' && info.group === 'apps';
    if (deployment) object = checkedDeploymentCreate(object);
    if (store.get(object.metadata.namespace, object.metadata.name)) throw alreadyExists(info.plural, object.metadata.name, info.group);
    // Each Deployment may ask for up to maxReplicas pods: their number is what bounds the pods a client can make.
    if (deployment && this.clientDeployments.size >= maxClientDeployments) {
      throw new ApiError(403, 'Forbidden', `deployments.apps "${object.metadata.name}" is forbidden: the demo cluster runs at most ${maxClientDeployments} Deployments created by clients`);
    }
    if (dryRun) return sendJson(res, 201, presentAs(info)(object));
    const stored = store.create(object);
    if (deployment) {
      this.clientDeployments.add(stored.metadata.uid);
      this.ctx.simulation.adoptDeployment(r.namespace ?? 'default', stored.metadata.name);
    }
    sendJson(res, 201, presentAs(info)(stored));
  }

  /**
   * A CRD as it will be stored: defaults filled in, checked (422 naming each bad field), with the
   * status the apiextensions controllers would give it, so its kind is served as soon as it is.
   */
  private checkedCrd(object: KubeObject, before: KubeObject | undefined): KubeObject {
    const crd = withDefaults(object) as KubeObject;
    const problems = validateCrd(crd as Record<string, unknown>);
    const immutable = before ? immutableChange(before, crd as Record<string, unknown>) : undefined;
    if (immutable) problems.push(immutable);
    if (problems.length > 0) throw invalidCrd(crd.metadata.name, problems);
    crd.status = crdStatus({ ...crd, status: before?.status } as Record<string, any>, this.ctx.registry.conflictFor(crd), nowStamp());
    return crd;
  }

  /** PUT or PATCH on any kind the simulation does not drive: anything may change but identity and the server's metadata. */
  private async genericWrite(req: IncomingMessage, res: ServerResponse, q: URLSearchParams, r: ResourceRequest, store: ObjectStore, verb: 'patch' | 'update'): Promise<void> {
    const dryRun = dryRunParam(q, verb === 'patch' ? 'PatchOptions' : 'UpdateOptions');
    const body = parseJson(await readBody(req));
    const current = this.mustGet(store, r);
    const seenAs = presentAs(r.info)(current);
    const proposed = verb === 'patch' ? applyPatch(String(req.headers['content-type'] ?? ''), seenAs, body) : body;
    const preconditionRv = (proposed as { metadata?: { resourceVersion?: unknown } } | null)?.metadata?.resourceVersion;
    if (preconditionRv !== undefined && preconditionRv !== '' && preconditionRv !== current.metadata.resourceVersion) throw conflict(r.info.plural, current.metadata.name, r.info.group);
    checkUidPrecondition(r.info, current, proposed);
    let next = prepareUpdate(r.info, current, proposed, this.servedVersions(r.info));
    if (resourceKey(r.info) === crdResourceKey) next = this.checkedCrd(next, current);
    if (dryRun) return sendJson(res, 200, presentAs(r.info)(next));
    if (JSON.stringify(next) === JSON.stringify(current)) return sendJson(res, 200, seenAs);
    sendJson(res, 200, presentAs(r.info)(store.replace(next)));
  }

  /**
   * DELETE on any kind the simulation does not drive: the object goes at once (DELETED to its
   * watchers). A CRD takes its objects with it first, and its kind stops being served.
   */
  private async genericDelete(req: IncomingMessage, res: ServerResponse, q: URLSearchParams, r: ResourceRequest, store: ObjectStore): Promise<void> {
    const options = deleteOptions(q, await readBody(req));
    const current = this.mustGet(store, r);
    checkPreconditions(r.info, current, options);
    if (options.dryRun) return sendJson(res, 200, presentAs(r.info)(current));
    const deleted = store.delete(current.metadata.namespace, current.metadata.name) ?? current;
    sendJson(res, 200, presentAs(r.info)(deleted));
  }

  /** A custom resource's `/status`: GET reads the object, PUT and PATCH change its status alone. */
  private async customStatus(req: IncomingMessage, res: ServerResponse, q: URLSearchParams, r: ResourceRequest, method: string): Promise<void> {
    const store = this.ctx.stores.byName(resourceKey(r.info));
    const current = this.mustGet(store, r);
    const seenAs = presentAs(r.info)(current);
    if (method === 'GET') return sendJson(res, 200, seenAs);
    if (method !== 'PUT' && method !== 'PATCH') {
      req.resume();
      throw new ApiError(405, 'MethodNotAllowed', `${r.info.plural}/status supports get, update and patch`);
    }
    const dryRun = dryRunParam(q, method === 'PATCH' ? 'PatchOptions' : 'UpdateOptions');
    const body = parseJson(await readBody(req));
    const proposed = method === 'PATCH' ? applyPatch(String(req.headers['content-type'] ?? ''), seenAs, body) : body;
    const preconditionRv = (proposed as { metadata?: { resourceVersion?: unknown } } | null)?.metadata?.resourceVersion;
    if (preconditionRv !== undefined && preconditionRv !== '' && preconditionRv !== current.metadata.resourceVersion) throw conflict(r.info.plural, current.metadata.name, r.info.group);
    const next = prepareStatusUpdate(r.info, current, proposed, this.servedVersions(r.info));
    if (dryRun) return sendJson(res, 200, presentAs(r.info)(next));
    if (JSON.stringify(next) === JSON.stringify(current)) return sendJson(res, 200, seenAs);
    sendJson(res, 200, presentAs(r.info)(store.replace(next)));
  }

  private async subresource(req: IncomingMessage, res: ServerResponse, q: URLSearchParams, r: ResourceRequest, method: string): Promise<void> {
    if (r.info.plural === 'pods' && r.info.group === '' && r.subresource === 'log') {
      if (method !== 'GET') throw new ApiError(405, 'MethodNotAllowed', 'pods/log supports only get');
      return this.logs(req, res, q, r);
    }
    if (r.info.plural === 'pods' && r.info.group === '' && r.subresource === 'eviction') return this.evict(req, res, q, r, method);
    if ((r.info.plural === 'deployments' || r.info.plural === 'statefulsets') && r.info.group === 'apps' && r.subresource === 'scale') return this.scale(req, res, q, r, method);
    if (r.info.custom?.statusSubresource && r.subresource === 'status') return this.customStatus(req, res, q, r, method);
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  }

  /** `pods/eviction`: a deletion that asks the pod's PodDisruptionBudget first (eviction.ts). */
  private async evict(req: IncomingMessage, res: ServerResponse, q: URLSearchParams, r: ResourceRequest, method: string): Promise<void> {
    if (method !== 'POST') {
      req.resume();
      throw new ApiError(405, 'MethodNotAllowed', 'pods/eviction supports only create');
    }
    const dryRun = dryRunParam(q, 'CreateOptions');
    const body = parseJson(await readBody(req));
    const pod = this.mustGet(this.ctx.stores.pods, r);
    const request = parseEviction(body, pod.metadata.name, dryRun);
    const simulation = this.ctx.simulation;
    const answer = evictPod({ stores: this.ctx.stores, deletePod: (ns, name, grace) => simulation.deletePod(ns, name, grace), now: Date.now }, r.namespace ?? 'default', pod, request);
    sendJson(res, answer.code, answer.body);
  }

  private async scale(req: IncomingMessage, res: ServerResponse, q: URLSearchParams, r: ResourceRequest, method: string): Promise<void> {
    const store = r.info.plural === 'statefulsets' ? this.ctx.stores.statefulsets : this.ctx.stores.deployments;
    const current = this.mustGet(store, r);
    if (method === 'GET') return sendJson(res, 200, scaleOf(current));
    if (method !== 'PUT' && method !== 'PATCH') throw new ApiError(405, 'MethodNotAllowed', `${r.info.plural}/scale supports get, update and patch`);
    const dryRun = dryRunParam(q, method === 'PATCH' ? 'PatchOptions' : 'UpdateOptions');
    const body = parseJson(await readBody(req));
    const scale = scaleOf(current);
    const proposed = method === 'PATCH' ? applyPatch(String(req.headers['content-type'] ?? ''), scale, body) : body;
    const p = proposed as { metadata?: { resourceVersion?: unknown }; spec?: { replicas?: unknown } } | null;
    if (p?.metadata?.resourceVersion !== undefined && p.metadata.resourceVersion !== current.metadata.resourceVersion) throw conflict(r.info.plural, current.metadata.name, 'apps');
    checkUidPrecondition(r.info, current, proposed);
    const replicas = p?.spec?.replicas;
    const problem = isReplicas(replicas);
    if (problem) throw new ApiError(422, 'Invalid', `Scale.autoscaling "${current.metadata.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: ${problem}`);
    if (dryRun) return sendJson(res, 200, { ...scale, spec: { replicas } });
    const ns = r.namespace ?? 'default';
    const updated = (r.info.plural === 'statefulsets' ? this.ctx.simulation.scaleStatefulSet(ns, current.metadata.name, replicas as number) : this.ctx.simulation.scaleDeployment(ns, current.metadata.name, replicas as number)) ?? current;
    sendJson(res, 200, scaleOf(updated));
  }

  private metrics(res: ServerResponse, q: URLSearchParams, r: ResourceRequest): void {
    const clock = this.ctx.metrics;
    const filter = this.filterFor(q, r);
    const isNodes = r.info.kind === 'NodeMetrics';
    const source = isNodes ? this.ctx.stores.nodes : this.ctx.stores.pods;
    const toMetrics = (o: KubeObject): object => (isNodes ? nodeMetrics(o, clock) : podMetrics(o, clock));
    if (r.name !== undefined) {
      const object = source.get(r.namespace, r.name);
      if (!object || (!isNodes && !hasPodMetrics(object))) throw notFound(r.info.plural, r.name, r.info.group);
      return sendJson(res, 200, toMetrics(object));
    }
    const items: object[] = [];
    for (const o of source.values(r.namespace)) {
      if ((isNodes || hasPodMetrics(o)) && filter(o)) items.push(toMetrics(o));
    }
    sendJson(res, 200, { kind: `${r.info.kind}List`, apiVersion: 'metrics.k8s.io/v1beta1', metadata: {}, items });
  }

  private logs(req: IncomingMessage, res: ServerResponse, q: URLSearchParams, r: ResourceRequest): void {
    const store = this.ctx.stores.pods;
    const pod = this.mustGet(store, r);
    const log = containerLog(pod, q.get('container') ?? undefined, boolParam(q, 'previous'));
    const timestamps = boolParam(q, 'timestamps');
    const tailLines = intParam(q, 'tailLines', 0, Number.MAX_SAFE_INTEGER);
    const sinceSeconds = intParam(q, 'sinceSeconds', 1, Number.MAX_SAFE_INTEGER);
    const limitBytes = intParam(q, 'limitBytes', 1, Number.MAX_SAFE_INTEGER);
    const follow = boolParam(q, 'follow');
    let sent = 0;
    const write = (text: string): boolean => {
      if (limitBytes !== undefined && sent + Buffer.byteLength(text) > limitBytes) {
        res.end(text.slice(0, Math.max(0, limitBytes - sent)));
        return false;
      }
      sent += Buffer.byteLength(text);
      res.write(text);
      return true;
    };
    const writeLines = (from: number, to: number): boolean => {
      for (let n = from; n < to; n++) if (!write(formatLine(logLine(log, n), timestamps))) return false;
      return true;
    };
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    const [start, end] = linesToPrint(log, { tailLines, sinceSeconds, now: Date.now() });
    if (!writeLines(start, end)) return;
    // A run that has finished writes nothing more, so following it ends here, as the kubelet's does.
    if (!follow || log.finishedAt !== undefined) {
      res.end();
      return;
    }
    this.followLog(req, res, r, pod.metadata.uid, log, end, writeLines);
  }

  /** Follow: print each new line as it is written, until the run ends, the pod goes away or the client leaves. */
  private followLog(req: IncomingMessage, res: ServerResponse, r: ResourceRequest, uid: string, log: ContainerLog, from: number, writeLines: (from: number, to: number) => boolean): void {
    let next = from;
    const timer = setInterval(() => {
      if (res.destroyed || res.writableEnded) {
        clearInterval(timer);
        return;
      }
      const still = this.ctx.stores.pods.get(r.namespace, r.name ?? '');
      if (!still || still.metadata.uid !== uid || !isSameRunningRun(still, log)) {
        // The container stopped (or restarted): print what this run wrote up to its end, then end.
        clearInterval(timer);
        const finished = still && still.metadata.uid === uid ? finishOfRun(still, log) : undefined;
        if (finished !== undefined && !writeLines(next, linesWritten({ ...log, finishedAt: finished }, finished))) return;
        res.end();
        return;
      }
      const upTo = linesWritten(log, Date.now());
      if (!writeLines(next, upTo)) {
        clearInterval(timer);
        return;
      }
      next = upTo;
    }, 250);
    res.on('close', () => clearInterval(timer));
    req.on('close', () => clearInterval(timer));
  }

  /**
   * POST /_demo/token: the credential plugin trades the rotating user's refresh secret (its bearer
   * token here) for a token that expires, as an identity provider's token endpoint would.
   */
  private issueToken(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    if (req.method !== 'POST') throw new ApiError(405, 'MethodNotAllowed', '/_demo/token supports POST');
    const issued = this.ctx.authenticator.issue(req.headers.authorization);
    if (!issued) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    sendJson(res, 200, issued);
  }

  /**
   * POST /_demo/serviceaccount-token `{namespace, name, expirationSeconds?}`: a token for a
   * service account that exists, as TokenRequest gives the kubelet one to mount in a pod (an
   * hour by default, as a projected token). What stands in for the kubelet in a test of
   * `kubelive serve --in-cluster`.
   */
  private async issueServiceAccountToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      req.resume();
      throw new ApiError(405, 'MethodNotAllowed', '/_demo/serviceaccount-token supports POST');
    }
    const body = parseJson(await readBody(req)) as { namespace?: unknown; name?: unknown; expirationSeconds?: unknown };
    const { namespace, name } = body;
    const seconds = body.expirationSeconds ?? 3600;
    if (typeof namespace !== 'string' || typeof name !== 'string') throw badRequest('namespace and name must be strings');
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1 || seconds > 86_400 * 365) throw badRequest('expirationSeconds must be a whole number of seconds from 1 to a year');
    if (!this.ctx.stores.byName('serviceaccounts').get(namespace, name)) throw new ApiError(404, 'NotFound', `serviceaccounts ${JSON.stringify(name)} not found`);
    sendJson(res, 200, this.ctx.authenticator.issueServiceAccountToken(namespace, name, seconds * 1000));
  }

  /** The loopback-only control surface: GET lists faults, POST sets one, DELETE clears all. */
  private async control(req: IncomingMessage, res: ServerResponse, segments: string[]): Promise<void> {
    if (!isLoopback(req.socket.remoteAddress)) throw new ApiError(403, 'Forbidden', 'the /_demo control surface answers only loopback clients');
    if (segments.length === 2 && segments[1] === 'token') return this.issueToken(req, res);
    if (segments.length === 2 && segments[1] === 'serviceaccount-token') return this.issueServiceAccountToken(req, res);
    if (segments.length !== 2 || segments[1] !== 'faults') throw new ApiError(404, 'NotFound', 'known control paths: /_demo/faults, /_demo/token, /_demo/serviceaccount-token');
    const faults = this.ctx.faults;
    switch (req.method) {
      case 'GET':
        return sendJson(res, 200, { faults: faults.list() });
      case 'POST':
        faults.set(parseFaultRequest(parseJson(await readBody(req))));
        return sendJson(res, 200, { faults: faults.list() });
      case 'DELETE':
        faults.clear();
        return sendJson(res, 200, { faults: faults.list() });
      default:
        throw new ApiError(405, 'MethodNotAllowed', '/_demo/faults supports GET, POST and DELETE');
    }
  }
}

/**
 * A read (get, list or watch) of core/v1 pods, the one kind served in protobuf: kubelive's
 * backend reads pods alone that way, and pods are where the volume is.
 */
function isPodRead(method: string, segments: string[]): boolean {
  if (method !== 'GET' || segments[0] !== 'api' || segments[1] !== 'v1') return false;
  let rest = segments.slice(2);
  if (rest[0] === 'watch') rest = rest.slice(1);
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  return rest[0] === 'pods' && rest.length <= 2;
}

/**
 * The `ignore-initial-events` fault: the watch is served by a server that does not know streaming
 * lists, so it never reads `sendInitialEvents` or `resourceVersionMatch`, and refuses neither. What
 * is left is the classic watch. With resourceVersion unset, as a streaming list sends it, that is
 * "Get State and Start at Most Recent" (the API concepts page, "Semantics for watch"): synthetic
 * ADDED events for every object that exists at the starting resourceVersion, then every change
 * after it, and no bookmark that ends the ADDED events: `k8s.io/initial-events-end` is promised
 * by `sendInitialEvents` alone (its parameter documentation in the API reference). The periodic
 * bookmarks a client allowed still come, as on any watch here: `allowWatchBookmarks` leaves them
 * to the server's discretion, kube-apiserver's watch cache sends them to plain watches, and they
 * are the harder case for a client, which hears from a connection whose list never ends.
 *
 * Real servers that answered this way: kcp's CachedResource virtual storage sent every object as
 * ADDED and never the end bookmark (kcp-dev/kcp#3871, fixed by #3875); any aggregated API server
 * or proxy whose watch does not know the two options behaves the same.
 */
function forgetStreamingListOptions(q: URLSearchParams): void {
  q.delete('sendInitialEvents');
  q.delete('resourceVersionMatch');
}

/**
 * Refuses the watch options a real server refuses (kube-apiserver's ValidateListOptions; the
 * API concepts page, "Streaming lists", states the contract): `sendInitialEvents` requires
 * `resourceVersionMatch=NotOlderThan`; `resourceVersionMatch` on a watch requires
 * `sendInitialEvents`; and without the WatchList feature `sendInitialEvents` is forbidden. Each
 * is 422 Invalid.
 */
function refuseWatchListOptions(q: URLSearchParams, servesWatchList: boolean): void {
  const asked = q.has('sendInitialEvents');
  const match = q.get('resourceVersionMatch') ?? '';
  const invalid = (field: string, why: string) => new ApiError(422, 'Invalid', `ListOptions.meta.k8s.io "" is invalid: ${field}: Forbidden: ${why}`);
  if (asked && !servesWatchList) throw invalid('sendInitialEvents', 'sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled');
  if (asked && match !== 'NotOlderThan') throw invalid('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
  if (!asked && match !== '') throw invalid('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided');
}

/**
 * The authorization attributes kube-apiserver's RequestInfo gives a resource request: the verb
 * from the method (a GET without a name is a list or a watch, a DELETE without one a
 * deletecollection), a list or watch narrowed to `metadata.name=X` names X, and a namespace
 * object is in its own namespace.
 */
function attributesOf(method: string, q: URLSearchParams, r: ResourceRequest, legacyWatchPath: boolean): RequestAttributes {
  let verb: string;
  let name = r.name;
  if (method === 'GET' || method === 'HEAD') {
    if (name === undefined) {
      verb = boolParam(q, 'watch') || legacyWatchPath ? 'watch' : 'list';
      const exact = /^metadata\.name==?([^,]+)$/.exec(q.get('fieldSelector') ?? '');
      if (exact?.[1] && isValidName(exact[1])) name = exact[1];
    } else verb = 'get';
  } else if (method === 'POST') verb = 'create';
  else if (method === 'PUT') verb = 'update';
  else if (method === 'PATCH') verb = 'patch';
  else if (method === 'DELETE') verb = name === undefined ? 'deletecollection' : 'delete';
  else verb = method.toLowerCase();
  const namespace = r.namespace ?? (r.info.group === '' && r.info.plural === 'namespaces' ? r.name : undefined);
  return {
    resourceRequest: true,
    verb,
    group: r.info.group,
    resource: r.info.plural,
    ...(r.subresource !== undefined ? { subresource: r.subresource } : {}),
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
  };
}

interface DeleteRequest {
  gracePeriodSeconds: number | undefined;
  dryRun: boolean;
  propagationPolicy: 'Background' | 'Foreground' | 'Orphan' | undefined;
  /** DeleteOptions.preconditions: the object must have this uid and resourceVersion, or the DELETE is a 409. */
  preconditions: { uid?: string; resourceVersion?: string };
}

/**
 * A uid in an update's or a patch's object is a precondition on a real server (the registry takes
 * it as one, and a Scale's as its workload's): another uid than the object's is 409 Conflict.
 */
function checkUidPrecondition(info: ResourceInfo, current: KubeObject, proposed: unknown): void {
  const uid = (proposed as { metadata?: { uid?: unknown } } | null)?.metadata?.uid;
  if (uid !== undefined && uid !== null && uid !== '') requireUid(info, current, String(uid));
}

/** The uid precondition of an update, a patch or a DELETE: the object must be the one asked for. */
function requireUid(info: ResourceInfo, current: KubeObject, uid: string): void {
  if (uid !== current.metadata.uid) throw preconditionFailed(info.plural, current.metadata.name, info.group, 'UID', uid, current.metadata.uid);
}

/** Refuses a DELETE whose preconditions the object does not meet, as a real server does (409 Conflict). */
function checkPreconditions(info: ResourceInfo, current: KubeObject, options: DeleteRequest): void {
  const { uid, resourceVersion } = options.preconditions;
  if (uid !== undefined) requireUid(info, current, uid);
  if (resourceVersion !== undefined && resourceVersion !== current.metadata.resourceVersion) {
    throw preconditionFailed(info.plural, current.metadata.name, info.group, 'ResourceVersion', resourceVersion, String(current.metadata.resourceVersion));
  }
}

const propagationPolicies = ['Background', 'Foreground', 'Orphan'] as const;

function propagationPolicyOf(value: unknown): DeleteRequest['propagationPolicy'] {
  if (value === undefined || value === null || value === '') return undefined;
  const found = propagationPolicies.find((p) => p === value);
  if (!found) throw badRequest(`propagationPolicy: Unsupported value: ${JSON.stringify(value)}: supported values: "Background", "Foreground", "Orphan"`);
  return found;
}

/** DeleteOptions from the query and the optional body (kubectl sends them in the body). */
function deleteOptions(q: URLSearchParams, body: Buffer): DeleteRequest {
  let gracePeriodSeconds = intParam(q, 'gracePeriodSeconds', 0, 10 * 365 * 24 * 3600);
  let dryRun = dryRunParam(q, 'DeleteOptions');
  let propagationPolicy = propagationPolicyOf(q.get('propagationPolicy') ?? undefined);
  const preconditions: DeleteRequest['preconditions'] = {};
  if (body.length > 0) {
    const parsed = parseJson(body);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest('the request body must be a DeleteOptions object');
    const options = parsed as { gracePeriodSeconds?: unknown; dryRun?: unknown; propagationPolicy?: unknown; orphanDependents?: unknown; preconditions?: unknown };
    if (options.preconditions !== undefined && options.preconditions !== null) {
      const p = options.preconditions as { uid?: unknown; resourceVersion?: unknown };
      if (typeof p !== 'object' || Array.isArray(p)) throw badRequest('preconditions: must be an object with uid and/or resourceVersion');
      for (const key of ['uid', 'resourceVersion'] as const) {
        const value = p[key];
        if (value === undefined || value === null) continue;
        if (typeof value !== 'string') throw badRequest(`preconditions.${key}: must be a string, got ${JSON.stringify(value)}`);
        preconditions[key] = value;
      }
    }
    propagationPolicy = propagationPolicyOf(options.propagationPolicy) ?? (options.orphanDependents === true ? 'Orphan' : propagationPolicy);
    if (options.gracePeriodSeconds !== undefined && options.gracePeriodSeconds !== null) {
      const g = options.gracePeriodSeconds;
      if (typeof g !== 'number' || !Number.isInteger(g) || g < 0) throw badRequest(`gracePeriodSeconds: Invalid value: ${JSON.stringify(g)}: must be a whole number of seconds, 0 or more`);
      gracePeriodSeconds = g;
    }
    if (options.dryRun !== undefined && options.dryRun !== null) {
      if (!Array.isArray(options.dryRun) || options.dryRun.some((v) => typeof v !== 'string')) throw badRequest('dryRun: must be a list of strings, e.g. ["All"]');
      const fromBody = new URLSearchParams(options.dryRun.map((v: string) => ['dryRun', v]));
      dryRun = dryRunParam(fromBody, 'DeleteOptions') || dryRun;
    }
  }
  return { gracePeriodSeconds, dryRun, propagationPolicy, preconditions };
}

function checkIdentity(current: KubeObject, proposed: unknown): void {
  const p = proposed as { kind?: unknown; apiVersion?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
  if (p === null || typeof p !== 'object' || Array.isArray(p)) throw badRequest('the request body must be an object');
  if (p.kind !== undefined && p.kind !== current.kind) throw badRequest(`the body's kind ${JSON.stringify(p.kind)} does not match ${current.kind}`);
  if (p.metadata?.name !== undefined && p.metadata.name !== current.metadata.name) {
    throw badRequest(`the name of the object (${String(p.metadata.name)}) does not match the name on the URL (${current.metadata.name})`);
  }
}

function scaleOf(deployment: KubeObject): object {
  const spec = deployment.spec as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: deployment.metadata.name,
      namespace: deployment.metadata.namespace,
      uid: deployment.metadata.uid,
      resourceVersion: deployment.metadata.resourceVersion,
      creationTimestamp: deployment.metadata.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: {
      replicas: Number((deployment.status as { replicas?: number } | undefined)?.replicas ?? 0),
      selector: Object.entries(spec.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(','),
    },
  };
}

const versionInfo = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.4-kubelive-demo',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.22.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};
