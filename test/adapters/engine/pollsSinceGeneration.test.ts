/**
 * A fallback poll after a short cut asks for the changes since the generation the store holds
 * (`GET /api/v1/snapshot/pods?since=G`) and is answered from the backend's change ring, not with
 * the whole view; what it leaves in the store is checked against the demo cluster's own list,
 * read straight from its API, never against the backend's cache.
 */
import WebSocket from 'ws';
import { createEngine, type Engine, type SocketLike } from '../../../adapters/engine/engine.js';
import { createSnapshotSource, type FetchLike, type PollCounters } from '../../../adapters/engine/snapshots.js';
import { RowStore } from '../../../adapters/engine/store.js';
import { call } from '../../demo-cluster/client.js';
import { startStack, testConfig, waitFor, type Stack } from '../../server/support.js';

let stack: Stack;
let engine: Engine | null = null;

beforeAll(async () => {
  // The upstream must outlive the cut (its ring with it), as with the default 30 s idle grace.
  stack = await startStack({ demo: { nodes: 3, pods: 60, churn: 0, seed: 11 }, config: { upstreamIdleGraceMs: 20_000, snapshotPollIntervalMs: { pods: 400 } } });
});

afterAll(async () => {
  engine?.stop();
  await fetch(`${stack.base}/_debug/faults`, { method: 'DELETE' }).catch(() => undefined);
  await stack.stop();
});

async function fault(body: object | null): Promise<void> {
  await fetch(`${stack.base}/_debug/faults`, body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : { method: 'DELETE' });
}

/** Every pod the cluster holds, uid → resourceVersion, from a direct list on its API. */
async function clusterPods(): Promise<Map<string, string>> {
  const reply = await call(stack.demo, '/api/v1/pods');
  const list = reply.json<{ items: { metadata: { uid: string; resourceVersion: string } }[] }>();
  return new Map(list.items.map((pod) => [pod.metadata.uid, pod.metadata.resourceVersion]));
}

function storePods(e: Engine): Map<string, string> {
  return new Map(e.store.rows('pods:').map((row) => [row.uid, row.resourceVersion]));
}

/** The real fetch, with what each snapshot answer was: the changes, or the whole view. */
function answersRecorded(): { fetch: FetchLike; answers: string[] } {
  const answers: string[] = [];
  const recording: FetchLike = async (url, init) => {
    const response = await fetch(url, init);
    if (!url.includes('/api/v1/snapshot/') || response.status !== 200) return response;
    const text = await response.text();
    // A whole view may come as lines (docs/protocol.md, "Snapshots as lines"): always the whole view.
    const lines = (response.headers.get('content-type') ?? '').startsWith('application/x-ndjson');
    const body = lines ? {} : (JSON.parse(text) as { answer?: string; fullBecause?: string });
    answers.push(body.answer === 'changes' ? 'changes' : `whole${body.fullBecause ? `:${body.fullBecause}` : ''}`);
    return { status: response.status, ok: response.ok, headers: response.headers, json: async () => JSON.parse(text), text: async () => text };
  };
  return { fetch: recording, answers };
}

const podsState = (e: Engine) => e.diagnostics().rows.find((r) => r.key === 'pods:')?.state;

