/**
 * What a user would otherwise use, as baselines: a raw HTTPS GET + JSON.parse of a list, and
 * @kubernetes/client-node 1.4's paginated list and Watch. Plus a fetch that counts the bytes the
 * engine's HTTP snapshots cost.
 */
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { Agent, request } from 'node:https';
import type { FetchLike } from '../adapters/engine/snapshots.js';

export interface ApiAccess {
  readonly url: string;
  readonly token: string;
  readonly caPem: string;
  readonly kubeconfigYaml: string;
}

/** One keep-alive agent, as a careful client would use: no TLS handshake per request. */
export function apiAgent(api: ApiAccess): Agent {
  return new Agent({ keepAlive: true, ca: api.caPem });
}

/**
 * A pool of `sockets` kept-alive connections, opened before a measurement and handed out in
 * turn. Rows 2 and 3's probes overlap once the cluster is slow to answer. On a cold pool each
 * overlap opened a connection, and its TLS handshake landed on the busy cluster in the middle of
 * the window: 19–28 of 300 probes at 20,000/s. client-go multiplexes one HTTP/2 connection and
 * pays no handshake there, and a probe's latency should be the consumer's, not our client's. In
 * turn (`fifo`), each socket is used about every `sockets` probes, well inside the server's 5 s
 * keep-alive; Node's default (`lifo`) would let the unused ones be closed.
 */
export async function warmApiAgent(api: ApiAccess, sockets: number): Promise<Agent> {
  const agent = new Agent({ keepAlive: true, ca: api.caPem, scheduling: 'fifo' });
  await Promise.all(Array.from({ length: sockets }, () => apiRequest(api, agent, 'GET', '/version')));
  return agent;
}

/**
 * A raw request to the API server; resolves with the status, the whole body, and whether it went
 * on a kept-alive connection (false: it paid a TLS handshake first).
 */
export function apiRequest(api: ApiAccess, agent: Agent, method: string, path: string, accept = 'application/json'): Promise<{ status: number; body: Buffer; reusedSocket: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, api.url), { method, agent, headers: { authorization: `Bearer ${api.token}`, accept } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), reusedSocket: req.reusedSocket }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Baseline (a) of the initial load: the whole list in one GET, then JSON.parse. */
export async function rawList(api: ApiAccess, agent: Agent, path: string): Promise<{ items: number; bytes: number }> {
  const { status, body } = await apiRequest(api, agent, 'GET', path);
  if (status !== 200) throw new Error(`GET ${path}: ${status}`);
  const list = JSON.parse(body.toString('utf8')) as { items: unknown[] };
  return { items: list.items.length, bytes: body.length };
}

export function kubeConfigOf(api: ApiAccess): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(api.kubeconfigYaml);
  return kc;
}

/** Baseline (b): client-node's typed list, 500 per page as client-go pages. */
export async function clientNodeList(kc: KubeConfig): Promise<{ items: number; resourceVersion: string; uids: Map<string, string> }> {
  const core = kc.makeApiClient(CoreV1Api);
  const uids = new Map<string, string>();
  let next: string | undefined;
  let resourceVersion = '';
  do {
    const page = await core.listPodForAllNamespaces({ limit: 500, ...(next ? { _continue: next } : {}) });
    for (const pod of page.items) uids.set(pod.metadata!.uid!, pod.metadata!.resourceVersion!);
    resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
    next = page.metadata?._continue || undefined;
  } while (next);
  return { items: uids.size, resourceVersion, uids };
}

export interface PodWatch {
  /** uid → resourceVersion, as the watch has told it. */
  readonly pods: Map<string, string>;
  events: number;
  onChange: ((type: string, uid: string) => void) | null;
  /**
   * Why the watch ended, or null while it runs. The baseline does not watch again (a bare
   * `Watch` is used so): a watch the server dropped loses every change after it.
   */
  ended: string | null;
  stop(): void;
}

/** client-node's Watch on all pods from a listed resourceVersion, kept as a uid map. */
export async function clientNodeWatch(kc: KubeConfig): Promise<PodWatch> {
  const listed = await clientNodeList(kc);
  const state: PodWatch = {
    pods: listed.uids,
    events: 0,
    onChange: null,
    ended: null,
    stop: () => undefined,
  };
  const controller = await new Watch(kc).watch(
    '/api/v1/pods',
    { resourceVersion: listed.resourceVersion, allowWatchBookmarks: true },
    (type: string, object: { metadata?: { uid?: string; resourceVersion?: string } }) => {
      if (type === 'BOOKMARK' || !object.metadata?.uid) return;
      state.events++;
      if (type === 'DELETED') state.pods.delete(object.metadata.uid);
      else state.pods.set(object.metadata.uid, object.metadata.resourceVersion ?? '');
      state.onChange?.(type, object.metadata.uid);
    },
    (error: unknown) => {
      state.ended ??= error ? (error instanceof Error ? error.message : String(error)) : 'ended by the server';
    },
  );
  state.stop = () => {
    state.ended ??= 'stopped';
    controller.abort();
  };
  return state;
}

/** fetch that counts body bytes (what the engine's snapshots and metrics polls cost on the wire). */
export function countingFetch(): { fetch: FetchLike; readonly bytes: number } {
  let bytes = 0;
  const counting: FetchLike = async (url, init) => {
    const response = await fetch(url, init as RequestInit);
    const text = await response.text();
    bytes += Buffer.byteLength(text);
    return {
      status: response.status,
      ok: response.ok,
      headers: response.headers,
      json: async () => JSON.parse(text) as unknown,
      text: async () => text,
    };
  };
  return {
    fetch: counting,
    get bytes() {
      return bytes;
    },
  };
}
