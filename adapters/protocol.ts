/**
 * The wire protocol between the backend and the engine: HTTP snapshot bodies and the frames of
 * the one multiplexed WebSocket stream (`GET /api/v1/stream`). docs/protocol.md explains every
 * frame with examples; this file is the source of truth for their shapes and the validation of
 * what arrives.
 *
 * Ordering: every frame of a subscription carries `seq`, one more than the previous frame of
 * that subscription (error frames stand outside the sequence). Every snapshot and every frame
 * carries `generation`, the backend's monotonic counter for the data behind a domain and scope:
 * a snapshot whose generation is below what the store already applied is stale.
 */
import { domainSpec, isDomain, scopeProblem, type Domain } from '../machines/domains.js';
import type { UpstreamReport } from '../machines/types.js';
import { isStreamDomain, type ColumnDefinition, type MetricsRow, type Row, type RowDomain, type StreamDomain } from './rows.js';

export type { PartialViewReport, UpstreamReport } from '../machines/types.js';
export * from './rows.js';

/** A change inside an `update` frame. Changes to one uid inside a batch are coalesced to the last. */
export type RowChange<R extends Row = Row> =
  | { readonly op: 'upsert'; readonly row: R }
  | { readonly op: 'delete'; readonly uid: string };

/** `GET /api/v1/snapshot/:domain?scope=` body, for every domain with rows (`:domain` may hold slashes: `core/v1/configmaps`). */
export interface SnapshotBody<R extends Row = Row> {
  /** The cluster (kubeconfig context) the rows are of. */
  readonly cluster?: string;
  readonly domain: RowDomain;
  readonly scope: string;
  readonly resourceVersion: string;
  readonly generation: number;
  readonly generatedAt: string;
  readonly items: readonly R[];
  readonly count: number;
  readonly digest: string;
  readonly upstream: UpstreamReport;
  /** `cache`: from the backend's healthy list-watch. `api`: read fresh from the API server because the cache was not healthy. */
  readonly source: 'cache' | 'api';
  /** Resource domains only: the columns the API server prints, in the order of each row's `cells`. */
  readonly columns?: readonly ColumnDefinition[];
  /** Asked with `since`: why the whole view is the answer instead of its changes. */
  readonly fullBecause?: SinceRefusal;
}

/**
 * Why a poll that asked for the changes `since` a generation got the whole view: the ring no
 * longer reaches back that far (`ring-passed`), the generation is not one this backend gave
 * (`unknown-generation`: from the future, or from another process), the cache is not healthy
 * and the rows were read from the API server (`fresh-read`), or the changes outnumber the rows
 * (`cheaper-whole`).
 */
export type SinceRefusal = 'ring-passed' | 'unknown-generation' | 'fresh-read' | 'cheaper-whole';

/**
 * `GET /api/v1/snapshot/:domain?scope=S&since=G` answered from the backend's change ring: the
 * last change of every row changed after generation G, and the view's state after them, so the
 * client can check that applying them left it holding exactly that view.
 */
export interface SnapshotChangesBody<R extends Row = Row> {
  readonly answer: 'changes';
  /** The cluster (kubeconfig context) the changes are of. */
  readonly cluster?: string;
  readonly domain: RowDomain;
  readonly scope: string;
  readonly since: number;
  readonly changes: readonly RowChange<R>[];
  readonly resourceVersion: string;
  readonly generation: number;
  readonly generatedAt: string;
  readonly count: number;
  readonly digest: string;
  readonly upstream: UpstreamReport;
  readonly source: 'cache';
  readonly columns?: readonly ColumnDefinition[];
}

/**
 * `GET /api/v1/snapshot/...` with `Accept: application/x-ndjson`: the snapshot as lines, so rows
 * can be shown as they arrive (docs/protocol.md, "Snapshots as lines"). One `head`, then `rows`
 * lines, then one `trail` (or an `error` line: the snapshot failed after it began).
 */
