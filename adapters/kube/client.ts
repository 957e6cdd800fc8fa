/**
 * KubeClient speaks to one API server with the TLS and credentials of a kubeconfig context, using
 * `@kubernetes/client-node`'s KubeConfig for everything about authentication and plain Node
 * http(s) for the requests themselves, so watches can carry `allowWatchBookmarks` and
 * `timeoutSeconds`, stream line by line, and be aborted by us, never by a library timer.
 *
 * Every request has a deadline (reads, writes, and the start of a watch each their own), so a
 * black-holed API server answers our callers with a timeout instead of hanging them. A client
 * made from a kubeconfig file can re-read it (`reload`), and does so once by itself when the
 * API server answers 401: credentials rotated under us are picked up without a restart. A 401
 * also renews what client-node caches: an exec credential plugin's token (EKS, GKE, AKS, the
 * demo's rotating user) is cached until its `expirationTimestamp`, and a token revoked or
 * expired early would be sent until then; after a 401 the plugin runs again, once, before the
 * 401 is reported. Concurrent 401s (every watch and probe at a token's expiry) share one renewal.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';
import { StringDecoder } from 'node:string_decoder';
import { inClusterKubeConfig, type InClusterSource } from './inCluster.js';
import { openShare, resumeFirst, shareSpent } from '../loopShare.js';
import { FrameSplitter, isProtobufMediaType, readStatusBody } from './protobuf.js';

/** An API server's refusal or a transport failure, with where it happened. */
export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly method: string,
    readonly path: string,
    /** The Kubernetes Status `reason` (`Expired`, `Forbidden`, `NotFound`, ...) when the server sent one. */
    readonly reason?: string,
    /** The Status as the server worded it: its `message` and the messages of its `details.causes`, for showing a refusal in its own words. */
    readonly said?: { readonly message: string; readonly causes: readonly string[] },
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

/** The API server did not answer (or finish answering) within the request's deadline. */
export class KubeTimeoutError extends KubeApiError {
  constructor(
    message: string,
    method: string,
    path: string,
    readonly timeoutMs: number,
  ) {
    super(message, undefined, method, path);
    this.name = 'KubeTimeoutError';
  }
}

/**
 * How long a request may take: a read or a write from sending it to the last byte of its answer,
 * a watch or log follow until its response headers (after that it is long-lived on purpose and
 * its owner's stall timer watches it).
 */
export interface KubeTimeouts {
  readonly readMs: number;
  readonly writeMs: number;
  readonly watchStartMs: number;
}

export interface KubeClientOptions {
  /** Read on every request, so a config change applies to the next one. Default: `defaultKubeTimeouts`. */
  readonly timeouts?: () => KubeTimeouts;
  /** Where the kubeconfig came from, when it can be read again (a file or the service account's files: not inline YAML). */
  readonly reloadFrom?: KubeconfigSource;
  /**
   * Connections to the API server at once; requests past it wait in the agent's queue (within
   * their deadlines). Default `defaultMaxApiSockets`.
   */
  readonly maxSockets?: number;
}

/**
 * Every watch and log follow holds a connection for its whole life, so the bound must sit safely
 * above what the upstream bounds allow (the backend passes that plus headroom); it is the last
 * line behind them: whatever a bug or a client does, kubelive never opens more than this many
 * connections to the API server (13,083 in 2 s were seen before the upstream bounds).
 */
export const defaultMaxApiSockets = 128;

export const defaultKubeTimeouts: KubeTimeouts = { readMs: 30_000, writeMs: 30_000, watchStartMs: 15_000 };

export interface KubeconfigSource {
  /** Path to a kubeconfig file; otherwise KUBECONFIG, then ~/.kube/config. */
  readonly kubeconfigPath?: string;
  /** A kubeconfig as YAML text (e.g. the demo cluster's). */
  readonly kubeconfigYaml?: string;
  readonly context?: string;
  /** The pod's service account instead of a kubeconfig (`kubelive serve --in-cluster`; inCluster.ts). */
  readonly inCluster?: InClusterSource;
}

