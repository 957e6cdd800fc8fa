/**
 * A watch resuming far behind is served at the client's pace: a resourceVersion still in the
 * history window gets every change after it, however many megabytes that is, instead of being
 * dropped as a slow watcher the moment it returns.
 */
import { request } from 'node:https';
import { startDemoCluster, type DemoCluster } from '../../demo-cluster/index.js';
import { call, waitUntil } from './client.js';

let cluster: DemoCluster;
beforeAll(async () => {
  cluster = await startDemoCluster({ seed: 17, nodes: 2, pods: 400, churn: 0, watchWindow: 40_000 });
});
afterAll(() => cluster.stop());

test('aWatchFromFarBehindGetsEveryChangeSinceInOrderAndStaysOpen', async () => {
  const rv = Number((await call(cluster, '/api/v1/pods?limit=1')).json().metadata.resourceVersion);
  // About 2 KB each: 30,000 changes are far past the 32 MB a live watcher may leave unsent.
  const behind = 30_000;
  expect(cluster.load(behind)).toBe(behind);
  let partial = '';
  let events = 0;
  let ordered = true;
  let last = rv;
  let ended = false;
  const req = request(new URL(`/api/v1/pods?watch=1&resourceVersion=${rv}`, cluster.url), { headers: { authorization: `Bearer ${cluster.token}` }, ca: cluster.caPem }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const version = Number((JSON.parse(line) as { object: { metadata: { resourceVersion: string } } }).object.metadata.resourceVersion);
        if (version <= last) ordered = false;
        last = version;
        events++;
      }
    });
    res.on('end', () => (ended = true));
  });
  req.on('error', () => undefined);
  req.end();
  try {
    await waitUntil(() => events >= behind || ended, 'every change since the resourceVersion', 60_000);
    expect(ended).toBe(false);
    expect(events).toBe(behind);
    expect(ordered).toBe(true);
    // Caught up, it follows: a change made now arrives too.
    cluster.load(1);
    await waitUntil(() => events === behind + 1, 'the next live change');
  } finally {
    req.destroy();
  }
}, 90_000);