export type SnapshotLine =
  | {
      readonly type: 'head';
      readonly domain: RowDomain;
      readonly scope: string;
      readonly generatedAt: string;
      readonly upstream: UpstreamReport;
      readonly source: 'cache' | 'api';
      /** How many rows will follow, when known (not while the backend's first list still runs). */
      readonly expected: number | null;
      readonly columns?: readonly ColumnDefinition[];
    }
  | { readonly type: 'rows'; readonly items: readonly Row[] }
  | {
      readonly type: 'trail';
      readonly count: number;
      readonly digest: string;
      readonly generation: number;
      readonly resourceVersion: string;
      /**
       * A cold view's rows are the first list its cache lands: `resumeFrom` (seq 0) or `since`
       * this generation is answered with what changed after, as from a snapshot of the cache.
       */
      readonly resumable?: true;
    }
  | { readonly type: 'error'; readonly error: string; readonly reason: string };

/**
 * The code a backend names an API server's failure by, from its status: a refusal (403) and a
 * missing kind or object (404) keep their meaning, anything else is the upstream's failure.
 */
export function apiFailureCode(status: number | null | undefined): 'forbidden' | 'not-found' | 'upstream-error' {
  return status === 403 ? 'forbidden' : status === 404 ? 'not-found' : 'upstream-error';
}

/** Longest line of a snapshot a client accepts: a rows line is at most 1,000 rows. */
export const maxSnapshotLineChars = 16 * 1024 * 1024;

/** `GET /api/v1/metrics/:domain?scope=` body (also served as the snapshot of `node-metrics` / `pod-metrics`). */
export interface MetricsBody {
  /** The cluster (kubeconfig context) the samples are of. */
  readonly cluster?: string;
  readonly domain: 'node-metrics' | 'pod-metrics';
  readonly scope: string;
  readonly generatedAt: string;
  /** When the backend fetched these samples from metrics.k8s.io (they are cached for the metrics interval). */
  readonly fetchedAt: string;
  readonly items: readonly MetricsRow[];
  readonly count: number;
}

/** One kind's count in `GET /api/v1/counts`. */
export interface CountItem {
  /** A resource domain (`core/v1/configmaps`) or `helm-releases`. */
  readonly domain: string;
  /** Null when it could not be counted (`reason` says why: `forbidden`, the server did not say, an error). */
  readonly count: number | null;
  /** `cache`: exact, from a list-watch the backend runs anyway. `list`: from a `limit=1` list, at most ~30 s old. */
  readonly source: 'cache' | 'list' | null;
  readonly reason: string | null;
  /** False for a cluster-wide kind: its count is the cluster's whatever the scope. */
  readonly namespaced: boolean;
  /**
   * Set when the count is of these namespaces only: the user may not list the kind cluster-wide,
   * and these are the namespaces its partial views cover where it may (docs/permissions.md).
   */
  readonly namespaces?: readonly string[];
}

/** `GET /api/v1/counts?scope=` body: a count for every kind the sidebar lists. */
export interface CountsBody {
  /** The cluster (kubeconfig context) counted. */
  readonly cluster?: string;
  readonly scope: string;
  readonly generatedAt: string;
  readonly items: readonly CountItem[];
}

/** `POST /api/v1/secret-key` body: one key of one Secret, asked for by the user. */
export interface SecretKeyBody {
  readonly namespace: string;
  readonly name: string;
  readonly key: string;
  /** `utf8` when the value is valid UTF-8, else `base64`. */
  readonly encoding: 'utf8' | 'base64';
  readonly value: string;
  /** The value's length in bytes. */
  readonly bytes: number;
}

/** `GET /api/v1/identity` body: which cluster the dashboard is on and as whom it acts (the header). */
export interface IdentityBody {
  /** The kubeconfig context, or `in-cluster` for a pod's service account. */
  readonly context: string;
  /** The kubeconfig's names for the context's cluster and user entries. */
  readonly clusterEntry: string;
  readonly userEntry: string;
  /** The API server's URL. */
  readonly server: string;
  /** The user as the API server names it (SelfSubjectReview); null when it cannot say (before 1.28). */
  readonly user: { readonly username: string; readonly groups: readonly string[] } | null;
  readonly inCluster: boolean;
  /** The embedded demo cluster. */
  readonly demo: boolean;
}

// ---- clusters (issue 13) ---------------------------------------------------------------------

