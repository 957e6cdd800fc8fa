/**
 * The snapshot adapter fetches a domain's snapshot or metrics over HTTP with ETag /
 * If-None-Match, applies it to the store, and resolves with the summary the machines count.
 * A 304 is a successful poll that changed nothing. Every fetch takes the actor's abort signal,
 * so a scope change or a stop cancels it.
 *
 * A snapshot's ETag speaks for the store only while the store still holds what that answer put
 * there: once a frame has changed the rows (a stream from a cache that is behind, say), a 304
 * would confirm rows the API server never sent, so the next poll asks unconditionally.
 */
import type { Domain } from '../../machines/domains.js';
import type { FetchResult, UpstreamReport } from '../../machines/types.js';
import type { MetricsBody, SnapshotBody } from '../protocol.js';
import { bodyText, readSnapshotLines } from './snapshotLines.js';
import type { Row } from '../protocol.js';
import type { MetricsKind, RowStore } from './store.js';

/** One error type for every failed request, carrying what is known about it. */
export class EngineHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly context: { domain?: string; scope?: string; url?: string } = {},
    /** The backend's error code (`metrics-unavailable`, `forbidden`, ...) when it sent one. */
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'EngineHttpError';
  }
}

export type FetchLike = (url: string, init?: { headers?: Record<string, string>; signal?: AbortSignal; method?: string }) => Promise<{
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  json(): Promise<unknown>;
  text(): Promise<string>;
  /** The body as it arrives (a snapshot sent as lines is read from it); absent from fakes that lack it. */
  readonly body?: ReadableStream<Uint8Array> | null;
}>;

export interface SnapshotSource {
  fetchSnapshot(domain: Domain, scope: string, signal?: AbortSignal): Promise<FetchResult>;
  fetchMetrics(domain: Domain, scope: string, signal?: AbortSignal): Promise<FetchResult & { sampleTime: number | null }>;
}

export function subscriptionKeyOf(domain: Domain, scope: string): string {
  return `${domain}:${scope}`;
}

async function errorFrom(response: Awaited<ReturnType<FetchLike>>, domain: string, scope: string, url: string): Promise<EngineHttpError> {
  let reason = `HTTP ${response.status}`;
  let code: string | null = null;
  try {
    const body = (await response.json()) as { reason?: unknown; error?: unknown };
    if (typeof body.error === 'string') code = body.error;
    if (typeof body.reason === 'string') reason = body.reason;
    else if (typeof body.error === 'string') reason = body.error;
  } catch {
    // not JSON: keep the status line
  }
  return new EngineHttpError(response.status, reason, { domain, scope, url }, code);
}

export function createSnapshotSource(options: { baseUrl: string; store: RowStore; fetch?: FetchLike }): SnapshotSource {
  const fetchImpl: FetchLike = options.fetch ?? (globalThis.fetch as unknown as FetchLike);
  const base = options.baseUrl.replace(/\/+$/, '');
  const metricsTags = new Map<string, string>();
  /** Per subscription: the last snapshot's ETag and the store version it left the rows at. */
  const snapshotTags = new Map<string, { tag: string; version: number }>();

  async function get(path: string, domain: string, scope: string, etag: string | undefined, signal?: AbortSignal, asLines?: (rows: readonly Row[], expected: number | null) => void) {
    const url = `${base}${path}?scope=${encodeURIComponent(scope)}`;
    // Snapshots are asked for as lines, so a cold view shows rows as they arrive (docs/protocol.md).
    const headers: Record<string, string> = { accept: asLines ? 'application/x-ndjson, application/json;q=0.9' : 'application/json' };
    if (etag) headers['if-none-match'] = etag;
    let response;
    try {
      response = await fetchImpl(url, { headers, signal });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new EngineHttpError(0, `cannot reach the backend: ${error instanceof Error ? error.message : String(error)}`, { domain, scope, url });
    }
    if (response.status === 304) return { response, body: null as unknown };
    if (!response.ok) throw await errorFrom(response, domain, scope, url);
    const tag = response.headers.get('etag');
    const lines = asLines && (response.headers.get('content-type') ?? '').startsWith('application/x-ndjson');
    const body = lines ? await readSnapshotLines(bodyText(response), asLines, (status, reason) => new EngineHttpError(status, reason, { domain, scope, url })) : await response.json();
    return { response, body, tag };
  }

  return {
    async fetchSnapshot(domain, scope, signal) {
      const key = subscriptionKeyOf(domain, scope);
      const held = snapshotTags.get(key);
      const current = held !== undefined && options.store.collection(key)?.version === held.version;
      // A view that shows nothing yet shows the rows as they arrive, marked loading.
      const showLoading = (rows: readonly Row[], expected: number | null) => void options.store.showLoading(key, rows, expected);
      let body: unknown;
      let tag: string | null | undefined;
      try {
        ({ body, tag } = await get(`/api/v1/snapshot/${domain}`, domain, scope, current ? held.tag : undefined, signal, showLoading));
      } catch (error) {
        options.store.abandonLoading(key);
        throw error;
      }
      if (body === null) {
        options.store.confirm(key);
        return { count: options.store.collection(key)?.rows.size ?? 0, changed: false };
      }
      const snapshot = body as SnapshotBody;
      if (!snapshot || !Array.isArray(snapshot.items) || typeof snapshot.generation !== 'number') {
        options.store.abandonLoading(key);
        throw new EngineHttpError(502, 'snapshot body is malformed', { domain, scope });
      }
      if (signal?.aborted) {
        options.store.abandonLoading(key);
        throw new EngineHttpError(0, 'aborted', { domain, scope });
      }
      const result = options.store.applySnapshot(key, snapshot);
      // The tag stands for the store only if the store now holds exactly this answer.
      const summary = options.store.summary(key);
      const holdsIt = result.applied || (summary !== null && summary.generation === snapshot.generation && (snapshot.digest === undefined || summary.digest === snapshot.digest));
      if (tag && holdsIt) snapshotTags.set(key, { tag, version: options.store.version(key) });
      else snapshotTags.delete(key);
      return { count: result.count, changed: result.applied, upstream: (snapshot.upstream as UpstreamReport) ?? null };
    },

    async fetchMetrics(domain, scope, signal) {
      const key = subscriptionKeyOf(domain, scope);
      const etag = options.store.collection(key) ? metricsTags.get(key) : undefined;
      const { body, tag } = await get(`/api/v1/metrics/${domain}`, domain, scope, etag, signal);
      if (body === null) return { count: 0, changed: false, sampleTime: null };
      if (tag) metricsTags.set(key, tag);
      const metrics = body as MetricsBody;
      if (!metrics || !Array.isArray(metrics.items)) throw new EngineHttpError(502, 'metrics body is malformed', { domain, scope });
      const kind: MetricsKind = domain === 'node-metrics' ? 'node' : 'pod';
      const result = options.store.applyMetrics(kind, metrics.items);
      return { count: result.count, changed: result.changed > 0, sampleTime: result.newestSampleTime };
    },
  };
}
