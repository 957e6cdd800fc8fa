/**
 * Shared by the backend's integration tests: a demo cluster plus a backend connected to it
 * through its kubeconfig, a WebSocket client that records frames, and a tiny client-side store
 * that applies frames and computes the digest the same way the engine does.
 */
import WebSocket from 'ws';
import type { SocketLike } from '../../adapters/engine/engine.js';
import { addItem, digestOf, emptyDigest, formatDigest, removeItem } from '../../adapters/digest.js';
import { parseServerFrame, parseSnapshotLine, type Row, type ServerFrame, type SnapshotLine } from '../../adapters/protocol.js';
import { startDemoCluster, type DemoCluster, type DemoClusterOptions } from '../../demo-cluster/index.js';
import type { ConfigOverrides } from '../../machines/config.js';
import { startBackend, type Backend, type BackendOptions } from '../../server/serve.js';

export interface Stack {
  readonly demo: DemoCluster;
  readonly backend: Backend;
  readonly base: string;
  stop(): Promise<void>;
}

/** Short intervals so tests see heartbeats, stalls and retries quickly; nothing relies on exact timing. */
export const testConfig: ConfigOverrides = {
  heartbeatIntervalMs: 300,
  stallTimeoutMs: 1200,
  pendingTimeoutMs: 1500,
  backoffBaseMs: 100,
  backoffCapMs: 1000,
  upstreamStallTimeoutMs: 2000,
  upstreamIdleGraceMs: 500,
  updateBatchMs: 20,
  metricsIntervalMs: 1000,
  // Probes every 1.25 s, each about a second: room for a busy test machine before a proof lapses.
  freshnessBoundMs: 5000,
};

/**
 * For a stack whose first list is of 10,000 rows or more, in a test of something other than
 * freshness. The test stall timeout (2 s) gives up a list after 4 s, which 10,000 pods in Table
 * pages passed on a loaded machine (load average 8 to 15), so the cold view ended in an error
 * line. And a new watch has one bound from its list's start to pass its first probe: at the
 * test bound of 5 s, a list, its landing and that probe on a machine at load 6 to 9 took longer,
 * so the upstream was not yet proven and the next snapshot came from the API, not the cache
 * (security's 30,000-pod snapshot bound and landingOutlivesRelease, both in one clean-clone run).
 */
export const listsOfALoadedMachine: ConfigOverrides = { upstreamStallTimeoutMs: 20_000, freshnessBoundMs: 20_000 };

export async function startStack(
  options: { demo?: DemoClusterOptions; config?: ConfigOverrides; backend?: Partial<BackendOptions> } = {},
): Promise<Stack> {
  const demo = await startDemoCluster({ port: 0, nodes: 3, pods: 30, churn: 0, seed: 7, bookmarkIntervalMs: 1000, ...options.demo });
  // A backend that refuses to start (a bad test config) must not leave the cluster running: its
  // sockets and timers kept jest running, silent, for ten minutes until killed.
  const backend = await startBackend({
    kubeconfigYaml: demo.kubeconfigYaml,
    port: 0,
    allowFaults: true,
    config: { ...testConfig, ...options.config },
    ...options.backend,
  }).catch(async (error: unknown) => {
    await demo.stop();
    throw error;
  });
  return {
    demo,
    backend,
    base: backend.url.replace(/\/$/, ''),
    async stop() {
      await backend.stop();
      await demo.stop();
    },
  };
}

/**
 * Waits until `check` returns something other than undefined/false, polling; fails after
 * `timeoutMs` with `what`, and with what `lastSeen` says at that moment (the state the wait saw
 * last), so a wait that times out in CI says where it stood.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
  lastSeen?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastSeen ? `; last seen: ${lastSeen()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export class StreamClient {
  readonly frames: ServerFrame[] = [];
  readonly raw: string[] = [];
  closed: { code: number; reason: string } | null = null;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const text = data.toString();
      this.raw.push(text);
      const parsed = parseServerFrame(text);
      if (!parsed.ok) throw new Error(`backend sent a bad frame: ${parsed.reason}`);
      this.frames.push(parsed.frame);
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
    });
  }

  static async connect(base: string, headers: Record<string, string> = {}): Promise<StreamClient> {
    const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/api/v1/stream`, { headers });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new StreamClient(socket);
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  framesFor(id: string): ServerFrame[] {
    return this.frames.filter((f) => f.type !== 'error' && f.id === id);
  }

  errors() {
    return this.frames.filter((f) => f.type === 'error');
  }

  async next<K extends ServerFrame['type']>(id: string | null, type: K, after = 0, timeoutMs = 20_000): Promise<Extract<ServerFrame, { type: K }>> {
    return waitFor(`a ${type} frame for ${id}`, () =>
      this.frames.slice(after).find((f): f is Extract<ServerFrame, { type: K }> => f.type === type && (id === null || f.id === id)),
      timeoutMs,
    );
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * What the engine's store does with frames, reduced to the checks the tests need: apply reset
 * and update, and on every heartbeat compare count, digest and resourceVersion.
 */
