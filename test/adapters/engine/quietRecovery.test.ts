/**
 * A stall on a quiet cluster: while the backend's watch is stalled the engine polls and reads
 * fresh from the API server; once the watch recovers, nothing in the cluster changes, so the
 * stream never sends a generation above that fresh read's. The view must still be proven
 * again end to end (its proof younger than the bound), and hold exactly the cluster's pods:
 * a badge that says `stale` for rows that are current is as wrong as the opposite.
 */
import WebSocket from 'ws';
import type { Engine, SocketLike } from '../../../adapters/engine/engine.js';
import { createEngine } from '../../../adapters/engine/engine.js';
import type { ConfigOverrides } from '../../../machines/config.js';
import type { Stack } from '../../server/support.js';
import { startStack, testConfig, waitFor } from '../../server/support.js';

const boundMs = 3_000;
const config: ConfigOverrides = { ...testConfig, freshnessBoundMs: boundMs, snapshotPollIntervalMs: { pods: 1_000 } };
const nodeSocket = (url: string) => new WebSocket(url) as unknown as SocketLike;

let stack: Stack;
let engine: Engine;

beforeAll(async () => {
  stack = await startStack({ demo: { nodes: 2, pods: 20, churn: 0, seed: 5 }, config });
  engine = createEngine({ server: stack.backend.url, config, socket: nodeSocket });
  engine.subscribe('pods', '');
});

afterAll(async () => {
  engine.stop();
  await stack.stop();
});

const podsRow = () => engine.diagnostics().rows.find((r) => r.key === 'pods:');
const clusterPods = () => (stack.demo.listObjects('pods') as Array<{ metadata: { uid: string; resourceVersion: string } }>).map((o) => `${o.metadata.uid}@${o.metadata.resourceVersion}`).sort();
const heldPods = () => engine.store.rows('pods:').map((r) => `${r.uid}@${r.resourceVersion}`).sort();

test('after a stall on a quiet cluster the view is proven again without any change in the cluster', async () => {
  await waitFor('pods proven', () => podsRow()?.state === 'streamingHealthy' && (podsRow()?.proofAgeMs ?? Infinity) <= boundMs, 20_000);
  stack.demo.faults.set({ fault: 'stall-watches', resource: 'pods' });
  await waitFor('fallen back to polling', () => podsRow()?.state !== 'streamingHealthy', 3 * boundMs + 5_000);
  // Polled rows are the API server's fresh reads now: let at least one land.
  await waitFor('a fresh read held', () => engine.store.summary('pods:')?.source === 'api', 10_000);
  stack.demo.faults.clear();
  await waitFor('streaming again', () => podsRow()?.state === 'streamingHealthy', 30_000);
  // The proof must renew: within a few bounds its age is back under the bound, with no change made.
  await waitFor('proven again', () => (podsRow()?.proofAgeMs ?? Infinity) <= boundMs, 4 * boundMs);
  expect(heldPods()).toEqual(clusterPods());
}, 90_000);