/**
 * A cluster is a kubeconfig context, named by the context's name. Every HTTP route under
 * `/api/v1/` except `/api/v1/clusters` takes `?cluster=NAME` (absent: the backend's default
 * cluster, the `--context` it was started with or the kubeconfig's current context); an unknown
 * name answers 404 `unknown-cluster`. A subscribe frame names its cluster in `cluster` (absent:
 * the default). The backend keeps one set of list-watches, one discovery and one permissions
 * check per cluster in use; a cluster's failures reach only its own views.
 */
export interface ClusterSummary {
  /** The kubeconfig context's name (`in-cluster` for a pod's service account). */
  readonly name: string;
  readonly clusterEntry: string;
  readonly userEntry: string;
  /** The API server's URL. */
  readonly server: string;
  /** The context's namespace, if it names one. */
  readonly namespace: string | null;
  /** The cluster requests without `?cluster=` go to. */
  readonly default: boolean;
  /** True while at least one view (subscription, or a snapshot within the idle grace) uses it. */
  readonly inUse: boolean;
  /**
   * `healthy`: in use and every upstream of its views healthy. `degraded`: in use, some upstream
   * not healthy (`reason` names the first). `unreachable`: its API server did not answer the last
   * request or probe. `idle`: not in use, and the last probe (at most every 30 s, on a request
   * for this list) reached it. `unknown`: not in use and never probed.
   */
  readonly health: 'healthy' | 'degraded' | 'unreachable' | 'idle' | 'unknown';
  readonly reason: string | null;
  /** Subscriptions on this cluster, over all connections. */
  readonly subscriptions: number;
}

/** `GET /api/v1/clusters` body: every context of the kubeconfig, each with its health. */
export interface ClustersBody {
  readonly default: string;
  readonly generatedAt: string;
  readonly clusters: readonly ClusterSummary[];
}

/** Where a resumed subscription picks up: the last frame it applied and the generation that left its store at. */
export interface ResumePoint {
  readonly seq: number;
  readonly generation: number;
}

// ---- client → server -------------------------------------------------------------------------

export interface SubscribeFrame {
  readonly type: 'subscribe';
  readonly id: string;
  /** A kubeconfig context the backend knows (`GET /api/v1/clusters`); absent: the default cluster. */
  readonly cluster?: string;
  readonly domain: StreamDomain;
  readonly scope: string;
  readonly resumeFrom?: ResumePoint;
}

export interface UnsubscribeFrame {
  readonly type: 'unsubscribe';
  readonly id: string;
}

export interface ResyncFrame {
  readonly type: 'resync';
  readonly id: string;
}

export type ClientFrame = SubscribeFrame | UnsubscribeFrame | ResyncFrame;

// ---- server → client -------------------------------------------------------------------------

interface SequencedFrame {
  readonly id: string;
  readonly seq: number;
  readonly generation: number;
  /** The subscription's cluster, on `reset`, `heartbeat` and `status` frames (never on `update`: it cannot change). */
  readonly cluster?: string;
}

/** The whole state of a subscription: replaces whatever the client held for it. */
export interface ResetFrame<R extends Row = Row> extends SequencedFrame {
  readonly type: 'reset';
  readonly resourceVersion: string;
  readonly items: readonly R[];
  readonly count: number;
  readonly digest: string;
  readonly upstream: UpstreamReport;
  /** Resource domains only: the columns of the rows' `cells` (they change only with a reset). */
  readonly columns?: readonly ColumnDefinition[];
  /**
   * A reset sent in pieces: how many frames carry its rows, this one included (at least 2). This
   * frame has the first rows; `reset-piece` frames numbered 1 to `pieces - 1` follow with the
   * rest. `count` and `digest` are the whole reset's. Absent: every row is in `items`.
   */
  readonly pieces?: number;
}

/**
 * More rows of a reset sent in pieces. Outside the `seq` sequence: it carries its reset's `seq`,
 * and nothing of that subscription comes between the reset and its last piece.
 */
export interface ResetPieceFrame<R extends Row = Row> {
  readonly type: 'reset-piece';
  readonly id: string;
  /** The seq of the reset these rows belong to. */
  readonly seq: number;
  /** 1 for the first continuation, up to the reset's `pieces - 1`, which completes it. */
  readonly piece: number;
  readonly items: readonly R[];
}

