/**
 * `GET /api/v1/snapshot/:domain?since=G` against a real backend and the demo cluster: the
 * changes since a generation the backend gave, whose state is checked against the cluster's own
 * list (a direct API read); the whole view, saying why, for a generation the ring cannot answer;
 * and a clear 400 for anything that is not a generation.
 */
import { digestOf } from '../../adapters/digest.js';
import type { Row, RowChange } from '../../adapters/protocol.js';
import { call } from '../demo-cluster/client.js';
import { getJson, startStack, waitFor, type Stack } from './support.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ demo: { pods: 60, churn: 0, seed: 3 }, config: { upstreamIdleGraceMs: 20_000 } });
});

afterAll(() => stack.stop());

const snapshotUrl = (query: string) => `${stack.base}/api/v1/snapshot/pods?scope=${query}`;

/** uid → resourceVersion of every pod, from a direct list on the cluster's API. */
async function clusterPods(): Promise<Map<string, string>> {
  const list = (await call(stack.demo, '/api/v1/pods')).json<{ items: { metadata: { uid: string; resourceVersion: string } }[] }>();
  return new Map(list.items.map((pod) => [pod.metadata.uid, pod.metadata.resourceVersion]));
}

test('theChangesSinceAGenerationBringTheEarlierSnapshotToTheCluster', async () => {
  const first = await getJson(snapshotUrl(''));
  expect(first.status).toBe(200);
  stack.demo.churn(10);
  // The churned pods go on starting for a while, and the backend's cache follows the cluster a
  // moment behind: ask again until the changes since the first snapshot, applied to it, give
  // what the cluster lists (never, if the changes were wrong).
  let delta = await getJson(snapshotUrl(`&since=${first.body.generation}`));
  let rows = new Map<string, Row>();
  let truth = new Map<string, string>();
  await waitFor('the changes to bring the first snapshot to the cluster', async () => {
    truth = await clusterPods();
    delta = await getJson(snapshotUrl(`&since=${first.body.generation}`));
    if (delta.body.answer !== 'changes') return false;
    rows = new Map<string, Row>(first.body.items.map((row: Row) => [row.uid, row]));
    for (const change of delta.body.changes as RowChange[]) {
      if (change.op === 'delete') rows.delete(change.uid);
      else rows.set(change.row.uid, change.row);
    }
    const held = new Map([...rows.values()].map((row) => [row.uid, row.resourceVersion]));
    return held.size === truth.size && [...truth].every(([uid, version]) => held.get(uid) === version);
  });
  expect(delta.status).toBe(200);
  expect(delta.body.items).toBeUndefined();
  expect(delta.body.since).toBe(first.body.generation);
  expect(delta.body.changes.length).toBeGreaterThan(0);
  expect(delta.body.changes.length).toBeLessThan(truth.size);
  expect(delta.body.count).toBe(rows.size);
  expect(delta.body.digest).toBe(digestOf(rows.values()));
  expect(delta.body.generation).toBeGreaterThan(first.body.generation);

  // Asked from the generation it reached: only what changed after it (nothing, on a quiet cluster).
  const next = await getJson(snapshotUrl(`&since=${delta.body.generation}`));
  expect(next.body.answer).toBe('changes');
  expect(next.body.changes.length).toBeLessThan(delta.body.changes.length);
}, 60_000);

test('aGenerationTheRingCannotAnswerGetsTheWholeViewAndSaysWhy', async () => {
  // The pods the first test churned may still be finishing (deleted after their grace period),
  // so each reading is taken again until the cluster held still across it.
  const reading = await waitFor('a reading while the cluster holds still', async () => {
    const before = await clusterPods();
    const now = await getJson(snapshotUrl(''));
    // Older than the cache itself (the ring starts where the cache was made).
    const old = await getJson(snapshotUrl('&since=1'));
    // From the future: not a generation this backend gave (another process, a clock gone back).
    const future = await getJson(snapshotUrl(`&since=${now.body.generation + 1_000_000_000}`));
    const after = await clusterPods();
    const still = before.size === after.size && [...before].every(([uid, version]) => after.get(uid) === version);
    // The backend's cache follows the cluster a moment behind: wait for it to agree (never, if wrong).
    const agrees = future.body.items?.length === after.size && future.body.items.every((row: Row) => after.has(row.uid));
    return still && agrees && old.body.items?.length === now.body.count && { now, old, future, truth: after };
  });
  const { now, old, future, truth } = reading;
  expect(old.status).toBe(200);
  expect(old.body.fullBecause).toBe('ring-passed');
  expect(old.body.items.length).toBe(now.body.count);
  expect(future.status).toBe(200);
  expect(future.body.fullBecause).toBe('unknown-generation');
  expect(new Set(future.body.items.map((row: Row) => row.uid))).toEqual(new Set(truth.keys()));
});

test('aSinceThatIsNotAGenerationIsRefusedClearlyAndChangesNothing', async () => {
  const before = await getJson(snapshotUrl(''));
  for (const query of ['&since=', '&since=abc', '&since=-5', '&since=1.5', '&since=1e9', '&since=99999999999999999', '&since=1&since=2', `&since=${'9'.repeat(5000)}`]) {
    const answer = await getJson(snapshotUrl(query));
    expect({ query: query.slice(0, 40), status: answer.status, error: answer.body?.error }).toEqual({ query: query.slice(0, 40), status: 400, error: 'bad-since' });
    expect(answer.body.reason).toMatch(/since must be one generation/);
    expect(answer.body.reason.length).toBeLessThan(300);
  }
  // A domain without a history of changes says so.
  const metrics = await getJson(`${stack.base}/api/v1/snapshot/pod-metrics?scope=&since=5`);
  expect(metrics.status).toBe(400);
  expect(metrics.body.error).toBe('bad-since');
  // The backend is unharmed and still answers.
  const after = await getJson(snapshotUrl(''));
  expect(after.status).toBe(200);
  expect(after.body.count).toBe(before.body.count);
});
