/**
 * An engine speaks for one cluster: what it puts on the wire names that cluster on every
 * subscribe frame and every request, and an engine for the default cluster names none. Against
 * a real backend over real sockets; the wire is observed by wrapping the real `fetch` and `ws`
 * socket, not replaced.
 */
import WebSocket from 'ws';
import type { Engine, SocketLike } from '../../../adapters/engine/engine.js';
import { createEngine } from '../../../adapters/engine/engine.js';
import type { FetchLike } from '../../../adapters/engine/snapshots.js';
import type { Stack } from '../../server/support.js';
import { startStack, testConfig, waitFor } from '../../server/support.js';

let stack: Stack;
let engine: Engine | null = null;

beforeAll(async () => {
  stack = await startStack({ demo: { nodes: 2, pods: 12, churn: 0, seed: 5 } });
});

afterEach(() => {
  engine?.stop();
  engine = null;
});

afterAll(async () => {
  await stack.stop();
});

interface Wire {
  readonly urls: string[];
  readonly frames: Record<string, unknown>[];
}

/** An engine whose requests and sent frames are recorded on their way to the real backend. */
function recordedEngine(cluster: string | undefined): { engine: Engine; wire: Wire } {
  const wire: Wire = { urls: [], frames: [] };
  const fetchRecorded: FetchLike = (url, init) => {
    wire.urls.push(url);
    return fetch(url, init) as unknown as ReturnType<FetchLike>;
  };
  const socket = (url: string): SocketLike => {
    const ws = new WebSocket(url);
    const send = ws.send.bind(ws);
    (ws as unknown as { send(data: string): void }).send = (data: string) => {
      wire.frames.push(JSON.parse(data) as Record<string, unknown>);
      send(data);
    };
    return ws as unknown as SocketLike;
  };
  engine = createEngine({ server: stack.backend.url, config: testConfig, socket, fetch: fetchRecorded, ...(cluster === undefined ? {} : { cluster }) });
  return { engine, wire };
}

function podUids(): string[] {
  return (stack.demo.listObjects('pods') as Array<{ metadata: { uid: string } }>).map((p) => p.metadata.uid).sort();
}

test('namesItsClusterOnEverySubscribeFrameAndEveryRequest', async () => {
  const { engine: e, wire } = recordedEngine('kubelive-demo-viewer');
  e.subscribe('pods', '');
  e.subscribe('pod-metrics', '');
  await waitFor('pods streaming healthy', () => e.diagnostics().rows.find((r) => r.key === 'pods:' && r.state === 'streamingHealthy'));
  await waitFor('a metrics request', () => wire.urls.some((u) => u.includes('/api/v1/metrics/')));

  const subscribes = wire.frames.filter((f) => f.type === 'subscribe');
  expect(subscribes.length).toBeGreaterThan(0);
  for (const frame of subscribes) expect(frame.cluster).toBe('kubelive-demo-viewer');
  expect(wire.urls.some((u) => u.includes('/api/v1/snapshot/pods'))).toBe(true);
  for (const url of wire.urls) expect(new URL(url).searchParams.get('cluster')).toBe('kubelive-demo-viewer');
  expect(e.cluster).toBe('kubelive-demo-viewer');
  expect(e.diagnostics().cluster).toBe('kubelive-demo-viewer');
  // The viewer's context is the same demo cluster seen by a read-only user: its rows are that cluster's truth.
  expect(e.store.rows('pods:').map((r) => r.uid).sort()).toEqual(podUids());
});

test('anEngineForTheDefaultClusterNamesNone', async () => {
  const { engine: e, wire } = recordedEngine(undefined);
  e.subscribe('pods', '');
  await waitFor('pods streaming healthy', () => e.diagnostics().rows.find((r) => r.key === 'pods:' && r.state === 'streamingHealthy'));
  const subscribes = wire.frames.filter((f) => f.type === 'subscribe');
  expect(subscribes.length).toBeGreaterThan(0);
  for (const frame of subscribes) expect('cluster' in frame).toBe(false);
  expect(wire.urls.length).toBeGreaterThan(0);
  for (const url of wire.urls) expect(new URL(url).searchParams.has('cluster')).toBe(false);
  expect(e.cluster).toBeNull();
  expect(e.diagnostics().cluster).toBeNull();
});

test('twoClustersEnginesStandAloneWhenOnesConnectionDies', async () => {
  // Two engines, as the page runs for two clusters: each its own socket, machines and store.
  const sockets: WebSocket[] = [];
  const cut = createEngine({
    server: stack.backend.url,
    cluster: 'kubelive-demo',
    config: testConfig,
    socket: (url) => {
      const ws = new WebSocket(url);
      sockets.push(ws);
      return ws as unknown as SocketLike;
    },
  });
  const { engine: kept } = recordedEngine('kubelive-demo-viewer');
  try {
    cut.subscribe('pods', '');
    kept.subscribe('pods', '');
    const healthy = (e: Engine) => e.diagnostics().rows.find((r) => r.key === 'pods:' && r.state === 'streamingHealthy');
    await waitFor('both streaming healthy', () => healthy(cut) && healthy(kept));
    const keptDeliveries = healthy(kept)!.counters.deliveries ?? 0;

    // The first cluster's socket dies (closed from its end, as a backend cut or a dead network does).
    for (const ws of sockets) ws.terminate();
    await waitFor('the cut engine falls back', () => cut.diagnostics().rows.find((r) => r.key === 'pods:' && r.state === 'fallbackPolling'));
    expect(cut.diagnostics().connection?.open).toBe(false);
    // The other is untouched: still streaming, its socket open, and still delivering.
    const still = kept.diagnostics().rows.find((r) => r.key === 'pods:')!;
    expect(still.state).toBe('streamingHealthy');
    expect(kept.diagnostics().connection?.open).toBe(true);
    await waitFor('the kept engine delivers again', () => (kept.diagnostics().rows.find((r) => r.key === 'pods:')?.counters.deliveries ?? 0) > keptDeliveries);
    expect(kept.store.rows('pods:').map((r) => r.uid).sort()).toEqual(podUids());
  } finally {
    cut.stop();
  }
  expect(cut.clock.active).toBe(0);
});

test('anUnknownClusterCostsOnlyItsOwnSubscriptionsAndSaysWhy', async () => {
  const { engine: known } = recordedEngine('kubelive-demo');
  const unknown = createEngine({ server: stack.backend.url, cluster: 'no-such-context', config: testConfig, socket: (url) => new WebSocket(url) as unknown as SocketLike });
  try {
    unknown.subscribe('pods', '');
    known.subscribe('pods', '');
    const refused = await waitFor('the unknown cluster’s pods to fail with a reason', () => {
      const r = unknown.diagnostics().rows.find((x) => x.key === 'pods:');
      return r && r.lastError ? r : undefined;
    });
    expect(refused.lastError).toMatch(/no-such-context|unknown/i);
    expect(refused.health).not.toBe('healthy');
    expect(unknown.store.rows('pods:')).toEqual([]);
    await waitFor('the known cluster streams', () => known.diagnostics().rows.find((r) => r.key === 'pods:' && r.state === 'streamingHealthy'));
    expect(known.store.rows('pods:').map((r) => r.uid).sort()).toEqual(podUids());
  } finally {
    unknown.stop();
  }
});
