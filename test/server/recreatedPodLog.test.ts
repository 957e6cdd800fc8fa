/**
 * A pod re-created under the name of one whose log is followed (a StatefulSet brings its ordinal
 * back the moment the pod is deleted) is another pod, with a log of its own. The follower must
 * never join that log to the old pod's lines: the old lines stay, marked `ended: "pod-deleted"`,
 * until the new pod's container has started, and are then replaced whole by the new pod's tail,
 * which is checked line for line against the cluster's own log endpoint. With the backend's pods
 * watch running, the follower hears of the new pod from it: here its own recheck is put ten
 * minutes away, so the pods watch is the only way it can learn in time. Without a pods watch it
 * learns at its next recheck (5 s, the second test). On the real demo cluster.
 */
import type { LogLineRow } from '../../adapters/rows.js';
import type { ServerFrame, UpstreamReport } from '../../adapters/protocol.js';
import { call } from '../demo-cluster/client.js';
import { MiniStore, startStack, StreamClient, waitFor, type Stack } from './support.js';

interface DemoPod {
  metadata: { name: string; namespace: string; uid: string; deletionTimestamp?: string; ownerReferences?: { kind: string }[] };
  spec: { containers: { name: string }[] };
  status: { phase?: string; containerStatuses?: { name: string; state?: { running?: { startedAt?: string } } }[] };
}

/** A running StatefulSet pod: deleting it brings another under the same name at once. */
function statefulPod(stack: Stack, skip: readonly string[] = []): DemoPod {
  const pod = (stack.demo.listObjects('pods') as DemoPod[]).find(
    (p) => p.status.phase === 'Running' && !p.metadata.deletionTimestamp && p.metadata.ownerReferences?.[0]?.kind === 'StatefulSet' && !skip.includes(p.metadata.name),
  );
  if (!pod) throw new Error('the demo cluster generated no running StatefulSet pod to follow');
  return pod;
}

/**
 * Deletes the pod and follows what the client is sent until it holds the new pod's log. After
 * every frame, old and new lines are never held together; the old lines are marked as the deleted
 * pod's at some point, and new ones never are.
 */
async function deleteAndWatchTheReplacement(stack: Stack, client: StreamClient, pod: DemoPod, id: string) {
  const { name, namespace } = pod.metadata;
  const container = pod.spec.containers[0]!.name;
  const podPath = `/api/v1/namespaces/${namespace}/pods/${name}`;
  const store = new MiniStore();
  let fed = 0;
  let report: UpstreamReport | null = null;
  const feedAll = () => {
    const frames = client.framesFor(id);
    for (; fed < frames.length; fed++) {
      const frame = frames[fed] as ServerFrame;
      store.apply(frame);
      if (frame.type === 'reset' || frame.type === 'heartbeat' || frame.type === 'status') report = frame.upstream;
      check(frame.type);
    }
  };
  let deletedAt = Number.POSITIVE_INFINITY;
  let marked = false;
  const mixed: string[] = [];
  const markedNew: string[] = [];
  const wrongUid: string[] = [];
  const check = (type: ServerFrame['type']) => {
    const times = [...store.rows.values()].map((r) => Date.parse((r as LogLineRow).time ?? ''));
    const old = times.filter((t) => t < deletedAt).length;
    const fresh = times.length - old;
    if (old > 0 && fresh > 0) mixed.push(`${old} old and ${fresh} new lines held together`);
    if (report?.ended === 'pod-deleted') marked = true;
    // Whose log the lines are: the old pod's until the new pod's replace them.
    if (type !== 'update' && old > 0 && report?.podUid !== pod.metadata.uid) wrongUid.push(`old lines under podUid ${report?.podUid}`);
    // The report that describes an update is the status sent right after it (what was sent before
    // a status is what the status is about), so the mark is checked against reports only.
    if (type !== 'update' && fresh > 0 && report?.ended !== undefined) markedNew.push(`new lines held under the deleted pod’s mark (${type})`);
  };
  await client.next(id, 'reset');
  feedAll();
  expect(store.rows.size).toBeGreaterThan(0);

  deletedAt = Date.now();
  expect((await call(stack.demo, `${podPath}?gracePeriodSeconds=0`, { method: 'DELETE' })).status).toBe(200);
  const replacement = (await call(stack.demo, podPath)).json<DemoPod>();
  expect(replacement.metadata.uid).not.toBe(pod.metadata.uid);

  // Until the client holds lines of the new pod only, and the mark is gone.
  const started = await waitFor(
    'the new pod’s lines, unmarked',
    () => {
      feedAll();
      const times = [...store.rows.values()].map((r) => Date.parse((r as LogLineRow).time ?? ''));
      return times.length > 0 && times.every((t) => t >= deletedAt) && report?.ended === undefined && report?.healthy === true;
    },
    20_000,
    () => `${store.rows.size} lines held, last report ${JSON.stringify(report)}`,
  );
  expect(started).toBe(true);
  expect(mixed).toEqual([]);
  expect(markedNew).toEqual([]);
  expect(wrongUid).toEqual([]);
  expect(marked).toBe(true);
  expect(report!.podUid).toBe(replacement.metadata.uid);

  // The truth: the new pod's log as the cluster serves it, read after what the client holds.
  const truth = await call(stack.demo, `${podPath}/log?container=${container}&timestamps=true&tailLines=500`);
  expect(truth.status).toBe(200);
  const truthLines = truth.text.split('\n').filter((l) => l !== '');
  feedAll();
  const held = [...store.rows.values()].map((r) => r as LogLineRow).sort((a, b) => (a.uid < b.uid ? -1 : 1));
  const lastHeld = held.map((r) => r.time!).sort().at(-1)!;
  const truthUpToHeld = truthLines.filter((l) => l.slice(0, l.indexOf(' ')) <= lastHeld);
  expect(held.map((r) => `${r.time} ${r.line}`).sort()).toEqual(truthUpToHeld.sort());
  expect(store.disagreements).toEqual([]);
}

describe('with the backend’s pods watch running', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { pods: 40, namespaces: 6 }, backend: { logRecheckMs: 10 * 60_000 } });
  });
  afterAll(async () => {
    await stack.stop();
  });

  test('aPodRecreatedUnderTheNameIsReadAfreshAsThePodsWatchSeesItNeverJoinedToTheOldLines', async () => {
    const pod = statefulPod(stack);
    const { name, namespace } = pod.metadata;
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'pods', domain: 'pods', scope: namespace });
    await client.next('pods', 'reset');
    client.send({ type: 'subscribe', id: 'log', domain: 'pod-logs', scope: `${namespace}/${name}/${pod.spec.containers[0]!.name}` });
    await deleteAndWatchTheReplacement(stack, client, pod, 'log');
    client.close();
  }, 30_000);
});

describe('with no pods watch', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { pods: 40, namespaces: 6 } });
  });
  afterAll(async () => {
    await stack.stop();
  });

  test('aPodRecreatedUnderTheNameIsReadAfreshAtTheNextRecheckNeverJoinedToTheOldLines', async () => {
    const pod = statefulPod(stack);
    const { name, namespace } = pod.metadata;
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'log', domain: 'pod-logs', scope: `${namespace}/${name}/${pod.spec.containers[0]!.name}` });
    await deleteAndWatchTheReplacement(stack, client, pod, 'log');
    client.close();
  }, 30_000);
});
