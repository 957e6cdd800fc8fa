/**
 * The snapshot adapter fetches a domain's snapshot or metrics over HTTP with ETag /
 * If-None-Match, applies it to the store, and resolves with the summary the machines count.
 * A 304 is a successful poll that changed nothing. Every fetch takes the actor's abort signal,
 * so a scope change or a stop cancels it.
 *
 * A snapshot's ETag speaks for the store only while the store still holds what that answer put
 * there: once a frame has changed the rows (a stream from a cache that is behind, say), a 304
 * would confirm rows the API server never sent, so the next poll asks unconditionally.
 *
 * A poll costs what changed: a store the backend's cache or stream filled asks for the changes
 * `since` its generation, and the backend answers them from its ring, or the whole view when it
 * cannot (docs/protocol.md). The changes are checked against the count and digest they came
 * with; a store they leave different has drifted, and the same poll asks for the whole view.
 */
import type { Domain } from '../../machines/domains.js';
import type { DigestSum } from '../digest.js';
import type { FetchResult } from '../../machines/types.js';
import { isChangeArray, isStreamDomain, isUpstream, type ColumnDefinition, type MetricsBody, type Row, type SinceRefusal, type SnapshotBody, type SnapshotChangesBody } from '../protocol.js';
import { bodyText, readSnapshotLines } from './snapshotLines.js';
import { inSlices, type Pause } from './slices.js';
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

