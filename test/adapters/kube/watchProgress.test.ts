/**
 * The watch actor tells its machine of progress once per turn, carrying the newest
 * resourceVersion, not once per event: a burst of changes from the demo cluster, over a real
 * socket, lands in the sink event by event while the machine hears far fewer WATCH.PROGRESS.
 */
import { createActor, setup, type EventObject } from 'xstate';
import { KubeClient, loadKubeConfig } from '../../../adapters/kube/client.js';
import { listWatchActors, objectCollection, type CacheSink } from '../../../adapters/kube/listWatch.js';
import { podRow } from '../../../adapters/kube/rows.js';
import type { WatchInput } from '../../../machines/upstreamMachine.js';
import { startDemoCluster, type DemoCluster } from '../../../demo-cluster/index.js';
import { waitUntil } from '../../demo-cluster/client.js';

let cluster: DemoCluster;
beforeAll(async () => {
  cluster = await startDemoCluster({ seed: 21, nodes: 2, pods: 200, churn: 0 });
});
afterAll(() => cluster.stop());

test('aBurstOfWatchEventsIsToldAsFewProgressEventsEndingAtTheNewestVersion', async () => {
  const client = new KubeClient(loadKubeConfig({ kubeconfigYaml: cluster.kubeconfigYaml }));
  const applied: string[] = [];
  const sink: CacheSink = {
    replace: () => undefined,
    apply: (_type, _row, resourceVersion) => applied.push(resourceVersion),
    bookmark: () => undefined,
  };
  const { watchResource } = listWatchActors(client, objectCollection('/api/v1/pods', podRow), sink);
  const heard: EventObject[] = [];
  const listed = await client.requestJson<{ metadata: { resourceVersion: string } }>('GET', '/api/v1/pods', { query: { limit: 1 } });
  const watching = setup({ actors: { watchResource } }).createMachine({
    invoke: { src: 'watchResource', input: { resource: 'pods', resourceVersion: listed.metadata.resourceVersion, timeoutSeconds: 60 } satisfies WatchInput },
    on: { '*': { actions: ({ event }) => heard.push(event) } },
  });
  const actor = createActor(watching).start();
  try {
    await waitUntil(() => cluster.openWatches() > 0, 'the watch to open');
    const burst = 40;
    expect(cluster.load(burst)).toBe(burst);
    await waitUntil(() => applied.length === burst && heard.length > 0 && (heard.at(-1) as { resourceVersion?: string }).resourceVersion === applied.at(-1), 'the burst and its progress');
    const progress = heard.filter((e) => e.type === 'WATCH.PROGRESS') as unknown as { resourceVersion: string }[];
    expect(progress.length).toBe(heard.length);
    expect(progress.length).toBeLessThan(burst / 4);
    // Each one is a version the sink received, in the order it received them.
    const places = progress.map((p) => applied.indexOf(p.resourceVersion));
    expect(places.every((at) => at >= 0)).toBe(true);
    expect(places).toEqual([...places].sort((a, b) => a - b));
  } finally {
    actor.stop();
  }
});
