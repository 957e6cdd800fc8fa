/**
 * Found by bench row 8: under churn the engine used to take a full reset after a short cut.
 *
 * On `SOCKET.CLOSED` the subscription falls back and polls a snapshot at once. Under churn that
 * snapshot is usually newer than the store (whenever anything changed since the last frame), so
 * it is applied and marks the store `source: 'snapshot'`;
 * the re-subscription then goes out without `resumeFrom` (engine.ts, subscribeOnStream) and the
 * backend sends a full reset. With churn 0 (the engine test) the snapshot is equal, not applied,
 * and the resume works, which is why nothing failed before.
 *
 * A snapshot the backend served from its cache (`source: "cache"`) is exactly the view at its
 * generation, so it is as good a resume point as a frame: resuming from
 * `{seq: store.seq, generation: snapshot.generation}` replays only what changed after it.
 * Fixed in adapters/engine: the store remembers the snapshot body's `source`, and the engine
 * resumes when the store was built by the stream or by a cache snapshot; a `source: "api"`
 * snapshot still starts afresh.
 *
 * With churn alone the old rule failed only when something changed between the last frame and
 * the fallback poll (bench row 8 saw one resume in two). The test makes that certain: it holds
 * the stream (`stall-streams`, shorter than the stall timeout), makes changes, then cuts it, so
 * the fallback snapshot is always applied and the resume must come from it.
 */
import WebSocket from 'ws';
import { createEngine, type Engine, type SocketLike } from '../../adapters/engine/engine.js';
import { startStack, testConfig, waitFor, type Stack } from '../server/support.js';

let stack: Stack;
let engine: Engine | null = null;

beforeAll(async () => {
  // The upstream must outlive the cut, as it does with the default 30 s idle grace; the shared
  // test config's 500 ms would tear it down and its change ring with it.
  stack = await startStack({ demo: { nodes: 3, pods: 60, churn: 100, seed: 5 }, config: { upstreamIdleGraceMs: 10_000 } });
});

afterAll(async () => {
  engine?.stop();
  await fetch(`${stack.base}/_debug/faults`, { method: 'DELETE' }).catch(() => undefined);
  await stack.stop();
});

async function fault(body: object): Promise<void> {
  await fetch(`${stack.base}/_debug/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

const healthy = (e: Engine) => e.diagnostics().rows.find((r) => r.key === 'pods:')?.state === 'streamingHealthy';

test('aShortCutUnderChurnResumesInsteadOfAFullReset', async () => {
  engine = createEngine({ server: stack.backend.url, config: testConfig, socket: (url) => new WebSocket(url) as unknown as SocketLike });
  const e = engine;
  e.subscribe('pods', '');
  await waitFor('pods healthy', () => healthy(e));
  const resetsBefore = e.counters.resetsReceived;
  const snapshotsBefore = e.diagnostics().rows[0]!.counters.snapshots ?? 0;
  await fault({ fault: 'stall-streams' });
  stack.demo.churn(40); // pods are replaced and restarted: the backend's cache moves past the store
  await new Promise((resolve) => setTimeout(resolve, 500));
  await fault({ fault: 'close-streams' });
  await waitFor('fallback', () => !healthy(e));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await fetch(`${stack.base}/_debug/faults`, { method: 'DELETE' });
  await waitFor('healthy again', () => healthy(e));
  // The fallback snapshot was newer than the store and applied: the resume came from it.
  expect(e.diagnostics().rows[0]!.counters.snapshots).toBeGreaterThan(snapshotsBefore);
  expect(e.counters.resumes).toBeGreaterThan(0);
  expect(e.counters.resetsReceived).toBe(resetsBefore);
});