/** Changes since the previous frame, coalesced over `updateBatchMs`. */
export interface UpdateFrame<R extends Row = Row> extends SequencedFrame {
  readonly type: 'update';
  readonly resourceVersion: string;
  readonly changes: readonly RowChange<R>[];
}

/**
 * Every `heartbeatIntervalMs`: the backend's state for the subscription after every earlier
 * frame. The client's store, having applied every frame up to this `seq`, must have the same
 * `resourceVersion`, `count` and `digest`; otherwise it has drifted.
 */
export interface HeartbeatFrame extends SequencedFrame {
  readonly type: 'heartbeat';
  readonly resourceVersion: string;
  readonly count: number;
  readonly digest: string;
  readonly upstream: UpstreamReport;
}

/** The backend's upstream list-watch for this subscription changed state (e.g. it stalled, or got 403). */
export interface StatusFrame extends SequencedFrame {
  readonly type: 'status';
  readonly upstream: UpstreamReport;
}

export type ErrorCode =
  | 'malformed-frame'
  | 'frame-too-large'
  | 'unknown-domain'
  /** The subscribe frame names a cluster (kubeconfig context) the backend does not know. Fatal. */
  | 'unknown-cluster'
  | 'bad-scope'
  | 'not-streamable'
  | 'duplicate-id'
  | 'unknown-id'
  | 'too-many-subscriptions'
  /** The backend follows as many pod logs as it will, for all clients together, and each has a user. */
  | 'too-many-upstreams'
  | 'upstream-failed'
  /** A bug in the backend, confined to this frame. */
  | 'internal-error';

/**
 * Something the backend refuses or could not do. Outside the `seq` sequence. `fatal: true` means
 * the subscription `id` does not exist (any more); the connection always stays up.
 */
export interface ErrorFrame {
  readonly type: 'error';
  readonly id: string | null;
  readonly code: ErrorCode;
  readonly reason: string;
  readonly fatal: boolean;
}

export type ServerFrame = ResetFrame | ResetPieceFrame | UpdateFrame | HeartbeatFrame | StatusFrame | ErrorFrame;

// ---- limits ----------------------------------------------------------------------------------

/** A client frame is a few short strings; anything longer is a mistake or an attack. */
export const maxClientFrameBytes = 4096;
/** Subscription ids are chosen by the client; short and printable so they log cleanly. */
const idPattern = /^[A-Za-z0-9_.:\-/]{1,128}$/;
/**
 * A kubeconfig context name is free text (`arn:aws:eks:…:cluster/x`, `gke_p_z_x`, `me@kind`):
 * any printable characters, as long as a DNS name at most. Which names exist is the backend's
 * to say (`knowsCluster`).
 */
const clusterNamePattern = /^[^\u0000-\u001f\u007f]{1,253}$/;

// ---- parsing ---------------------------------------------------------------------------------

export type Parsed<T> =
  | { readonly ok: true; readonly frame: T }
  | { readonly ok: false; readonly error: ErrorFrame };

function refuse(code: ErrorCode, reason: string, id: string | null = null): { ok: false; error: ErrorFrame } {
  return { ok: false, error: { type: 'error', id, code, reason, fatal: id !== null } };
}

/** UTF-8 byte length without Buffer, so this module also loads in a browser. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4; // a surrogate pair is one 4-byte character
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Validates a frame from a client. Never throws: anything wrong comes back as the error frame to
 * send, with the subscription id when one could be read (so the client knows which one failed).
 */
