/**
 * The watch actor tells its machine of progress at most once per turn and once per
 * `progressEveryMs`, carrying the newest resourceVersion, not once per event: changes from the
 * demo cluster, over a real socket, land in the sink event by event while the machine hears far
 * fewer WATCH.PROGRESS.
 */
import { createActor, setup, type EventObject } from 'xstate';
import { KubeClient, loadKubeConfig } from '../../../adapters/kube/client.js';
import { listWatchActors, objectCollection, progressEveryMs, type CacheSink } from '../../../adapters/kube/listWatch.js';
import { podRow } from '../../../adapters/kube/rows.js';
import type { WatchInput } from '../../../machines/upstreamMachine.js';
import { startDemoCluster, type DemoCluster } from '../../../demo-cluster/index.js';
import { waitUntil } from '../../demo-cluster/client.js';

let cluster: DemoCluster;
beforeAll(async () => {
  cluster = await startDemoCluster({ seed: 21, nodes: 2, pods: 200, churn: 0 });
});
afterAll(() => cluster.stop());

/** A watch on all pods from now, its sink's versions and what its machine heard, each with when. */
async function watchedPods() {
  const client = new KubeClient(loadKubeConfig({ kubeconfigYaml: cluster.kubeconfigYaml }));
  const applied: string[] = [];
  const sink: CacheSink = {
    replace: () => undefined,
    apply: (_type, _row, resourceVersion) => applied.push(resourceVersion),
    bookmark: () => undefined,
  };
  const { watchResource } = listWatchActors(client, objectCollection('/api/v1/pods', podRow), sink);
  const heard: { event: EventObject; at: number }[] = [];
  const listed = await client.requestJson<{ metadata: { resourceVersion: string } }>('GET', '/api/v1/pods', { query: { limit: 1 } });
  const watching = setup({ actors: { watchResource } }).createMachine({
    invoke: { src: 'watchResource', input: { resource: 'pods', resourceVersion: listed.metadata.resourceVersion, timeoutSeconds: 60 } satisfies WatchInput },
    on: { '*': { actions: ({ event }) => heard.push({ event, at: performance.now() }) } },
  });
  const opened = cluster.openWatches();
  const actor = createActor(watching).start();
  await waitUntil(() => cluster.openWatches() > opened, 'the watch to open');
  const progress = () => heard.map((h) => h.event as unknown as { type: string; resourceVersion: string });
  const caughtUp = () => heard.length > 0 && progress().at(-1)!.resourceVersion === applied.at(-1);
  return { applied, heard, progress, caughtUp, stop: () => actor.stop() };
}

test('aBurstOfWatchEventsIsToldAsFewProgressEventsEndingAtTheNewestVersion', async () => {
  const watch = await watchedPods();
  try {
    const burst = 40;
    expect(cluster.load(burst)).toBe(burst);
    await waitUntil(() => watch.applied.length === burst && watch.caughtUp(), 'the burst and its progress');
    const progress = watch.progress();
    expect(progress.every((p) => p.type === 'WATCH.PROGRESS')).toBe(true);
    expect(progress.length).toBeLessThan(burst / 4);
    // Each one is a version the sink received, in the order it received them.
    const places = progress.map((p) => watch.applied.indexOf(p.resourceVersion));
    expect(places.every((at) => at >= 0)).toBe(true);
    expect(places).toEqual([...places].sort((a, b) => a - b));
  } finally {
    watch.stop();
  }
});

test('changesArrivingTurnAfterTurnAreToldNoMoreOftenThanProgressEveryMsAndTheLastIsTheNewest', async () => {
  const watch = await watchedPods();
  try {
    // Small bursts 10 ms apart for half a second: each lands in turns of its own.
    const bursts = 50;
    for (let i = 0; i < bursts; i++) {
      cluster.load(2);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await waitUntil(() => watch.applied.length === bursts * 2 && watch.caughtUp(), 'the bursts and their progress');
    const times = watch.heard.map((h) => h.at);
    const gaps = times.slice(1).map((at, i) => at - times[i]!);
    // A timer may fire a little early against performance.now() (libuv counts whole milliseconds
    // from a loop time taken before the turn ran); one per turn would be ~10 ms apart here.
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(progressEveryMs - 10);
    expect(watch.heard.length).toBeGreaterThan(1);
    const places = watch.progress().map((p) => watch.applied.indexOf(p.resourceVersion));
    expect(places.every((at) => at >= 0)).toBe(true);
    expect(places).toEqual([...places].sort((a, b) => a - b));
  } finally {
    watch.stop();
  }
});
