/**
 * Calls to the backend that are not data subscriptions: one whole object, a Secret key, counts,
 * and the backend's own diagnostics (actions are lib/actions.ts). Relative URLs, so the
 * dashboard works wherever the backend serves it.
 */
import type { ClustersBody, CountsBody, IdentityBody, SecretKeyBody } from '../../adapters/protocol.js';
import type { LogLineRow } from '../../adapters/rows.js';
import type { UpstreamProofDiagnostics } from '../../machines/types.js';
import { pageCluster, withCluster } from './clusters.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** `cluster`: where the request goes (`?cluster=`); by default the cluster the page's address names first. */
async function call<T>(method: string, path: string, signal?: AbortSignal, body: object = {}, cluster: string | null = pageCluster()): Promise<T> {
  let response: Response;
  try {
    // A change is sent as JSON: the backend refuses any other content type on requests that
    // change something, since those are what cross-site forms and beacons can send.
    const init: RequestInit =
      method === 'GET'
        ? { method, headers: { accept: 'application/json' } }
        : { method, headers: { accept: 'application/json', 'content-type': 'application/json' }, body: JSON.stringify(body) };
    response = await fetch(withCluster(path, cluster), { ...init, ...(signal ? { signal } : {}) });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError(0, 'the kubelive backend cannot be reached');
  }
  const answer = (await response.json().catch(() => ({}))) as { reason?: string; error?: string };
  if (!response.ok) {
    const reason = answer.reason ?? answer.error ?? `HTTP ${response.status}`;
    throw new ApiError(response.status, response.status === 403 ? `forbidden: ${reason}` : reason);
  }
  return answer as T;
}

/**
 * What the object panel shows, and where it is: a hand-made view names the backend's resource
 * (`nodes`, `pods`, `deployments`), the generic view the resource domain (`core/v1/secrets`).
 */
export type ObjectRef =
  | { readonly resource: string; readonly domain?: undefined; readonly namespace: string; readonly name: string }
  | { readonly domain: string; readonly resource?: undefined; readonly namespace: string; readonly name: string };

/** The whole object, as the API server has it now (without managedFields; a Secret's values redacted). */
export function fetchObject(ref: ObjectRef, signal?: AbortSignal, cluster: string | null = pageCluster()): Promise<Record<string, unknown>> {
  if (ref.domain !== undefined) {
    const query = new URLSearchParams({ domain: ref.domain, namespace: ref.namespace, name: ref.name });
    return call('GET', `api/v1/object?${query.toString()}`, signal, {}, cluster);
  }
  const parts = [ref.resource, ...(ref.namespace ? [ref.namespace] : []), ref.name].map(encodeURIComponent);
  return call('GET', `api/v1/object/${parts.join('/')}`, signal, {}, cluster);
}

/**
 * The last `tailLines` lines of a container's previous run (`kubectl logs --previous`); a
 * container that never restarted is an ApiError 400 in the API server's words.
 */
export async function fetchPreviousLog(target: { namespace: string; pod: string; container: string }, tailLines: number, signal?: AbortSignal, cluster: string | null = pageCluster()): Promise<LogLineRow[]> {
  const query = new URLSearchParams({ ...target, tailLines: String(tailLines) });
  const answer = await call<{ lines?: unknown }>('GET', `api/v1/logs/previous?${query.toString()}`, signal, {}, cluster);
  return Array.isArray(answer.lines) ? (answer.lines as LogLineRow[]) : [];
}

/**
 * One key of one Secret, fetched only when the user asked to reveal it: the only way a secret
 * value reaches the browser. The caller shows it and keeps it nowhere else. A value that is not
 * UTF-8 comes as base64 (`encoding`).
 */
export async function revealSecretKey(ref: { namespace: string; name: string; key: string }, signal?: AbortSignal, cluster: string | null = pageCluster()): Promise<Pick<SecretKeyBody, 'value' | 'encoding' | 'bytes'>> {
  const answer = await call<Partial<SecretKeyBody>>('POST', 'api/v1/secret-key', signal, ref, cluster);
  if (typeof answer.value !== 'string') throw new ApiError(502, 'the backend answered without a value');
  return { value: answer.value, encoding: answer.encoding === 'base64' ? 'base64' : 'utf8', bytes: typeof answer.bytes === 'number' ? answer.bytes : answer.value.length };
}

/** How many objects of each domain the backend counts in a namespace ('' for all), for the sidebar; kinds it could not count are left out. */
export async function fetchCounts(scope: string, signal?: AbortSignal, cluster: string | null = pageCluster()): Promise<Record<string, number>> {
  const answer = await call<Partial<CountsBody>>('GET', `api/v1/counts?scope=${encodeURIComponent(scope)}`, signal, {}, cluster);
  const counts: Record<string, number> = {};
  for (const item of answer.items ?? []) if (typeof item.count === 'number') counts[item.domain] = item.count;
  return counts;
}

export interface BackendUpstream {
  readonly key: string;
  readonly state: string;
  readonly report: { state: string; healthy: boolean; reason?: string | null; lastEventAgeMs?: number | null };
  readonly users: number;
  readonly rows: number;
  readonly lists: number;
  readonly stalls: number;
  readonly watches: number;
  readonly lastError: string | null;
  readonly stopsInMs: number | null;
  /** The upstream proof (docs/backend.md); absent from a backend older than the proof. */
  readonly proof?: UpstreamProofDiagnostics;
}

export interface BackendDiagnostics {
  readonly generatedAt: string;
  readonly kube: { server: string; context: string; demo: boolean };
  readonly config: Record<string, unknown>;
  readonly upstreams: readonly BackendUpstream[];
  readonly clients: readonly unknown[];
  readonly faults: readonly { fault: string }[] | null;
}

export function backendDiagnostics(): Promise<BackendDiagnostics> {
  return call('GET', 'api/v1/diagnostics');
}

/** Which cluster the dashboard is on and as whom it acts (the header's identity). */
export function fetchIdentity(signal?: AbortSignal, cluster: string | null = pageCluster()): Promise<IdentityBody> {
  return call('GET', 'api/v1/identity', signal, {}, cluster);
}

/** Every context of the backend's kubeconfig with its health (`GET /api/v1/clusters`); names no cluster itself. */
export function fetchClusters(signal?: AbortSignal): Promise<ClustersBody> {
  return call('GET', 'api/v1/clusters', signal, {}, null);
}