export function parseClientFrame(text: unknown, knowsCluster?: (name: string) => boolean): Parsed<ClientFrame> {
  if (typeof text !== 'string') return refuse('malformed-frame', 'frames must be text');
  // Length in UTF-16 units is at most the UTF-8 byte count, so check cheaply first.
  if (text.length > maxClientFrameBytes || utf8Length(text) > maxClientFrameBytes) {
    return refuse('frame-too-large', `frames are limited to ${maxClientFrameBytes} bytes`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return refuse('malformed-frame', 'frame is not JSON');
  }
  if (!isRecord(data)) return refuse('malformed-frame', 'frame must be a JSON object');
  const { type, id } = data;
  if (type !== 'subscribe' && type !== 'unsubscribe' && type !== 'resync') {
    return refuse('malformed-frame', 'type must be subscribe, unsubscribe or resync');
  }
  if (typeof id !== 'string' || !idPattern.test(id)) {
    return refuse('malformed-frame', 'id must be 1-128 characters of A-Z a-z 0-9 _ . : - /');
  }
  if (type !== 'subscribe') return { ok: true, frame: { type, id } };
  const { domain, scope, resumeFrom, cluster } = data;
  if (cluster !== undefined) {
    if (typeof cluster !== 'string' || !clusterNamePattern.test(cluster)) return refuse('malformed-frame', 'cluster must be a kubeconfig context name', id);
    if (knowsCluster && !knowsCluster(cluster)) return refuse('unknown-cluster', `no cluster ${JSON.stringify(cluster)}: GET /api/v1/clusters lists them`, id);
  }
  const named = cluster === undefined ? {} : { cluster };
  if (!isDomain(domain)) return refuse('unknown-domain', `unknown domain ${JSON.stringify(domain)}`, id);
  if (!isStreamDomain(domain)) {
    const retrieval = domainSpec(domain).retrieval;
    const poll = retrieval === 'metrics' ? `/api/v1/metrics/${domain}` : `/api/v1/snapshot/${domain}`;
    return refuse('not-streamable', `${domain} is ${retrieval}-only: poll ${poll}`, id);
  }
  const scopeText = scope === undefined ? '' : scope;
  if (typeof scopeText !== 'string') return refuse('bad-scope', 'scope must be a string', id);
  const problem = scopeProblem(domain as Domain, scopeText);
  if (problem !== null) return refuse('bad-scope', problem, id);
  if (resumeFrom !== undefined) {
    if (!isRecord(resumeFrom) || !isCount(resumeFrom.seq) || !isCount(resumeFrom.generation)) {
      return refuse('malformed-frame', 'resumeFrom must be {seq, generation} with whole numbers', id);
    }
    return {
      ok: true,
      frame: { type, id, ...named, domain, scope: scopeText, resumeFrom: { seq: resumeFrom.seq, generation: resumeFrom.generation } },
    };
  }
  return { ok: true, frame: { type, id, ...named, domain, scope: scopeText } };
}

function hasSequence(data: Record<string, unknown>): boolean {
  return typeof data.id === 'string' && isCount(data.seq) && isCount(data.generation);
}

/** A Kubernetes uid is a 36-character UUID; this leaves room for any server's, and no more. */
const maxUidLength = 128;

/** An `ended` code: short lower-case words with hyphens (`pod-deleted`); codes added later pass too. */
const endedCode = /^[a-z][a-z0-9-]{0,63}$/;

/** Why what a view follows ended for good (`pod-deleted`), from a report; null when it has not, or the report is no report. */
export function endedOf(upstream: unknown): string | null {
  return isUpstream(upstream) && upstream.ended !== undefined ? upstream.ended : null;
}

export function isUpstream(value: unknown): value is UpstreamReport {
  return (
    isRecord(value) &&
    typeof value.state === 'string' &&
    typeof value.healthy === 'boolean' &&
    (value.ended === undefined || (typeof value.ended === 'string' && endedCode.test(value.ended))) &&
    (value.podUid === undefined || (typeof value.podUid === 'string' && value.podUid.length > 0 && value.podUid.length <= maxUidLength))
  );
}

function isRowArray(value: unknown): value is Row[] {
  return Array.isArray(value) && value.every((row) => isRecord(row) && typeof row.uid === 'string' && typeof row.resourceVersion === 'string');
}

export function isChangeArray(value: unknown): value is RowChange[] {
  return (
    Array.isArray(value) &&
    value.every(
      (c) =>
        isRecord(c) &&
        ((c.op === 'upsert' && isRowArray([c.row])) || (c.op === 'delete' && typeof c.uid === 'string')),
    )
  );
}

/** `text` as a JSON object, or why not (`what` names it in the reason). */
function jsonObject(text: string, what: string): { ok: true; data: Record<string, unknown> } | { ok: false; reason: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, reason: `${what} is not JSON` };
  }
  return isRecord(data) ? { ok: true, data } : { ok: false, reason: `${what} must be a JSON object` };
}

