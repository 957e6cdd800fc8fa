/**
 * startBackend composes the backend: the clusters of a kubeconfig (or the embedded demo
 * clusters'), each with its kube client and list-watches when in use (clusters.ts), the stream
 * hub and the HTTP API on one port. The CLI
 * (`kubelive serve`), the engine's CLI and the tests all start it through here.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { KubeconfigSource } from '../adapters/kube/client.js';
import type { InClusterSource } from '../adapters/kube/inCluster.js';
import { resolveConfig, type ConfigOverrides, type KubeliveConfig } from '../machines/config.js';
import { GenerationCounter } from './cache.js';
import { ClusterSet, defaultClusterLimits, type ClusterLimits } from './clusters.js';
import { startDemo, type DemoHandle, type DemoOptions } from './demo.js';
import { StreamFaults } from './faults.js';
import { createRequestHandler, defaultHttpLimits, refuse, requestUrl, type HttpLimits } from './http.js';
import { defaultStreamLimits, StreamHub, type StreamLimits } from './stream.js';
import { defaultUpstreamLimits, type UpstreamLimits } from './upstreams.js';
import { corsHeaders, isLoopbackHost, RequestPolicy, securityHeaders } from './requestPolicy.js';

/** The documented default port: unassigned by IANA, easy to remember. */
export const defaultPort = 7654;

export interface BackendOptions {
  /** A kubeconfig file; without it (and without `kubeconfigYaml` or `demo`) KUBECONFIG, then ~/.kube/config. */
  readonly kubeconfigPath?: string;
  readonly kubeconfigYaml?: string;
  readonly context?: string;
  /**
   * Namespaces to try when the user may not list a resource cluster-wide and nothing else names
   * the ones it may use (it may not list namespaces): the last resort of partial views.
   */
  readonly namespaces?: readonly string[];
  /**
   * Use the pod's service account instead of a kubeconfig (`kubelive serve --in-cluster`): the
   * API server from KUBERNETES_SERVICE_HOST/PORT, the token, CA and namespace from the service
   * account directory (adapters/kube/inCluster.ts). Its files are watched: a rotated token is
   * used from the next request.
   */
  readonly inCluster?: boolean | InClusterSource;
  /** Start the embedded demo cluster in-process and connect to it through its kubeconfig. */
  readonly demo?: boolean | DemoOptions;
  /** Default 7654; 0 picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. Anything but a loopback address needs `allowRemote`. */
  readonly host?: string;
  /**
   * Allows binding beyond loopback. Every request from a non-loopback peer must then carry the
   * token (`token`, or one generated and reported as `Backend.token`).
   */
  readonly allowRemote?: boolean;
  /** The bearer token for non-loopback peers (with `allowRemote`); generated when absent. */
  readonly token?: string;
  /** Host names requests may name besides loopback names, IP literals and the bind address. */
  readonly allowedHosts?: readonly string[];
  /** Serve `*.map` files from dist/ui (off by default: they publish the sources). */
  readonly serveSourceMaps?: boolean;
  /** Bounds on HTTP work (concurrent snapshot builds, requests per peer). */
  readonly httpLimits?: Partial<HttpLimits>;
  /** Enables `/_debug/faults` (always on with `demo`). */
  readonly allowFaults?: boolean;
  /** Extra origins allowed to open the stream (e.g. a UI dev server), besides the backend's own. */
  readonly allowedOrigins?: readonly string[];
  readonly config?: ConfigOverrides;
  readonly limits?: Partial<StreamLimits>;
  /** Bounds on upstreams (log followers, and all together). */
  readonly upstreamLimits?: Partial<UpstreamLimits>;
  /** Server-side watch timeout range in seconds (default 300-600, as client-go). */
  readonly watchTimeoutSeconds?: readonly [number, number];
  /** How often a log follower whose log is complete reads its pod again (default `finishedRecheckMs`, 5 s). */
  readonly logRecheckMs?: number;
  /** Bounds on the clusters in use at once and how long an unused one keeps its runtime (server/clusters.ts). */
  readonly clusterLimits?: Partial<ClusterLimits>;
}