export class MiniStore {
  readonly rows = new Map<string, Row>();
  resourceVersion = '';
  generation = 0;
  lastSeq = 0;
  gaps: string[] = [];
  disagreements: string[] = [];
  heartbeatsAgreeing = 0;
  /** Heartbeats sent while the upstream was unhealthy: they claim nothing about the store. */
  heartbeatsUnproven = 0;
  /** A reset arriving in pieces: its head and the rows so far, applied whole at its last piece. */
  private piecewise: { head: Extract<ServerFrame, { type: 'reset' }>; items: Row[]; next: number } | null = null;

  apply(frame: ServerFrame): void {
    if (frame.type === 'error') return;
    if (frame.type === 'reset' && frame.pieces !== undefined) {
      this.piecewise = { head: frame, items: [...frame.items], next: 1 };
      return;
    }
    if (frame.type === 'reset-piece') {
      const open = this.piecewise;
      if (!open || frame.seq !== open.head.seq || frame.piece !== open.next) {
        this.disagreements.push(`reset-piece ${frame.piece} of seq ${frame.seq} out of order`);
        return;
      }
      open.items.push(...frame.items);
      open.next++;
      if (open.next < open.head.pieces!) return;
      this.piecewise = null;
      return this.apply({ ...open.head, pieces: undefined, items: open.items });
    }
    if (this.piecewise) {
      this.disagreements.push(`${frame.type} ${frame.seq} before the last piece of reset ${this.piecewise.head.seq}`);
      this.piecewise = null;
    }
    if (frame.type !== 'reset' && frame.seq !== this.lastSeq + 1) this.gaps.push(`seq ${this.lastSeq} → ${frame.seq}`);
    this.lastSeq = frame.seq;
    if (frame.type === 'reset') {
      this.rows.clear();
      for (const row of frame.items) this.rows.set(row.uid, row);
      this.sum = emptyDigest();
      for (const row of this.rows.values()) addItem(this.sum, row.uid, row.resourceVersion);
      this.resourceVersion = frame.resourceVersion;
      this.generation = frame.generation;
      if (frame.count !== this.rows.size || frame.digest !== this.digest()) this.disagreements.push(`reset ${frame.seq} disagrees with its own items`);
    } else if (frame.type === 'update') {
      for (const change of frame.changes) {
        const uid = change.op === 'delete' ? change.uid : change.row.uid;
        const held = this.rows.get(uid);
        if (held) removeItem(this.sum, held.uid, held.resourceVersion);
        if (change.op === 'delete') this.rows.delete(uid);
        else {
          this.rows.set(uid, change.row);
          addItem(this.sum, uid, change.row.resourceVersion);
        }
      }
      this.resourceVersion = frame.resourceVersion;
      this.generation = frame.generation;
    } else if (frame.type === 'heartbeat') {
      // From an unhealthy upstream a heartbeat describes a cache that may be behind, and a
      // subscription owed a reset gets none from it: no claim to compare, as the engine's drift
      // check reads it (adapters/engine/drift.ts).
      if (frame.upstream.healthy === false) {
        this.heartbeatsUnproven++;
        return;
      }
      const digest = this.digest();
      if (frame.count !== this.rows.size || frame.digest !== digest || frame.resourceVersion !== this.resourceVersion) {
        this.disagreements.push(`heartbeat ${frame.seq}: backend ${frame.count}/${frame.digest}/${frame.resourceVersion}, store ${this.rows.size}/${digest}/${this.resourceVersion}`);
      } else this.heartbeatsAgreeing++;
    }
  }

