/**
 * One probe against the demo cluster: it passes once the main watch (here a witness fed by the
 * test) has delivered every change the probe saw, even when the first of them comes late, and
 * fails at its grace with the count of the changes still missing. A pass is dated when the probe
 * asked, never later, however late the server's lines reach us.
 */
import { KubeClient, loadKubeConfig } from '../../../adapters/kube/client.js';
import { probeOnce, WatchWitness, watchLineFacts } from '../../../adapters/kube/proof.js';
import { proofTimings } from '../../../machines/upstreamMachine.js';
import { startDemoCluster, type DemoCluster } from '../../../demo-cluster/index.js';

let cluster: DemoCluster;
let client: KubeClient;
beforeAll(async () => {
  cluster = await startDemoCluster({ seed: 23, nodes: 2, pods: 100, churn: 0 });
  client = new KubeClient(loadKubeConfig({ kubeconfigYaml: cluster.kubeconfigYaml }));
});
afterAll(() => cluster.stop());

/** Makes `count` changes after a fresh resourceVersion; answers it and the changes' versions, in the server's order. */
async function changesSinceNow(count: number): Promise<{ from: string; versions: string[] }> {
  const listed = await client.requestJson<{ metadata: { resourceVersion: string } }>('GET', '/api/v1/pods', { query: { limit: 1 } });
  const from = listed.metadata.resourceVersion;
  expect(cluster.load(count)).toBe(count);
  const stream = await client.openStream('/api/v1/pods', { query: { watch: 'true', resourceVersion: from } });
  const versions = await new Promise<string[]>((resolve, reject) => {
    const seen: string[] = [];
    stream.read(
      (line) => {
        const facts = watchLineFacts(line);
        if (facts && facts.type !== 'BOOKMARK') seen.push(facts.resourceVersion);
        if (seen.length === count) resolve(seen);
      },
      (error) => reject(error ?? new Error(`the watch ended after ${seen.length} changes`)),
    );
  });
  stream.abort();
  return { from, versions };
}

test('passesOnceTheWatchDeliversTheFirstChangeLateWithinItsGrace', async () => {
  const { from, versions } = await changesSinceNow(5);
  const witness = new WatchWitness();
  for (const rv of versions.slice(1)) witness.delivered(rv);
  // Past the probe's bookmark (about a second in), so the probe is waiting on the watch.
  const late = setTimeout(() => witness.delivered(versions[0]!), 2000);
  try {
    const outcome = await probeOnce({ client, path: '/api/v1/pods', witness, from, graceMs: 5000, signal: new AbortController().signal });
    expect(outcome).toMatchObject({ ok: true, events: 5 });
  } finally {
    clearTimeout(late);
  }
});

test('aWatchBehindTheServerByLessThanHalfTheBoundPassesProvenAsOfTheRequestNotThePass', async () => {
  // A backend busy with a fast-changing resource reads its watch seconds behind the server. Its
  // cache is then as old as its lag, which is fresh enough within the bound (10 s by default):
  // failing it made the upstream lapse and relist, at 20,000 changes a second the costliest
  // thing it can do (row 2). The probe waits, and the proof it gives is dated at its request.
  const { graceMs } = proofTimings(10_000);
  const { from, versions } = await changesSinceNow(5);
  const witness = new WatchWitness();
  let deliveredAt = 0;
  const askedBy = Date.now();
  // Well past the probe's bookmark (about a second in) plus the old 2 s grace.
  const late = setTimeout(() => {
    deliveredAt = Date.now();
    for (const rv of versions) witness.delivered(rv);
  }, 3500);
  try {
    const outcome = await probeOnce({ client, path: '/api/v1/pods', witness, from, graceMs, signal: new AbortController().signal });
    expect(outcome).toMatchObject({ ok: true, events: 5 });
    // Proven as of the request, which came before the watch caught up: a late pass is an older proof.
    expect(deliveredAt).toBeGreaterThan(0);
    expect(outcome.ok && outcome.provenAt).toBeLessThan(deliveredAt);
    expect(outcome.ok && outcome.provenAt).toBeLessThanOrEqual(askedBy + 1000);
  } finally {
    clearTimeout(late);
  }
});

test('failsAtItsGraceCountingEveryChangeStillMissing', async () => {
  const { from, versions } = await changesSinceNow(5);
  const witness = new WatchWitness();
  // The first is delivered, the second and fourth never are.
  for (const rv of [versions[0]!, versions[2]!, versions[4]!]) witness.delivered(rv);
  const outcome = await probeOnce({ client, path: '/api/v1/pods', witness, from, graceMs: 200, signal: new AbortController().signal });
  expect(outcome).toEqual({ ok: false, message: 'the watch has not delivered 2 of 5 changes the API server has' });
});

test('aPassIsNeverDatedLaterThanTheServerCouldHaveWrittenWhatProvedIt', async () => {
  // Every watch line leaves the server 1.5 s after it was written (the demo's lag-watches fault),
  // as it would behind a slow proxy or a busy reader. The bookmark (or, past the probe's 3 s
  // deadline, the last change) was written at least the lag before it arrived, and the server's
  // state it vouches for is older still: a proof dated at its arrival claimed the cache 1.5 s
  // younger than anything the server had said.
  const lagMs = 1500;
  const { from, versions } = await changesSinceNow(5);
  const witness = new WatchWitness();
  for (const rv of versions) witness.delivered(rv);
  cluster.faults.set({ fault: 'lag-watches', resource: 'pods', ms: lagMs });
  try {
    const outcome = await probeOnce({ client, path: '/api/v1/pods', witness, from, graceMs: 5000, signal: new AbortController().signal });
    const passedAt = Date.now();
    expect(outcome).toMatchObject({ ok: true, events: 5 });
    // The proof's age right after the pass is at least the lag its lines waited.
    expect(outcome.ok && passedAt - outcome.provenAt).toBeGreaterThanOrEqual(lagMs);
  } finally {
    cluster.faults.clear();
  }
});
