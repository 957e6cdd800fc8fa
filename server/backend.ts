/**
 * startBackend composes the backend: a kube client from a kubeconfig (or the embedded demo
 * cluster's), the upstream list-watches, the stream hub and the HTTP API on one port. The CLI
 * (`kubelive serve`), the engine's CLI and the tests all start it through here.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { KubeClient, loadKubeConfig } from '../adapters/kube/client.js';
import { resolveConfig, type ConfigOverrides, type KubeliveConfig } from '../machines/config.js';
import { GenerationCounter } from './cache.js';
import { startDemo, type DemoHandle, type DemoOptions } from './demo.js';
import { StreamFaults } from './faults.js';
import { createRequestHandler, requestUrl } from './http.js';
import { MetricsCache } from './metricsCache.js';
import { defaultStreamLimits, StreamHub, type StreamLimits } from './stream.js';
import { Upstreams } from './upstreams.js';

/** The documented default port: unassigned by IANA, easy to remember. */
export const defaultPort = 7654;

export interface BackendOptions {
  /** A kubeconfig file; without it (and without `kubeconfigYaml` or `demo`) KUBECONFIG, then ~/.kube/config. */
  readonly kubeconfigPath?: string;
  readonly kubeconfigYaml?: string;
  readonly context?: string;
  /** Start the embedded demo cluster in-process and connect to it through its kubeconfig. */
  readonly demo?: boolean | DemoOptions;
  /** Default 7654; 0 picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Enables `/_debug/faults` (always on with `demo`). */
  readonly allowFaults?: boolean;
  /** Extra origins allowed to open the stream (e.g. a UI dev server), besides the backend's own. */
  readonly allowedOrigins?: readonly string[];
  readonly config?: ConfigOverrides;
  readonly limits?: Partial<StreamLimits>;
  /** Server-side watch timeout range in seconds (default 300-600, as client-go). */
  readonly watchTimeoutSeconds?: readonly [number, number];
}

export interface Backend {
  /** `http://127.0.0.1:PORT/` */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly config: KubeliveConfig;
  /** The API server this backend watches, and the kubeconfig context it used. */
  readonly kube: { readonly server: string; readonly context: string };
  /** The in-process demo cluster, when `demo` started one. */
  readonly demo: DemoHandle | null;
  readonly faults: StreamFaults | null;
  /** The stream limits in force (backpressure bound, subscriptions per socket, ...). */
  readonly limits: StreamLimits;
  stop(): Promise<void>;
}

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export async function startBackend(options: BackendOptions = {}): Promise<Backend> {
  const config = resolveConfig(options.config ?? {});
  const host = options.host ?? '127.0.0.1';
  const demo = options.demo ? await startDemo(options.demo === true ? {} : options.demo) : null;
  try {
    const kc = loadKubeConfig(
      demo
        ? { kubeconfigYaml: demo.kubeconfigYaml }
        : {
            ...(options.kubeconfigPath !== undefined ? { kubeconfigPath: options.kubeconfigPath } : {}),
            ...(options.kubeconfigYaml !== undefined ? { kubeconfigYaml: options.kubeconfigYaml } : {}),
            ...(options.context !== undefined ? { context: options.context } : {}),
          },
    );
    const client = new KubeClient(kc);
    const generations = new GenerationCounter();
    const upstreams = new Upstreams({
      client,
      config,
      generations,
      ...(options.watchTimeoutSeconds ? { watchTimeoutSeconds: options.watchTimeoutSeconds } : {}),
    });
    const limits: StreamLimits = { ...defaultStreamLimits, ...options.limits };
    let hub: StreamHub | null = null;
    const faults = demo || options.allowFaults ? new StreamFaults(() => hub?.faultChanged()) : null;
    // Without faults enabled, a StreamFaults that nobody can set keeps the hub's code single-path.
    hub = new StreamHub({ config, upstreams, generations, faults: faults ?? new StreamFaults(() => {}), limits });
    const metrics = new MetricsCache(client, () => config.metricsIntervalMs);
    const startedAt = Date.now();
    let port = 0;

    const allowedHost = (request: IncomingMessage): boolean => {
      if (!loopbackHosts.has(host)) return true; // bound beyond loopback on purpose: any Host
      // Refusing foreign Host headers defeats DNS rebinding: a page on evil.example that
      // resolves to 127.0.0.1 still sends Host: evil.example.
      const hostHeader = request.headers.host ?? '';
      const name = hostHeader.replace(/:\d+$/, '');
      return loopbackHosts.has(name) && hostHeader.endsWith(`:${port}`);
    };
    const allowedOrigin = (request: IncomingMessage): boolean => {
      const origin = request.headers.origin;
      if (origin === undefined) return true; // not a browser (the Node engine, curl)
      if (options.allowedOrigins?.includes(origin)) return true;
      try {
        return new URL(origin).host === request.headers.host;
      } catch {
        return false;
      }
    };

    const handle = createRequestHandler({
      client,
      config,
      upstreams,
      generations,
      hub,
      metrics,
      faults,
      startedAt,
      describe: () => ({
        kube: { server: client.server, context: client.contextName, demo: demo !== null },
        config,
        limits,
      }),
    });
    const server = createServer((request, response) => {
      if (!allowedHost(request)) {
        response.writeHead(421, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ error: 'bad-host', reason: 'this backend answers to loopback host names only' }));
        return;
      }
      const origin = request.headers.origin;
      if (origin !== undefined && options.allowedOrigins?.includes(origin)) {
        // A UI dev server on another port (--allow-origin) may call the API from the browser.
        response.setHeader('Access-Control-Allow-Origin', origin);
        response.setHeader('Access-Control-Expose-Headers', 'ETag');
        response.setHeader('Vary', 'Origin');
        if (request.method === 'OPTIONS') {
          response.writeHead(204, {
            'Access-Control-Allow-Methods': 'GET, POST, DELETE',
            'Access-Control-Allow-Headers': 'If-None-Match, Content-Type',
            'Access-Control-Max-Age': '600',
          });
          response.end();
          return;
        }
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
      if (!allowedHost(request)) return refuse(421, 'Misdirected Request');
      if (!allowedOrigin(request)) return refuse(403, 'Forbidden');
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
    port = (server.address() as AddressInfo).port;
    const url = `http://${hostForUrl(host)}:${port}/`;
    let stopping: Promise<void> | null = null;
    return {
      url,
      port,
      host,
      config,
      kube: { server: client.server, context: client.contextName },
      demo,
      faults,
      limits,
      stop() {
        stopping ??= (async () => {
          hub!.close();
          wss.close();
          upstreams.dispose();
          client.close();
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
          await demo?.stop();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await demo?.stop();
    throw error;
  }
}
