/**
 * RequestPolicy decides, before any route runs, whether a request may reach the backend at all:
 * the Host it names (DNS rebinding), the peer's token (when bound beyond loopback), where a
 * browser says it comes from (Origin, Sec-Fetch-Site) and, for anything that changes something,
 * that its body is JSON. docs/security.md explains each rule and the attack it stops.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';

export interface PolicyOptions {
  /** The address the backend is bound to. */
  readonly bindHost: string;
  /** Required from every non-loopback peer; null while bound to loopback only. */
  readonly token: string | null;
  /** Host names (besides loopback names and IP literals) requests may name, e.g. the machine's DNS name. */
  readonly allowedHosts: readonly string[];
  /** Origins (besides the backend's own) whose pages may call the API, e.g. a UI dev server. */
  readonly allowedOrigins: readonly string[];
}

export interface Refusal {
  readonly status: number;
  readonly code: string;
  readonly reason: string;
}

/** Counters for diagnostics: how often each rule refused a request. */
export interface RefusalCounts {
  badHost: number;
  unauthenticated: number;
  badOrigin: number;
  crossSite: number;
  badContentType: number;
}

export const tokenCookie = 'kubelive_token';

const loopbackNames = new Set(['localhost', 'localhost.']);

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback: addresses only this machine can connect from. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const bare = address.replace(/^\[|\]$/g, '').replace(/^::ffff:/i, '');
  if (bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

/** Whether binding `host` keeps the backend reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  return loopbackNames.has(host.toLowerCase()) || isLoopbackAddress(host);
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A state-changing request: anything a page could use to act with the user's cluster credentials. */
export function isMutating(method: string | undefined): boolean {
  return !safeMethods.has(method ?? 'GET');
}

function mediaType(request: IncomingMessage): string {
  return (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** `example.com:7654` → {name: 'example.com', port: 7654}; `[::1]:80` → {name: '::1', port: 80}. */
function parseHostHeader(header: string): { name: string; port: number } | null {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(header);
  if (!match) return null;
  return { name: match[1]!.replace(/^\[|\]$/g, '').toLowerCase(), port: match[2] === undefined ? 80 : Number(match[2]) };
}

function cookieValue(request: IncomingMessage, name: string): string | null {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

export class RequestPolicy {
  readonly refused: RefusalCounts = { badHost: 0, unauthenticated: 0, badOrigin: 0, crossSite: 0, badContentType: 0 };
  private port = 0;
  private readonly allowedHosts: ReadonlySet<string>;

  constructor(private readonly options: PolicyOptions) {
    this.allowedHosts = new Set([options.bindHost, ...options.allowedHosts].map((h) => h.replace(/^\[|\]$/g, '').toLowerCase()));
  }

  /** The port the server listens on, once known: a Host header must name it. */
  listeningOn(port: number): void {
    this.port = port;
  }

  /**
   * A page on evil.example whose name was made to resolve to this machine (DNS rebinding) still
   * sends `Host: evil.example`, so only names that cannot be rebound are accepted: loopback
   * names, IP literals, the bind address, and names given with --allow-host.
   */
  hostAllowed(request: IncomingMessage): boolean {
    const parsed = parseHostHeader(request.headers.host ?? '');
    if (!parsed || parsed.port !== this.port) return false;
    return loopbackNames.has(parsed.name) || isIP(parsed.name) !== 0 || this.allowedHosts.has(parsed.name);
  }

  /** Loopback peers are trusted as the user; everyone else must show the token. */
  authenticated(request: IncomingMessage): boolean {
    if (isLoopbackAddress(request.socket.remoteAddress)) return true;
    const expected = this.options.token;
    if (expected === null) return false;
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const offered = bearer ?? cookieValue(request, tokenCookie);
    return offered !== null && offered !== undefined && sameSecret(offered, expected);
  }

  /** The browser's Origin is absent (not a browser, or a same-origin GET), ours, or one allowed by flag. */
  originAllowed(request: IncomingMessage): boolean {
    const origin = request.headers.origin;
    if (origin === undefined) return true;
    if (this.options.allowedOrigins.includes(origin)) return true;
    if (origin === 'null') return false; // sandboxed frames, data: URLs, file: pages
    try {
      const url = new URL(origin);
      return url.protocol === 'http:' && url.host === request.headers.host;
    } catch {
      return false;
    }
  }

  /** An Origin given with --allow-origin: its pages get CORS answers. */
  corsOrigin(request: IncomingMessage): string | null {
    const origin = request.headers.origin;
    return origin !== undefined && this.options.allowedOrigins.includes(origin) ? origin : null;
  }

  /**
   * Everything except the route itself: null when the request may go on, else why not. Counted
   * in `refused`.
   */
  check(request: IncomingMessage, path: string): Refusal | null {
    const refusal = this.refusal(request, path);
    if (refusal) this.refused[refusal.counter]++;
    return refusal;
  }

  private refusal(request: IncomingMessage, path: string): (Refusal & { counter: keyof RefusalCounts }) | null {
    if (!this.hostAllowed(request)) {
      return { counter: 'badHost', status: 421, code: 'bad-host', reason: 'this backend answers only to its own host names (loopback, IP literals, --allow-host)' };
    }
    // The kubelet's probes come from the node's address and cannot carry the token; /healthz
    // tells them that the process answers, and nothing about the cluster.
    const probe = path === '/healthz' && (request.method === 'GET' || request.method === 'HEAD');
    if (!probe && !this.authenticated(request)) {
      return { counter: 'unauthenticated', status: 401, code: 'unauthenticated', reason: 'open the URL with the token kubelive printed, or send Authorization: Bearer <token>' };
    }
    const fromAllowedOrigin = this.corsOrigin(request) !== null;
    const site = request.headers['sec-fetch-site'];
    // Chromium and Firefox say where a request comes from. Another port on the same machine is
    // "same-site", so only our own origin (or the user typing the URL: "none") passes.
    const crossSite = (site === 'cross-site' || site === 'same-site') && !fromAllowedOrigin;
    const api = path.startsWith('/api/') || path.startsWith('/_debug/');
    if (crossSite && (api || isMutating(request.method))) {
      return { counter: 'crossSite', status: 403, code: 'cross-site', reason: 'requests from other sites are refused (Sec-Fetch-Site)' };
    }
    if (!isMutating(request.method)) return null;
    if (request.method === 'OPTIONS') return null;
    if (!this.originAllowed(request)) {
      return { counter: 'badOrigin', status: 403, code: 'bad-origin', reason: `changes are accepted from the dashboard's own page only, not from origin ${request.headers.origin}` };
    }
    // A form, a no-cors fetch or a beacon cannot send application/json without a preflight,
    // and a preflight from a foreign origin is refused.
    if ((request.method === 'POST' || hasBody(request)) && mediaType(request) !== 'application/json') {
      return { counter: 'badContentType', status: 415, code: 'unsupported-media-type', reason: 'requests that change something must send Content-Type: application/json' };
    }
    return null;
  }

  /**
   * `GET /?token=T` from the one-time URL: checks T, sets it as an HttpOnly SameSite=Strict
   * cookie and redirects to the same path without it, so the token leaves the address bar and
   * history. Answers whether it handled the request.
   */
  tokenLogin(request: IncomingMessage, response: ServerResponse, url: URL): boolean {
    const offered = url.searchParams.get('token');
    if (offered === null || request.method !== 'GET' || this.options.token === null) return false;
    if (!sameSecret(offered, this.options.token)) return false;
    url.searchParams.delete('token');
    const query = url.searchParams.toString();
    response.writeHead(303, {
      Location: `${url.pathname}${query ? `?${query}` : ''}`,
      'Set-Cookie': `${tokenCookie}=${this.options.token}; HttpOnly; SameSite=Strict; Path=/`,
      'Cache-Control': 'no-store',
    });
    response.end();
    return true;
  }
}

function sameSecret(offered: string, expected: string): boolean {
  const a = Buffer.from(offered);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The preflight answer: CORS headers for an allowed origin only. */
export function corsHeaders(origin: string): Record<string, string> {
  return { 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': 'ETag', Vary: 'Origin' };
}

/** Where `?inspect` opens the Stately inspector (ui/lib/inspector.ts). */
export const inspectorOrigin = 'https://stately.ai';

/**
 * Headers on every response. The page loads only its own scripts, styles and connections
 * (`'self'` covers the WebSocket to the same host and port in CSP 3), can be framed by no one
 * (clickjacking Cordon) and sends no Referer. `?inspect` opens stately.ai in a new window and
 * talks to it with postMessage, which CSP does not govern; before opening it, the page asks
 * whether stately.ai answers at all (so an unreachable inspector is said, not opened dead), and
 * only a page loaded with `?inspect` may connect there (`inspecting`).
 */
export function securityHeaders(options: { inspecting?: boolean } = {}): Record<string, string> {
  const connect = options.inspecting ? `'self' ${inspectorOrigin}` : "'self'";
  return {
    'Content-Security-Policy': `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src ${connect}; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    // <img>, <script> and no-cors fetches from other sites get nothing they can read.
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}