  /**
   * The rows' digest, kept as a running sum as the engine's store keeps it: summed afresh on every
   * heartbeat, 3,000 rows across a dozen subscriptions held this process (the backend's too) for
   * 16 s at a time in slowClient, starving what the test was timing.
   */
  digest(): string {
    return formatDigest(this.sum);
  }

  private sum = emptyDigest();
}

/** Feeds every frame of `id` the client has received, from `from`, into a store; returns the next index. */
export function feed(store: MiniStore, client: StreamClient, id: string, from: number): number {
  const frames = client.framesFor(id);
  for (let i = from; i < frames.length; i++) store.apply(frames[i]!);
  return frames.length;
}

/** Waits for fresh heartbeats on subscription `id` that agree with what its frames built, with no seq gap. */
export async function expectStillAgreeing(client: StreamClient, id: string): Promise<void> {
  const store = new MiniStore();
  let fed = 0;
  const mark = client.frames.length;
  await waitFor(`fresh agreeing heartbeats for ${id}`, () => {
    fed = feed(store, client, id, fed);
    return client.frames.length > mark && store.heartbeatsAgreeing > 1;
  });
  expect(store.gaps).toEqual([]);
  expect(store.disagreements).toEqual([]);
}

export async function getJson(url: string, init: RequestInit = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
}

/** A snapshot answered as lines, each parsed (a line that does not parse fails the test). */
export function snapshotLinesOf(text: string): SnapshotLine[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const parsed = parseSnapshotLine(l);
      if (!parsed.ok) throw new Error(parsed.reason);
      return parsed.line;
    });
}

/** Uids and resourceVersions of what the demo cluster holds, for comparing with a store. */
export function demoDigest(demo: DemoCluster, resource: string, namespace?: string): { count: number; digest: string } {
  const versions = demo.listVersions(resource, namespace);
  return { count: versions.length, digest: digestOf(versions) };
}

/**
 * Watches this process's own event loop, which the demo cluster, the backend and the test's
 * clients all share: a timer every 20 ms, and each time one came late, how late and when. A gap
 * the client saw that the loop also saw says the process was held (by anything in it, or by the
 * machine); one it did not says the backend did not send.
 */
export function watchLoop(tickMs = 20) {
  const holds: { at: number; ms: number }[] = [];
  let last = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    if (now - last > tickMs * 5) holds.push({ at: now, ms: now - last });
    last = now;
  }, tickMs);
  return {
    /** The holds that ended in [from, to]: those a gap between two arrivals could be made of. */
    within(from: number, to: number): { at: number; ms: number }[] {
      return holds.filter((h) => h.at >= from && h.at <= to);
    },
    stop(): void {
      clearInterval(timer);
    },
  };
}

/** One upstream's diagnostics row (state, report, counters), by key. */
export async function upstreamOf(stack: Stack, key: string) {
  const diagnostics = await getJson(`${stack.base}/api/v1/diagnostics`);
  return diagnostics.body.upstreams.find((u: { key: string }) => u.key === key);
}

/** The dashboard (dist/ui, built by npm run build) is served at `url`, its assets beside it, and nothing outside it. */
export async function expectDashboardServed(url: string): Promise<void> {
  const page = await fetch(url);
  expect(page.headers.get('content-type')).toMatch(/text\/html/);
  const html = await page.text();
  expect(html).toMatch(/<div id="root">/);
  const asset = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)?.[1];
  expect(asset).toBeDefined();
  expect((await fetch(new URL(asset!, page.url))).status).toBe(200);
  expect((await fetch(new URL('../../etc/passwd', page.url).toString().replace('/etc', '/%2e%2e/etc'))).status).toBe(404);
}

/** A `ws` socket whose incoming frames pass through `tamper` first (which may drop, change or add). */
export function tamperingSocket(tamper: (text: string) => string[]) {
  return (url: string): SocketLike => {
    const ws = new WebSocket(url);
    const socket: SocketLike = {
      get readyState() {
        return ws.readyState;
      },
      onopen: null,
      onclose: null,
      onerror: null,
      onmessage: null,
      send: (data) => ws.send(data),
      close: (code, reason) => ws.close(code, reason),
    };
    ws.onopen = (event) => socket.onopen?.(event);
    ws.onclose = (event) => socket.onclose?.({ code: event.code, reason: event.reason });
    ws.onerror = (event) => socket.onerror?.(event);
    ws.onmessage = (event) => {
      for (const text of tamper(String(event.data))) socket.onmessage?.({ data: text });
    };
    return socket;
  };
}
