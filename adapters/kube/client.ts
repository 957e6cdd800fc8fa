/**
 * KubeClient speaks to one API server with the TLS and credentials of a kubeconfig context, using
 * `@kubernetes/client-node`'s KubeConfig for everything about authentication and plain Node
 * http(s) for the requests themselves, so watches can carry `allowWatchBookmarks` and
 * `timeoutSeconds`, stream line by line, and be aborted by us, never by a library timer.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

/** An API server's refusal or a transport failure, with where it happened. */
export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly method: string,
    readonly path: string,
    /** The Kubernetes Status `reason` (`Expired`, `Forbidden`, `NotFound`, ...) when the server sent one. */
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export interface KubeconfigSource {
  /** Path to a kubeconfig file; otherwise KUBECONFIG, then ~/.kube/config. */
  readonly kubeconfigPath?: string;
  /** A kubeconfig as YAML text (e.g. the demo cluster's). */
  readonly kubeconfigYaml?: string;
  readonly context?: string;
}

export function loadKubeConfig(source: KubeconfigSource): KubeConfig {
  const kc = new KubeConfig();
  if (source.kubeconfigYaml !== undefined) kc.loadFromString(source.kubeconfigYaml);
  else if (source.kubeconfigPath !== undefined) kc.loadFromFile(source.kubeconfigPath);
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

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  readonly query?: Query;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  /** Refuse responses larger than this (bytes): a list page or an object, not a runaway stream. */
  readonly maxBytes?: number;
}

/** A streaming response: the caller reads lines until it ends or aborts it. */
export interface LineStream {
  readonly status: number;
  /** Called once per complete line; `end` once, with an error for a broken transport. */
  read(onLine: (line: string) => void, onEnd: (error?: Error) => void): void;
  abort(): void;
}

const defaultMaxBytes = 256 * 1024 * 1024;

export class KubeClient {
  readonly server: string;
  readonly contextName: string;
  /** One keep-alive agent for the context's TLS material, so list pages and polls reuse connections. */
  private agent: https.Agent | null = null;
  private agentMaterial = '';

  constructor(private readonly kc: KubeConfig) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = cluster.server.replace(/\/+$/, '');
    this.contextName = kc.getCurrentContext();
  }

  /** Sends a request and parses the JSON answer; non-2xx becomes a KubeApiError with the server's message. */
  async requestJson<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(method, path, options);
    const text = await readBody(response, options.maxBytes ?? defaultMaxBytes, method, path);
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) throw errorFromBody(status, text, method, path);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new KubeApiError(`${method} ${path}: response is not JSON`, status, method, path);
    }
  }

  /** Sends a request and returns the raw text answer (pod logs). */
  async requestText(path: string, options: RequestOptions = {}): Promise<string> {
    const response = await this.send('GET', path, options);
    const text = await readBody(response, options.maxBytes ?? defaultMaxBytes, 'GET', path);
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) throw errorFromBody(status, text, 'GET', path);
    return text;
  }

  /**
   * Opens a long-lived GET (a watch, a log follow). A non-2xx answer is read and thrown as a
   * KubeApiError; a 2xx answer is handed back for line-by-line reading.
   */
  async openStream(path: string, options: RequestOptions = {}): Promise<LineStream> {
    const controller = new AbortController();
    const signals = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    const response = await this.send('GET', path, { ...options, signal: signals });
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      const text = await readBody(response, 1024 * 1024, 'GET', path);
      throw errorFromBody(status, text, 'GET', path);
    }
    return {
      status,
      abort: () => {
        controller.abort();
        response.destroy();
      },
      read(onLine, onEnd) {
        let ended = false;
        const end = (error?: Error) => {
          if (ended) return;
          ended = true;
          onEnd(error);
        };
        let partial = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          partial += chunk;
          let newline = partial.indexOf('\n');
          while (newline !== -1) {
            const line = partial.slice(0, newline);
            partial = partial.slice(newline + 1);
            if (line.length > 0) onLine(line);
            if (ended) return;
            newline = partial.indexOf('\n');
          }
        });
        response.on('end', () => {
          if (partial.length > 0 && !ended) onLine(partial);
          end();
        });
        response.on('error', (error) => end(error));
        response.on('close', () => end(response.complete ? undefined : new Error('connection closed before the response ended')));
      },
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
        Accept: 'application/json',
        ...(body !== undefined ? { 'Content-Type': options.contentType ?? 'application/json' } : {}),
      },
    };
    // Adds the CA, client certificate, bearer token or exec credential of the current context.
    await this.kc.applyToHTTPSOptions(requestOptions);
    const transport = url.protocol === 'http:' ? http : https;
    if (transport === http) delete requestOptions.agent; // the agent it built speaks TLS only
    else requestOptions.agent = this.sharedAgent(requestOptions);
    return new Promise((resolve, reject) => {
      const request = transport.request(url, { ...requestOptions, ...(options.signal ? { signal: options.signal } : {}) }, resolve);
      request.on('error', (error) => reject(new KubeApiError(`${method} ${url.pathname}: ${error.message}`, undefined, method, path)));
      if (body !== undefined) request.write(body);
      request.end();
    });
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

function readBody(response: http.IncomingMessage, maxBytes: number, method: string, path: string): Promise<string> {
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
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', (error) => reject(new KubeApiError(`${method} ${path}: ${error.message}`, response.statusCode, method, path)));
  });
}

/** Turns a Kubernetes Status body (or any text) into a KubeApiError carrying its code and reason. */
function errorFromBody(status: number, text: string, method: string, path: string): KubeApiError {
  let message = text.slice(0, 300) || http.STATUS_CODES[status] || 'error';
  let reason: string | undefined;
  try {
    const parsed = JSON.parse(text) as { message?: unknown; reason?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
    if (typeof parsed.reason === 'string') reason = parsed.reason;
  } catch {
    // not a Status object: keep the text
  }
  return new KubeApiError(`${method} ${path}: ${status} ${message}`, status, method, path, reason);
}