export interface Backend {
  /** `http://127.0.0.1:PORT/` */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly config: KubeliveConfig;
  /** The default cluster's API server, and its kubeconfig context. */
  readonly kube: { readonly server: string; readonly context: string };
  /** Every cluster the backend may serve (the kubeconfig's contexts), and the ones in use. */
  readonly clusters: ClusterSet;
  /** The in-process demo cluster, when `demo` started one (the first; `demo.clusters` holds each). */
  readonly demo: DemoHandle | null;
  readonly faults: StreamFaults | null;
  /** The stream limits in force (backpressure bound, subscriptions per socket, ...). */
  readonly limits: StreamLimits;
  /** The token non-loopback peers must show (null when loopback only), and the one-time URL that sets it. */
  readonly token: string | null;
  readonly loginUrl: string | null;
  stop(): Promise<void>;
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export async function startBackend(options: BackendOptions = {}): Promise<Backend> {
  const config = resolveConfig(options.config ?? {});
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host) && !options.allowRemote) {
    throw new RemoteBindError(
      `refusing to listen on ${host}: that serves your cluster credentials to the network. ` +
        'Bind a loopback address, or pass --allow-remote to require a token from every non-loopback client (docs/security.md).',
    );
  }
  const token = options.allowRemote ? (options.token ?? randomBytes(32).toString('base64url')) : null;
  if (token !== null && token.length < 16) throw new RemoteBindError('the token must be at least 16 characters');
  if (options.inCluster && (options.demo || options.kubeconfigPath !== undefined || options.kubeconfigYaml !== undefined || options.context !== undefined)) {
    throw new Error('in-cluster mode uses the service account: it takes no kubeconfig, context or demo');
  }
  const demo = options.demo ? await startDemo(options.demo === true ? {} : options.demo) : null;
  let clusters: ClusterSet | null = null;
  try {
    const source: KubeconfigSource = options.inCluster
      ? { inCluster: options.inCluster === true ? {} : options.inCluster }
      : demo
      ? { kubeconfigYaml: demo.kubeconfigYaml, ...(options.context !== undefined ? { context: options.context } : {}) }
      : {
          ...(options.kubeconfigPath !== undefined ? { kubeconfigPath: options.kubeconfigPath } : {}),
          ...(options.kubeconfigYaml !== undefined ? { kubeconfigYaml: options.kubeconfigYaml } : {}),
          ...(options.context !== undefined ? { context: options.context } : {}),
        };
    const upstreamLimits: UpstreamLimits = { ...defaultUpstreamLimits, ...options.upstreamLimits };
    const generations = new GenerationCounter();
    clusters = new ClusterSet({
      source,
      config,
      generations,
      upstreamLimits,
      limits: { ...defaultClusterLimits, ...options.clusterLimits },
      ...(options.namespaces ? { namespaces: options.namespaces } : {}),
      ...(options.watchTimeoutSeconds ? { watchTimeoutSeconds: options.watchTimeoutSeconds } : {}),
      ...(options.logRecheckMs ? { logRecheckMs: options.logRecheckMs } : {}),
    });
    const limits: StreamLimits = { ...defaultStreamLimits, ...options.limits };
    let hub: StreamHub | null = null;
    const faults = demo || options.allowFaults ? new StreamFaults(() => hub?.faultChanged()) : null;
    // Without faults enabled, a StreamFaults that nobody can set keeps the hub's code single-path.
    hub = new StreamHub({ config, clusters, generations, faults: faults ?? new StreamFaults(() => {}), limits });
    // Made now and kept: a kubeconfig that cannot reach its default cluster fails here, at start.
    const home = clusters.hold(null);
    const startedAt = Date.now();
    const policy = new RequestPolicy({
      bindHost: host,
      token,
      allowedHosts: options.allowedHosts ?? [],
      allowedOrigins: options.allowedOrigins ?? [],
    });

    const handle = createRequestHandler({
      clusters,
      config,
      generations,
      hub,
      faults,
      startedAt,
      limits: { ...defaultHttpLimits, ...options.httpLimits },
      serveSourceMaps: options.serveSourceMaps === true,
      describe: ({ client, discovery }) => ({
        kube: {
          server: client.server,
          context: client.contextName,
          demo: demo !== null,
          inCluster: source.inCluster !== undefined,
          kubeconfigReloads: client.reloads,
          kubeconfigReloadError: client.lastReloadError,
          credentialRenewals: client.credentialRenewals,
          staleSocketRetries: client.staleSocketRetries,
          timedOut: client.timedOut,
          sockets: client.sockets(),
          discovery: {
            mode: discovery.mode,
            resources: discovery.resources.length,
            refreshes: discovery.refreshes,
            lastError: discovery.lastError,
            failedGroups: discovery.failedGroups,
            refreshedAt: discovery.refreshedAt === null ? null : new Date(discovery.refreshedAt).toISOString(),
          },
        },
        config,
        limits,
        upstreamLimits,
        security: { remote: token !== null, refused: policy.refused },
      }),
    });
    const headers = securityHeaders();
    const inspectingPolicy = securityHeaders({ inspecting: true })['Content-Security-Policy']!;
    const server = createServer((request, response) => {
      for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
      const url = requestUrl(request);
      if (url?.searchParams.has('inspect')) response.setHeader('Content-Security-Policy', inspectingPolicy);
      if (url && policy.hostAllowed(request) && policy.tokenLogin(request, response, url)) return;
      const refusal = policy.check(request, url?.pathname ?? '/');
      if (refusal) return refuse(request, response, refusal);
      const corsOrigin = policy.corsOrigin(request);
      if (corsOrigin !== null) {
        // A UI dev server on another port (--allow-origin) may call the API from the browser.
        for (const [name, value] of Object.entries(corsHeaders(corsOrigin))) response.setHeader(name, value);
        if (request.method === 'OPTIONS') {
          response.writeHead(204, {
            'Access-Control-Allow-Methods': 'GET, POST, DELETE',
            'Access-Control-Allow-Headers': 'If-None-Match, Content-Type',
            'Access-Control-Max-Age': '600',
          });
          response.end();
          return;
        }
      } else if (request.method === 'OPTIONS') {
        // A preflight from any other origin: no CORS headers, so the browser sends nothing after it.
        return refuse(request, response, { status: 403, code: 'bad-origin', reason: 'cross-origin requests are not allowed' });
      }
      handle(request, response);
    });
    const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024, perMessageDeflate: false });
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const refuse = (status: number, reason: string, detail?: string) => {
        // The stream hub's refusals say why in a body, as every other refusal of ours does.
        const body = detail === undefined ? '' : JSON.stringify({ error: 'unavailable', reason: detail });
        socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      };
      if (requestUrl(request)?.pathname !== '/api/v1/stream') return refuse(404, 'Not Found');
      if (!policy.hostAllowed(request)) return refuse(421, 'Misdirected Request');
      if (!policy.authenticated(request)) return refuse(401, 'Unauthorized');
      if (!policy.originAllowed(request)) return refuse(403, 'Forbidden');
      const refusal = hub!.refusal(request.socket.remoteAddress ?? '');
      if (refusal) return refuse(503, 'Service Unavailable', refusal);
      wss.handleUpgrade(request, socket, head, (ws) => hub!.attach(ws, request.socket.remoteAddress ?? ''));
    });

    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? defaultPort, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    policy.listeningOn(port);
    const url = `http://${hostForUrl(host)}:${port}/`;
    let stopping: Promise<void> | null = null;
    return {
      url,
      port,
      host,
      config,
      kube: { server: home.client.server, context: home.client.contextName },
      clusters,
      demo,
      faults,
      limits,
      token,
      loginUrl: token !== null ? `${url}?token=${encodeURIComponent(token)}` : null,
      stop() {
        stopping ??= (async () => {
          hub!.close();
          wss.close();
          clusters!.dispose();
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
          await demo?.stop();
        })();
        return stopping;
      },
    };
  } catch (error) {
    clusters?.dispose();
    await demo?.stop();
    throw error;
  }
}

/** Binding beyond loopback without --allow-remote, or with an unusable token. */
export class RemoteBindError extends Error {}