export function loadKubeConfig(source: KubeconfigSource): KubeConfig {
  if (source.inCluster) return inClusterKubeConfig(source.inCluster);
  const kc = new KubeConfig();
  if (source.kubeconfigYaml !== undefined) kc.loadFromString(source.kubeconfigYaml);
  else if (source.kubeconfigPath !== undefined) kc.loadFromFile(source.kubeconfigPath);
  else if (kubeconfigEnvFiles().length > 0) loadMerged(kc, kubeconfigEnvFiles());
  else kc.loadFromDefault();
  if (source.context !== undefined) {
    if (!kc.getContexts().some((c) => c.name === source.context)) {
      throw new Error(`kubeconfig has no context "${source.context}" (it has: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
    }
    kc.setCurrentContext(source.context);
  }
  if (!kc.getCurrentCluster()) throw new Error('kubeconfig has no current cluster');
  return kc;
}

/** The files KUBECONFIG names, in order (`:`-separated, `;` on Windows), empty entries dropped. */
function kubeconfigEnvFiles(): string[] {
  return (process.env.KUBECONFIG ?? '').split(delimiter).filter((p) => p.length > 0);
}

/**
 * Merges the files KUBECONFIG names as kubectl does (client-go's loading rules): files that do
 * not exist are skipped; the first file to name a cluster, user or context wins, later ones with
 * the same name are ignored; the first `current-context` set wins. client-node's own
 * `loadFromDefault` lets the last file's current-context win and throws on a name two files share.
 * Each file is read on its own first, so its relative certificate paths resolve beside it.
 */
function loadMerged(kc: KubeConfig, files: readonly string[]): void {
  const merged = { clusters: [] as Cluster[], users: [] as User[], contexts: [] as Context[], currentContext: '' };
  let read = 0;
  for (const file of files) {
    if (!existsSync(file)) continue;
    const one = new KubeConfig();
    one.loadFromFile(file);
    read++;
    for (const c of one.getClusters()) if (!merged.clusters.some((m) => m.name === c.name)) merged.clusters.push(c);
    for (const u of one.getUsers()) if (!merged.users.some((m) => m.name === u.name)) merged.users.push(u);
    for (const c of one.getContexts()) if (!merged.contexts.some((m) => m.name === c.name)) merged.contexts.push(c);
    if (!merged.currentContext && one.getCurrentContext()) merged.currentContext = one.getCurrentContext();
  }
  if (read === 0) throw new Error(`KUBECONFIG names no file that exists (${files.join(delimiter)})`);
  kc.loadFromOptions(merged);
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  readonly query?: Query;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  /** Refuse responses larger than this (bytes): a list page or an object, not a runaway stream. */
  readonly maxBytes?: number;
  /** The Accept header, when something other than plain JSON objects is wanted (e.g. metadata only). */
  readonly accept?: string;
}

/** A streaming response: the caller reads lines (or protobuf frames) until it ends or aborts it. */
export interface LineStream {
  readonly status: number;
  /** The server answered in length-delimited protobuf (`application/vnd.kubernetes.protobuf;stream=watch`), not lines of JSON. */
  readonly protobuf: boolean;
  /** Called once per complete line; `end` once, with an error for a broken transport. */
  read(onLine: (line: string) => void, onEnd: (error?: Error) => void): void;
  /** The same for a protobuf stream: once per whole frame (the bytes after its length). */
  readFrames(onFrame: (frame: Buffer) => void, onEnd: (error?: Error) => void): void;
  abort(): void;
}

/** How a stream's bytes are cut into the units handed on: lines of text, or protobuf frames. */
interface Cutter<T> {
  push(chunk: Buffer): void;
  /** The next whole unit, or null until more arrives; throws on input that cannot be cut. */
  next(): T | null;
  /** What is left once the response ended: the last unit, or null; throws when that is broken. */
  rest(): T | null;
}

function lineCutter(): Cutter<string> {
  let partial = '';
  const decoder = new StringDecoder('utf8');
  return {
    push: (chunk) => {
      partial += decoder.write(chunk);
    },
    next: () => {
      let newline = partial.indexOf('\n');
      while (newline === 0) {
        partial = partial.slice(1);
        newline = partial.indexOf('\n');
      }
      if (newline === -1) return null;
      const line = partial.slice(0, newline);
      partial = partial.slice(newline + 1);
      return line;
    },
    rest: () => {
      const last = partial + decoder.end();
      partial = '';
      return last.length > 0 ? last : null;
    },
  };
}

function frameCutter(): Cutter<Buffer> {
  const splitter = new FrameSplitter();
  return {
    push: (chunk) => splitter.push(chunk),
    next: () => splitter.next(),
    rest: () => {
      if (splitter.leftover > 0) throw new Error(`the stream ended inside a watch event (${splitter.leftover} bytes of it)`);
      return null;
    },
  };
}

const defaultMaxBytes = 256 * 1024 * 1024;

/**
 * Hands a streaming response's units (lines or frames) on as they are cut. Units are handed on
 * while the loop's share lasts (adapters/loopShare.ts: shared by every stream of the process, and
 * by the other work done in pieces, so a backend with many watches behind at once does not hold
 * the loop for each in turn). A consumer that fell behind (its loop was busy,
 * or descheduled) finds a backlog waiting, and a socket event delivers chunk after chunk of it:
 * handing them all on in one turn would hold the loop for every other client (bench row 14l).
 * Past the share the response is paused, which leaves the rest in the socket for TCP to hold
 * back, and the unit already cut waits for the next turn. At least one unit goes on per call, so
 * every stream moves. A response can end (and close) while units wait: they are still handed on,
 * in their turns, before the stream's end is told. Input that cannot be cut, or a consumer that
 * throws, ends the stream with that error instead of escaping into the socket's event.
 */
function pump<T>(response: http.IncomingMessage, cutter: Cutter<T>, onUnit: (unit: T) => void, onEnd: (error?: Error) => void): void {
  let ended = false;
  const end = (error?: Error) => {
    if (ended) return;
    ended = true;
    onEnd(error);
  };
  let yielded = false;
  /** The response ended whole: what is left is handed on, then the stream ends. */
  let complete = false;
  /** A unit already cut, held for the next turn because the share was spent. */
  let waiting: T | null = null;
  const handOn = () => {
    try {
      openShare();
      let unit = waiting ?? cutter.next();
      waiting = null;
      while (unit !== null && !ended) {
        onUnit(unit);
        unit = cutter.next();
        if (unit !== null && shareSpent()) {
          waiting = unit;
          yielded = true;
          if (!complete) response.pause();
          // At the head of the next turn, before the bulk work in pieces: these lines are news.
          resumeFirst(() => {
            yielded = false;
            handOn();
          });
          return;
        }
      }
      if (ended) return;
      if (complete) {
        const last = cutter.rest();
        if (last !== null) onUnit(last);
        end();
      } else if (response.isPaused()) response.resume();
    } catch (error) {
      end(error instanceof Error ? error : new Error(String(error)));
      response.destroy();
    }
  };
  const finish = () => {
    if (complete) return;
    complete = true;
    if (!yielded) handOn();
  };
  response.on('data', (chunk: Buffer) => {
    if (ended) return;
    cutter.push(chunk);
    if (!yielded) handOn();
  });
  response.on('end', finish);
  response.on('error', (error) => end(error));
  response.on('close', () => (response.complete ? finish() : end(new Error('connection closed before the response ended'))));
}

export class KubeClient {
  private kc: KubeConfig;
  private cluster: { server: string; context: string };
  /** One keep-alive agent for the context's TLS material, so list pages and polls reuse connections. */
  private agent: https.Agent | null = null;
  private agentMaterial = '';
  private readonly timeouts: () => KubeTimeouts;
  /** Times the kubeconfig was read again, and why the last attempt failed (null when it worked). */
  reloads = 0;
  lastReloadError: string | null = null;
  /** Times a 401 renewed the credentials (re-read the kubeconfig, or ran the exec plugin again). */
  credentialRenewals = 0;
  /** Reads sent again because the kept-alive connection they went out on had been closed by the server. */
  staleSocketRetries = 0;
  /** Moves at each renewal: a request that began before one and got a 401 only needs a retry. */
  private credentialsGeneration = 0;
  /** Requests abandoned at their deadline, by kind. */
  readonly timedOut = { read: 0, write: 0, watchStart: 0 };
  /**
   * Which cluster the kubeconfig names: a reload that changes the server or its CA is another
   * cluster (recreated, or a different one), whose resourceVersions mean nothing next to the old
   * one's. The collections watched from a resourceVersion before such a change are `stale`: the
   * next watch of each is answered 410 here, so its owner lists the new cluster again.
   */
  private identity: string;
  private readonly watched = new Set<string>();
  private stale = new Set<string>();

  constructor(
    kc: KubeConfig,
    private readonly options: KubeClientOptions = {},
  ) {
    this.kc = kc;
    this.cluster = clusterOf(kc);
    this.identity = clusterIdentity(kc);
    this.timeouts = options.timeouts ?? (() => defaultKubeTimeouts);
  }

  /** The API server's URL, without a trailing slash. */
  get server(): string {
    return this.cluster.server;
  }

  get contextName(): string {
    return this.cluster.context;
  }

  /** The kubeconfig's names for the context's cluster and user entries, for saying who acts where. */
  get entryNames(): { readonly cluster: string; readonly user: string } {
    return { cluster: this.kc.getCurrentCluster()?.name ?? '', user: this.kc.getCurrentUser()?.name ?? '' };
  }

  /** The namespace the kubeconfig's current context names, if any (kubectl's default namespace). */
  get contextNamespace(): string | undefined {
    return this.kc.getContextObject(this.kc.getCurrentContext())?.namespace || undefined;
  }

  /**
   * Reads the kubeconfig again (a new CA, token or server after a cluster was recreated). Keeps
   * the old one when the file is missing or broken mid-write, and says why in `lastReloadError`.
   * Answers whether the client now uses a freshly read kubeconfig.
   */
  reload(): boolean {
    if (!this.options.reloadFrom) return false;
    try {
      const kc = loadKubeConfig(this.options.reloadFrom);
      this.kc = kc;
      this.cluster = clusterOf(kc);
      const identity = clusterIdentity(kc);
      if (identity !== this.identity) {
        this.stale = new Set(this.watched);
        // Connections to the old server, or made with the old CA, must not be reused. The same
        // cluster keeps them: a renewed token rides on the next request, and closing would end
        // every watch at each token expiry. (New client certificates get a new agent anyway.)
        this.close();
      }
      this.identity = identity;
      this.reloads++;
      this.lastReloadError = null;
      return true;
    } catch (error) {
      this.lastReloadError = error instanceof Error ? error.message : String(error);
      return false;
    }
  }

  /** Sends a request and parses the JSON answer; non-2xx becomes a KubeApiError with the server's message. */
  async requestJson<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const text = await this.withFreshCredentials(() => this.exchange(method, path, options));
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new KubeApiError(`${method} ${path}: response is not JSON`, 200, method, path);
    }
  }

  /** Sends a request and returns the raw text answer (pod logs). */
  requestText(path: string, options: RequestOptions = {}): Promise<string> {
    return this.withFreshCredentials(() => this.exchange('GET', path, options));
  }

  /**
   * Opens a long-lived GET (a watch, a log follow). A non-2xx answer is read and thrown as a
   * KubeApiError; a 2xx answer is handed back for line-by-line reading. Only the wait for the
   * response headers has a deadline.
   */
  openStream(path: string, options: RequestOptions = {}): Promise<LineStream> {
    return this.withFreshCredentials(() => this.startStream(path, options));
  }

  /**
   * A 401 may mean the credentials changed under us (the kubeconfig rewritten, a token expired or
   * revoked): renew them and try once more, then report. A renewal made by a concurrent request
   * after this one began counts: this one only retries.
   */
  private async withFreshCredentials<T>(attempt: () => Promise<T>): Promise<T> {
    const generation = this.credentialsGeneration;
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof KubeApiError) || error.status !== 401) throw error;
      if (generation === this.credentialsGeneration && !this.renewCredentials()) throw error;
      return attempt();
    }
  }

  /**
   * New credentials for the next request: the kubeconfig read again when it came from a file,
   * else the same configuration in a fresh KubeConfig, whose authenticators hold no cached
   * credential (client-node keeps an exec plugin's answer per KubeConfig until it expires), so
   * the plugin runs again. False when there is nothing that could renew (a static token from
   * inline YAML).
   */
  private renewCredentials(): boolean {
    const reloaded = this.reload();
    if (!reloaded) {
      const user = this.kc.getCurrentUser();
      if (!user?.exec && !user?.authProvider) return false;
      const kc = new KubeConfig();
      kc.loadFromOptions({ clusters: this.kc.getClusters(), users: this.kc.getUsers(), contexts: this.kc.getContexts(), currentContext: this.kc.getCurrentContext() });
      this.kc = kc;
    }
    this.credentialsGeneration++;
    this.credentialRenewals++;
    return true;
  }

  /** One request answered in full within its deadline: the body's text, or a KubeApiError. */
  private async exchange(method: string, path: string, options: RequestOptions): Promise<string> {
    const write = method !== 'GET' && method !== 'HEAD';
    const deadline = this.deadline(write ? 'write' : 'read', method, path, options.signal);
    try {
      const response = await this.send(method, path, { ...options, signal: deadline.signal });
      const text = await readBody(response, options.maxBytes ?? defaultMaxBytes, method, path);
      const status = response.statusCode ?? 0;
      if (status < 200 || status >= 300) throw errorFromBody(status, text, method, path);
      return text;
    } catch (error) {
      throw deadline.explain(error);
    } finally {
      deadline.clear();
    }
  }

  private async startStream(path: string, options: RequestOptions): Promise<LineStream> {
    const query = options.query ?? {};
    if (query.watch && query.resourceVersion !== undefined) {
      this.watched.add(path);
      if (this.stale.delete(path)) {
        // The resourceVersion is the old cluster's: answer as a server that never saw it would.
        throw new KubeApiError(`GET ${path}: 410 the kubeconfig now names another cluster; list again`, 410, 'GET', path, 'Expired');
      }
    }
    const controller = new AbortController();
    const deadline = this.deadline('watchStart', 'GET', path, options.signal);
    const signals = AbortSignal.any([deadline.signal, controller.signal]);
    let response: http.IncomingMessage;
    try {
      response = await this.send('GET', path, { ...options, signal: signals });
    } catch (error) {
      throw deadline.explain(error);
    } finally {
      deadline.clear();
    }
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      const body = await readBodyBytes(response, 1024 * 1024, 'GET', path);
      // Asked for protobuf, a server writes its Status that way too.
      const refusal = isProtobufMediaType(response.headers['content-type']) ? readStatusBody(body) : null;
      if (refusal) throw errorFromStatus(status, refusal, 'GET', path);
      throw errorFromBody(status, body.toString('utf8'), 'GET', path);
    }
    const protobuf = isProtobufMediaType(response.headers['content-type']);
    return {
      status,
      abort: () => {
        controller.abort();
        response.destroy();
      },
      protobuf,
      read: (onLine, onEnd) => pump(response, lineCutter(), onLine, onEnd),
      readFrames: (onFrame, onEnd) => pump(response, frameCutter(), onFrame, onEnd),
    };
  }

  private async send(method: string, path: string, options: RequestOptions): Promise<http.IncomingMessage> {
    const url = new URL(this.server + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const requestOptions: https.RequestOptions = {
      method,
      headers: {
        Accept: options.accept ?? 'application/json',
        // With its length: Node frames a DELETE's body neither as chunked nor at all without one, so
        // a DeleteOptions body would reach the server as the start of the next request.
        ...(body !== undefined ? { 'Content-Type': options.contentType ?? 'application/json', 'Content-Length': String(Buffer.byteLength(body)) } : {}),
      },
    };
    // Adds the CA, client certificate, bearer token or exec credential of the current context.
    await this.kc.applyToHTTPSOptions(requestOptions);
    const transport = url.protocol === 'http:' ? http : https;
    if (transport === http) delete requestOptions.agent; // the agent it built speaks TLS only
    else requestOptions.agent = this.sharedAgent(requestOptions);
    const attempt = (mayRetry: boolean): Promise<http.IncomingMessage> =>
      new Promise((resolve, reject) => {
        const request = transport.request(url, { ...requestOptions, ...(options.signal ? { signal: options.signal } : {}) }, resolve);
        request.on('error', (error: NodeJS.ErrnoException) => {
          // A kept-alive connection the server closed as idle just as we reused it: the request
          // never reached it. A read goes again once on a fresh connection, as client-go retries
          // a GET that met a probable EOF; a write is reported, since we cannot know it was not done.
          if (mayRetry && request.reusedSocket && !options.signal?.aborted && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
            this.staleSocketRetries++;
            attempt(false).then(resolve, reject);
            return;
          }
          reject(new KubeApiError(`${method} ${url.pathname}: ${error.message}`, undefined, method, path));
        });
        if (body !== undefined) request.write(body);
        request.end();
      });
    return attempt(method === 'GET' || method === 'HEAD');
  }

  /**
   * An abort signal that fires at the request's deadline (or when the caller's own signal does),
   * and `explain`, which turns the abort it caused into a KubeTimeoutError naming the cluster and
   * the request.
   */
  private deadline(kind: keyof KubeClient['timedOut'], method: string, path: string, callerSignal: AbortSignal | undefined) {
    const timeouts = this.timeouts();
    const ms = kind === 'read' ? timeouts.readMs : kind === 'write' ? timeouts.writeMs : timeouts.watchStartMs;
    const controller = new AbortController();
    let expired = false;
    const timer = setTimeout(() => {
      expired = true;
      this.timedOut[kind]++;
      controller.abort();
    }, ms);
    const what = kind === 'watchStart' ? 'did not start answering' : 'did not answer';
    return {
      signal: callerSignal ? AbortSignal.any([callerSignal, controller.signal]) : controller.signal,
      clear: () => clearTimeout(timer),
      explain: (error: unknown): unknown =>
        expired
          ? new KubeTimeoutError(`cluster ${this.contextName} (${this.server}): ${method} ${path} ${what} within ${formatSeconds(ms)}`, method, path, ms)
          : error,
    };
  }

  /** Connections to the API server: in use (by a request, a watch or a follow), idle in the pool, and requests waiting for one. */
  sockets(): { readonly inUse: number; readonly idle: number; readonly queued: number; readonly max: number } {
    const count = (table: NodeJS.ReadOnlyDict<unknown[]> | undefined) => Object.values(table ?? {}).reduce((n, list) => n + (list?.length ?? 0), 0);
    const agent = this.agent;
    return {
      inUse: count(agent?.sockets),
      idle: count(agent?.freeSockets),
      queued: count(agent?.requests),
      max: this.options.maxSockets ?? defaultMaxApiSockets,
    };
  }

  /** Closes idle keep-alive connections (the backend is stopping). */
  close(): void {
    this.agent?.destroy();
    this.agent = null;
  }

  /**
   * KubeConfig builds a fresh agent per request, which costs a TLS handshake per list page and
   * per metrics poll. We keep one keep-alive agent instead, rebuilt only if the TLS material it
   * was made from changes (an exec plugin rotating a client certificate).
   */
  private sharedAgent(options: https.RequestOptions): https.Agent {
    const text = (value: unknown) => (value === undefined ? '' : Buffer.isBuffer(value) ? value.toString('base64') : String(value));
    const material = [options.ca, options.cert, options.key, options.pfx, options.passphrase, options.rejectUnauthorized, options.servername].map(text).join('|');
    if (!this.agent || material !== this.agentMaterial) {
      this.agent?.destroy();
      this.agent = new https.Agent({
        keepAlive: true,
        maxSockets: this.options.maxSockets ?? defaultMaxApiSockets,
        ...(options.ca !== undefined ? { ca: options.ca } : {}),
        ...(options.cert !== undefined ? { cert: options.cert } : {}),
        ...(options.key !== undefined ? { key: options.key } : {}),
        ...(options.pfx !== undefined ? { pfx: options.pfx } : {}),
        ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}),
        ...(options.rejectUnauthorized !== undefined ? { rejectUnauthorized: options.rejectUnauthorized } : {}),
        ...(options.servername !== undefined ? { servername: options.servername } : {}),
      });
      this.agentMaterial = material;
    }
    return this.agent;
  }
}

function clusterOf(kc: KubeConfig): { server: string; context: string } {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  return { server: cluster.server.replace(/\/+$/, ''), context: kc.getCurrentContext() };
}

function clusterIdentity(kc: KubeConfig): string {
  const cluster = kc.getCurrentCluster();
  return JSON.stringify([cluster?.server, cluster?.caData, cluster?.caFile]);
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

async function readBody(response: http.IncomingMessage, maxBytes: number, method: string, path: string): Promise<string> {
  return (await readBodyBytes(response, maxBytes, method, path)).toString('utf8');
}

function readBodyBytes(response: http.IncomingMessage, maxBytes: number, method: string, path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        response.destroy();
        reject(new KubeApiError(`${method} ${path}: response larger than ${maxBytes} bytes`, response.statusCode, method, path));
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(Buffer.concat(chunks)));
    response.on('error', (error) => reject(new KubeApiError(`${method} ${path}: ${error.message}`, response.statusCode, method, path)));
    // An aborted response may close without 'error'; a settled promise ignores this.
    response.on('close', () => {
      if (!response.complete) reject(new KubeApiError(`${method} ${path}: connection closed before the response ended`, response.statusCode, method, path));
    });
  });
}

/** A Status read from protobuf, as a KubeApiError like the one its JSON form makes. */
function errorFromStatus(status: number, refusal: { message?: string; reason?: string }, method: string, path: string): KubeApiError {
  const message = refusal.message || http.STATUS_CODES[status] || 'error';
  return new KubeApiError(`${method} ${path}: ${status} ${message}`, status, method, path, refusal.reason, { message, causes: [] });
}

/** Turns a Kubernetes Status body (or any text) into a KubeApiError carrying its code and reason. */
function errorFromBody(status: number, text: string, method: string, path: string): KubeApiError {
  let message = text.slice(0, 300) || http.STATUS_CODES[status] || 'error';
  let reason: string | undefined;
  let causes: string[] = [];
  try {
    const parsed = JSON.parse(text) as { message?: unknown; reason?: unknown; details?: { causes?: unknown } };
    if (typeof parsed.message === 'string') message = parsed.message;
    if (typeof parsed.reason === 'string') reason = parsed.reason;
    const listed = parsed.details?.causes;
    if (Array.isArray(listed)) causes = listed.map((c: { message?: unknown }) => c?.message).filter((m): m is string => typeof m === 'string');
  } catch {
    // not a Status object: keep the text
  }
  return new KubeApiError(`${method} ${path}: ${status} ${message}`, status, method, path, reason, { message, causes });
}