/**
 * Validates a frame from the backend, for the engine. Checks the envelope and the fields the
 * drift check relies on; rows are checked for `uid` and `resourceVersion` only.
 */
export function parseServerFrame(text: unknown): { ok: true; frame: ServerFrame } | { ok: false; reason: string } {
  if (typeof text !== 'string') return { ok: false, reason: 'frames must be text' };
  const object = jsonObject(text, 'frame');
  if (!object.ok) return object;
  const data = object.data;
  const bad = (what: string) => ({ ok: false as const, reason: `${String(data.type)} frame: ${what}` });
  switch (data.type) {
    case 'reset':
      if (!hasSequence(data)) return bad('id, seq and generation required');
      if (typeof data.resourceVersion !== 'string' || !isRowArray(data.items) || !isCount(data.count) || typeof data.digest !== 'string' || !isUpstream(data.upstream)) {
        return bad('resourceVersion, items, count, digest and upstream required');
      }
      if (data.pieces !== undefined && (!isCount(data.pieces) || data.pieces < 2 || data.items.length > data.count)) {
        return bad('pieces must be a whole number of at least 2, with no more items than count');
      }
      break;
    case 'reset-piece':
      if (typeof data.id !== 'string' || !isCount(data.seq)) return bad('id and seq required');
      if (!isCount(data.piece) || data.piece < 1 || !isRowArray(data.items)) return bad('piece (from 1) and items required');
      break;
    case 'update':
      if (!hasSequence(data)) return bad('id, seq and generation required');
      if (typeof data.resourceVersion !== 'string' || !isChangeArray(data.changes)) return bad('resourceVersion and changes required');
      break;
    case 'heartbeat':
      if (!hasSequence(data)) return bad('id, seq and generation required');
      if (typeof data.resourceVersion !== 'string' || !isCount(data.count) || typeof data.digest !== 'string' || !isUpstream(data.upstream)) {
        return bad('resourceVersion, count, digest and upstream required');
      }
      break;
    case 'status':
      if (!hasSequence(data)) return bad('id, seq and generation required');
      if (!isUpstream(data.upstream)) return bad('upstream required');
      break;
    case 'error':
      if ((data.id !== null && typeof data.id !== 'string') || typeof data.code !== 'string' || typeof data.reason !== 'string' || typeof data.fatal !== 'boolean') {
        return bad('id, code, reason and fatal required');
      }
      break;
    default:
      return { ok: false, reason: `unknown frame type ${JSON.stringify(data.type)}` };
  }
  return { ok: true, frame: data as unknown as ServerFrame };
}

/** Validates one line of a snapshot sent as lines; never throws. */
export function parseSnapshotLine(text: string): { ok: true; line: SnapshotLine } | { ok: false; reason: string } {
  if (text.length > maxSnapshotLineChars) return { ok: false, reason: `snapshot line over ${maxSnapshotLineChars} characters` };
  const object = jsonObject(text, 'snapshot line');
  if (!object.ok) return object;
  const data = object.data;
  const bad = (what: string) => ({ ok: false as const, reason: `snapshot ${String(data.type)} line: ${what}` });
  switch (data.type) {
    case 'head':
      if (typeof data.domain !== 'string' || typeof data.scope !== 'string' || !isUpstream(data.upstream) || (data.source !== 'cache' && data.source !== 'api')) {
        return bad('domain, scope, upstream and source required');
      }
      if (data.expected !== null && !isCount(data.expected)) return bad('expected must be a count or null');
      break;
    case 'rows':
      if (!isRowArray(data.items)) return bad('items must be rows with uid and resourceVersion');
      break;
    case 'trail':
      if (!isCount(data.count) || typeof data.digest !== 'string' || !isCount(data.generation) || typeof data.resourceVersion !== 'string') {
        return bad('count, digest, generation and resourceVersion required');
      }
      if (data.resumable !== undefined && data.resumable !== true) return bad('resumable must be true when present');
      break;
    case 'error':
      if (typeof data.error !== 'string' || typeof data.reason !== 'string') return bad('error and reason required');
      break;
    default:
      return { ok: false, reason: `unknown snapshot line ${JSON.stringify(data.type)}` };
  }
  return { ok: true, line: data as unknown as SnapshotLine };
}