/** What the polls were answered with, for diagnostics and the bench. */
export interface PollCounters {
  /** Polls answered with the changes since the store's generation. */
  pollsWithChanges: number;
  /** Polls answered with the whole view (no `since` to ask from, or the backend could not answer it). */
  pollsWithWholeView: number;
  /** Changes that left the store different from the view they described (then the whole view was asked). */
  pollDrifts: number;
  /** Why the backend last answered a `since` with the whole view. */
  lastFullBecause: SinceRefusal | null;
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

function isChangesBody(body: unknown): body is SnapshotChangesBody {
  return typeof body === 'object' && body !== null && (body as { answer?: unknown }).answer === 'changes';
}

/** The generation to ask changes `since`: only a store the backend's cache or stream filled is where its ring starts. */
function sincePoint(store: RowStore, key: string): number | null {
  const held = store.summary(key);
  return held && held.generation >= 0 && held.source !== null && held.source !== 'api' ? held.generation : null;
}

/** A body that is not the JSON asked for (a proxy's page, lines not asked for) is the backend failing, said as such. */
async function jsonOf(response: { json(): Promise<unknown> }, domain: string, scope: string, url: string): Promise<unknown> {
  try {
    return await response.json();
  } catch (error) {
    throw new EngineHttpError(502, `the answer is not JSON: ${error instanceof Error ? error.message : String(error)}`, { domain, scope, url });
  }
}

/** One GET of the backend: its ETag to revalidate, a `since` for changes, how a whole snapshot's lines are shown as they arrive, and which fetch makes it. */
interface GetOptions {
  readonly etag: string | undefined;
  readonly signal: AbortSignal | undefined;
  readonly since?: number | null;
  readonly asLines?: (rows: readonly Row[], expected: number | null, columns: readonly ColumnDefinition[] | undefined, digest: Readonly<DigestSum>) => void;
  readonly fetching?: FetchLike;
}

/** `cluster`: the kubeconfig context every request names (`?cluster=`); absent, the backend's default. */
/**
 * `metricsFetch`: how metrics answers are fetched, when not with `fetch` (the dashboard reads them
 * in a Worker); `pause`: how a metrics answer's reading hands the thread back between slices (the
 * page's frames), none in Node.
 */
export function createSnapshotSource(options: { baseUrl: string; store: RowStore; fetch?: FetchLike; metricsFetch?: FetchLike; pause?: Pause; counters?: PollCounters; cluster?: string }): SnapshotSource {
  const counters: PollCounters = options.counters ?? { pollsWithChanges: 0, pollsWithWholeView: 0, pollDrifts: 0, lastFullBecause: null };
  const fetchImpl: FetchLike = options.fetch ?? (globalThis.fetch as unknown as FetchLike);
  const metricsFetchImpl: FetchLike = options.metricsFetch ?? fetchImpl;
  const base = options.baseUrl.replace(/\/+$/, '');
  /** Per metrics key: the last answer's ETag, and what it held, for a 304 to report. The store keeps samples for good. */
  const metricsTags = new Map<string, { tag: string; count: number; sampleTime: number | null }>();
  /** Per subscription: the last snapshot's ETag and the store version it left the rows at. */
  const snapshotTags = new Map<string, { tag: string; version: number }>();

  async function get(path: string, domain: string, scope: string, { etag, signal, since = null, asLines, fetching = fetchImpl }: GetOptions) {
    const cluster = options.cluster === undefined ? '' : `&cluster=${encodeURIComponent(options.cluster)}`;
    const url = `${base}${path}?scope=${encodeURIComponent(scope)}${cluster}${since === null ? '' : `&since=${since}`}`;
    // Whole snapshots are asked for as lines, so a cold view shows rows as they arrive (docs/protocol.md).
    const headers: Record<string, string> = { accept: asLines ? 'application/x-ndjson, application/json;q=0.9' : 'application/json' };
    if (etag) headers['if-none-match'] = etag;
    let response;
    try {
      response = await fetching(url, { headers, signal });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new EngineHttpError(0, `cannot reach the backend: ${error instanceof Error ? error.message : String(error)}`, { domain, scope, url });
    }
    if (response.status === 304) return { response, body: null as unknown };
    if (!response.ok) throw await errorFrom(response, domain, scope, url);
    const tag = response.headers.get('etag');
    const lines = asLines && (response.headers.get('content-type') ?? '').startsWith('application/x-ndjson');
    const body = lines ? await readSnapshotLines(bodyText(response), asLines, (status, reason) => new EngineHttpError(status, reason, { domain, scope, url })) : await jsonOf(response, domain, scope, url);
    return { response, body, tag };
  }

  /** Remembers the answer's ETag when the store now holds exactly the view it names, else forgets it. */
  function rememberTag(key: string, tag: string | null | undefined, holdsIt: boolean): void {
    if (tag && holdsIt) snapshotTags.set(key, { tag, version: options.store.version(key) });
    else snapshotTags.delete(key);
  }

  /** One poll: the changes since the store's generation where it can, else (or when they drift) the whole view. */
  async function poll(domain: Domain, scope: string, signal: AbortSignal | undefined, mayAskChanges: boolean): Promise<FetchResult> {
    const key = subscriptionKeyOf(domain, scope);
    const held = snapshotTags.get(key);
    const current = held !== undefined && options.store.collection(key)?.version === held.version;
    const since = mayAskChanges && isStreamDomain(domain) ? sincePoint(options.store, key) : null;
    // A view that shows nothing yet shows a whole snapshot's rows as they arrive, marked loading;
    // an answer of changes is small and comes as one JSON body.
    const showLoading = since === null ? (rows: readonly Row[], expected: number | null, columns: readonly ColumnDefinition[] | undefined, digest: Readonly<DigestSum>) => void options.store.showLoading(key, rows, expected, columns, digest) : undefined;
    try {
      return await applyAnswer(key, domain, scope, signal, await get(`/api/v1/snapshot/${domain}`, domain, scope, { etag: current ? held.tag : undefined, signal, since, asLines: showLoading }));
    } catch (error) {
      options.store.abandonLoading(key);
      throw error;
    }
  }

  async function applyAnswer(key: string, domain: Domain, scope: string, signal: AbortSignal | undefined, answer: { body: unknown; tag?: string | null }): Promise<FetchResult> {
    const { body, tag } = answer;
    if (body === null) {
      options.store.confirm(key);
      return { count: options.store.collection(key)?.rows.size ?? 0, changed: false };
    }
    if (signal?.aborted) throw new EngineHttpError(0, 'aborted', { domain, scope });
    if (isChangesBody(body)) {
      if (!isChangeArray(body.changes) || typeof body.generation !== 'number' || typeof body.since !== 'number' || typeof body.digest !== 'string' || typeof body.count !== 'number') {
        throw new EngineHttpError(502, 'changes body is malformed', { domain, scope });
      }
      const result = options.store.applyChanges(key, body);
      if (!result.agrees) {
        counters.pollDrifts++;
        snapshotTags.delete(key);
        return poll(domain, scope, signal, false);
      }
      counters.pollsWithChanges++;
      const summary = options.store.summary(key);
      rememberTag(key, tag, summary !== null && summary.generation === body.generation && summary.digest === body.digest);
      return { count: result.count, changed: result.applied, upstream: isUpstream(body.upstream) ? body.upstream : null };
    }
    const snapshot = body as SnapshotBody;
    if (!snapshot || !Array.isArray(snapshot.items) || typeof snapshot.generation !== 'number') {
      throw new EngineHttpError(502, 'snapshot body is malformed', { domain, scope });
    }
    counters.pollsWithWholeView++;
    if (snapshot.fullBecause !== undefined) counters.lastFullBecause = snapshot.fullBecause;
    const result = options.store.applySnapshot(key, snapshot);
    // The tag stands for the store only if the store now holds exactly this answer.
    const summary = options.store.summary(key);
    rememberTag(key, tag, result.applied || (summary !== null && summary.generation === snapshot.generation && (snapshot.digest === undefined || summary.digest === snapshot.digest)));
    // A report that is no report (a malformed `ended`, say) is as good as none.
    return { count: result.count, changed: result.applied, upstream: isUpstream(snapshot.upstream) ? snapshot.upstream : null };
  }

  return {
    async fetchSnapshot(domain, scope, signal) {
      return poll(domain, scope, signal, true);
    },

    async fetchMetrics(domain, scope, signal) {
      const key = subscriptionKeyOf(domain, scope);
      const held = metricsTags.get(key);
      const { body, tag } = await get(`/api/v1/metrics/${domain}`, domain, scope, { etag: held?.tag, signal, fetching: metricsFetchImpl });
      // 304: the same samples as the last answer, which the store holds.
      if (body === null) return { count: held?.count ?? 0, changed: false, sampleTime: held?.sampleTime ?? null };
      const metrics = body as MetricsBody;
      if (!metrics || !Array.isArray(metrics.items)) throw new EngineHttpError(502, 'metrics body is malformed', { domain, scope });
      const kind: MetricsKind = domain === 'node-metrics' ? 'node' : 'pod';
      // Read in slices, then shown at once (RowStore.stageMetrics).
      const staged = options.store.stageMetrics(kind);
      await inSlices(metrics.items.length, (from, to) => staged.read(metrics.items, from, to), options.pause);
      const result = staged.commit();
      if (tag) metricsTags.set(key, { tag, count: result.count, sampleTime: result.newestSampleTime });
      else metricsTags.delete(key);
      return { count: result.count, changed: result.changed > 0, sampleTime: result.newestSampleTime };
    },
  };
}