test('aPollAfterACutUnderChurnAppliesOnlyTheChangesAndMatchesTheCluster', async () => {
  const recorded = answersRecorded();
  engine = createEngine({ server: stack.backend.url, config: { ...testConfig, upstreamIdleGraceMs: 20_000, snapshotPollIntervalMs: { pods: 400 } }, socket: (url) => new WebSocket(url) as unknown as SocketLike, fetch: recorded.fetch });
  const e = engine;
  e.subscribe('pods', '');
  await waitFor('pods healthy', () => podsState(e) === 'streamingHealthy');
  const wholeBefore = recorded.answers.length;

  // The cut: streams closed and refused while the cluster churns, and until the checks below are
  // done (it is lifted at the end). It used to lift itself after 8 s, and the store must come level
  // by polls before the stream is back: on a slow machine the fallback, the churn and the wait for
  // equality (up to 10 s) outran 8 s, and the stream, not the polls, brought the store level. 15 s
  // covers them and stays inside the upstream's idle grace (20 s), which keeps its ring.
  await fault({ fault: 'close-streams', ms: 15_000 });
  await waitFor('fallback', () => podsState(e) === 'fallbackPolling');
  const churning = setInterval(() => stack.demo.churn(4), 100);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  clearInterval(churning);

  // The pods churned go on starting for a while; the polls must bring the store to exactly
  // what the cluster lists once it settles.
  let difference = '';
  await waitFor('store equal to the cluster', async () => {
    const truth = await clusterPods();
    const held = storePods(e);
    const wrong = [...truth].filter(([uid, version]) => held.get(uid) !== version).length;
    difference = `cluster ${truth.size} pods, store ${held.size}, ${wrong} differ; answers ${recorded.answers.slice(wholeBefore).join(',')}`;
    return held.size === truth.size && wrong === 0;
  }, 10_000).catch((error: Error) => {
    throw new Error(`${error.message}: ${difference}`);
  });
  expect(podsState(e)).toBe('fallbackPolling'); // the store got there by polls, not by the stream

  const duringCut = recorded.answers.slice(wholeBefore);
  expect(duringCut.length).toBeGreaterThan(0);
  expect(duringCut.every((answer) => answer === 'changes')).toBe(true);
  expect(e.counters.pollsWithChanges).toBeGreaterThan(0);
  expect(e.counters.pollDrifts).toBe(0);
  await fault(null);
}, 60_000);

test('changesThatLeaveTheStoreDifferentAreDriftAndTheSamePollBringsTheWholeView', async () => {
  const store = new RowStore();
  const counters: PollCounters = { pollsWithChanges: 0, pollsWithWholeView: 0, pollDrifts: 0, lastFullBecause: null };
  const source = createSnapshotSource({ baseUrl: stack.backend.url, store, counters });
  await source.fetchSnapshot('pods', '');
  const held = store.summary('pods:')!;
  expect(held.source).toBe('cache');
  // The store gains a row the cluster never had, which no later change will mention: what a
  // frame from elsewhere, or a lost delete, leaves behind.
  const phantom = { ...store.rows('pods:')[0]!, uid: 'phantom-pod', name: 'phantom-pod' };
  store.applyUpdate('pods:', { changes: [{ op: 'upsert', row: phantom }], generation: held.generation + 1, seq: 1, resourceVersion: held.resourceVersion });
  expect(store.collection('pods:')!.rows.has('phantom-pod')).toBe(true);
  stack.demo.churn(3);
  await waitFor('the backend to see the churn', async () => {
    const now = await fetch(`${stack.base}/api/v1/snapshot/pods?scope=&since=${held.generation + 1}`).then((r) => r.json() as Promise<{ answer?: string; changes?: unknown[] }>);
    return now.answer === 'changes' && (now.changes?.length ?? 0) > 0;
  });

  await source.fetchSnapshot('pods', '');
  expect(counters.pollDrifts).toBe(1);
  expect(counters.pollsWithWholeView).toBe(2);
  expect(store.collection('pods:')!.rows.has('phantom-pod')).toBe(false);
  let difference = '';
  await waitFor('store equal to the cluster', async () => {
    await source.fetchSnapshot('pods', '');
    const truth = await clusterPods();
    const mine = new Map(store.rows('pods:').map((row) => [row.uid, row.resourceVersion]));
    difference = `cluster ${truth.size}, store ${mine.size}`;
    return mine.size === truth.size && [...truth].every(([uid, version]) => mine.get(uid) === version);
  }).catch((error: Error) => {
    throw new Error(`${error.message}: ${difference}`);
  });
  expect(counters.pollDrifts).toBe(1);
});
