/**
 * Resource domains through the engine end to end: a kind named `group/version/resource` streams
 * with its columns beside its rows, through the same machine and diagnostics as the hand-made
 * domains; discovery (`api-resources`) is polled like any snapshot-only domain; no metrics
 * follow a resource domain. Demo cluster → backend → engine over real sockets, nothing mocked.
 */
import WebSocket from 'ws';
import type { Engine, SocketLike } from '../../../adapters/engine/engine.js';
import { createEngine } from '../../../adapters/engine/engine.js';
import type { ApiResourceRow, ResourceRow } from '../../../adapters/protocol.js';
import type { Stack } from '../../server/support.js';
import { startStack, testConfig, waitFor } from '../../server/support.js';

const nodeSocket = (url: string) => new WebSocket(url) as unknown as SocketLike;

let stack: Stack;
let engine: Engine;

beforeAll(async () => {
  stack = await startStack({ demo: { nodes: 2, pods: 30, churn: 0, seed: 3 } });
  engine = createEngine({ server: stack.backend.url, config: { ...testConfig, snapshotPollIntervalMs: { 'api-resources': 500 } }, socket: nodeSocket });
});

afterAll(async () => {
  engine?.stop();
  await stack.stop();
});

function diagnosticsRow(key: string) {
  return engine.diagnostics().rows.find((r) => r.key === key);
}

test('aResourceDomainStreamsWithItsColumnsLikeAHandMadeOne', async () => {
  const release = engine.subscribe('core/v1/configmaps', 'shop');
  const key = 'core/v1/configmaps:shop';
  await waitFor('configmaps streamingHealthy', () => diagnosticsRow(key)?.state === 'streamingHealthy');
  const row = diagnosticsRow(key)!;
  expect(row).toMatchObject({ machine: 'subscription', mode: 'streaming', health: 'healthy', polling: { enabled: false, intervalMs: null } });
  expect(engine.store.columns(key)?.map((c) => c.name)).toEqual(['Name', 'Data', 'Age']);
  const held = engine.store.rows<ResourceRow>(key);
  const cluster = (stack.demo.listObjects('configmaps', 'shop') as Array<{ metadata: { uid: string; name: string }; data?: Record<string, string> }>);
  expect(held.map((r) => r.uid).sort()).toEqual(cluster.map((o) => o.metadata.uid).sort());
  const one = cluster[0]!;
  expect(held.find((r) => r.uid === one.metadata.uid)?.cells.slice(0, 2)).toEqual([one.metadata.name, Object.keys(one.data ?? {}).length]);
  // No metrics overlay for a kind that has none.
  expect(engine.diagnostics().rows.some((r) => r.domain === 'pod-metrics' || r.domain === 'node-metrics')).toBe(false);
  release();
  await waitFor('configmaps released', () => !diagnosticsRow(key) && engine.store.collection(key) === undefined);
});

test('discoveryIsPolledAsASnapshotOnlyDomain', async () => {
  const release = engine.subscribe('api-resources', '');
  await waitFor('discovery answered', () => engine.store.rows('api-resources:').length > 0);
  const row = diagnosticsRow('api-resources:')!;
  expect(row).toMatchObject({ machine: 'snapshotOnly', mode: 'polling', stream: null, polling: { enabled: true, intervalMs: 500 } });
  const served = engine.store.rows<ApiResourceRow>('api-resources:');
  expect(served.find((r) => r.domain === 'core/v1/configmaps')).toMatchObject({ kind: 'ConfigMap', namespaced: true, custom: false });
  expect(served.find((r) => r.domain === 'example.com/v1/widgets')).toMatchObject({ kind: 'Widget', namespaced: true, custom: true });
  // Polled again and again; an unchanged answer changes nothing.
  const polls = row.counters.polls ?? 0;
  await waitFor('two more discovery polls', () => (diagnosticsRow('api-resources:')!.counters.polls ?? 0) >= polls + 2);
  expect(diagnosticsRow('api-resources:')).toMatchObject({ health: 'healthy', reason: null });
  release();
});
