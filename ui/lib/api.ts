/**
 * Calls to the backend that are not data subscriptions: cordon/uncordon, one whole object, and
 * the backend's own diagnostics. Relative URLs, so the dashboard works wherever the backend serves it.
 */
import type { UpstreamProofDiagnostics } from '../../machines/types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function call<T>(method: string, path: string, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    // A change is sent as JSON: the backend refuses any other content type on requests that
    // change something, since those are what cross-site forms and beacons can send.
    const init: RequestInit =
      method === 'GET' ? { method, headers: { accept: 'application/json' } } : { method, headers: { accept: 'application/json', 'content-type': 'application/json' }, body: '{}' };
    response = await fetch(path, { ...init, ...(signal ? { signal } : {}) });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError(0, 'the kubelive backend cannot be reached');
  }
  const body = (await response.json().catch(() => ({}))) as { reason?: string; error?: string };
  if (!response.ok) {
    const reason = body.reason ?? body.error ?? `HTTP ${response.status}`;
    throw new ApiError(response.status, response.status === 403 ? `forbidden: ${reason}` : reason);
  }
  return body as T;
}

export function setCordoned(node: string, cordoned: boolean): Promise<{ name: string; unschedulable: boolean }> {
  return call('POST', `api/v1/nodes/${encodeURIComponent(node)}/${cordoned ? 'cordon' : 'uncordon'}`);
}

/** What the object panel shows: a resource the backend serves whole, and where it is. */
export interface ObjectRef {
  /** The backend's resource name: `nodes`, `pods`, `deployments`, ... */
  readonly resource: string;
  /** '' for a cluster-wide resource (nodes). */
  readonly namespace: string;
  readonly name: string;
}

/** The whole object, as the API server has it now (without managedFields). */
export function fetchObject(ref: ObjectRef, signal?: AbortSignal): Promise<Record<string, unknown>> {
  const parts = [ref.resource, ...(ref.namespace ? [ref.namespace] : []), ref.name].map(encodeURIComponent);
  return call('GET', `api/v1/object/${parts.join('/')}`, signal);
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
