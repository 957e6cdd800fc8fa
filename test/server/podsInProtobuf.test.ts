/**
 * Pods are watched in protobuf where the cluster serves it (adapters/kube/protobuf.ts), and the
 * rows that come of it are the rows the cluster's own JSON gives: checked on every pod of the
 * demo's troubleshooting scenarios (init containers, sidecars, crash loops, Terminating,
 * scheduling gates), while the cluster churns, against `podRow` of each pod read straight from
 * the cluster, field by field. The backend lists in JSON and watches in protobuf, so the pods the
 * churn did not touch came by JSON: the second test reads every pod through the protobuf reader.
 */
import { KubeClient, loadKubeConfig } from '../../adapters/kube/client.js';
import { objectCollection } from '../../adapters/kube/listWatch.js';
import { protobufAccept } from '../../adapters/kube/protobuf.js';
import { podRow, type KubeObject } from '../../adapters/kube/rows.js';
import { streamList } from '../../adapters/kube/streamingList.js';
import type { Row } from '../../adapters/rows.js';
import { MiniStore, StreamClient, demoDigest, feed, startStack, upstreamOf, waitFor, type Stack } from './support.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ demo: { pods: 400, churn: 0, scenarios: true } });
});
afterAll(() => stack.stop());

/** What a pod row shows a person, without what the backend adds beside it (shared values, metrics). */
function shown(row: Row): unknown {
  const pod = row as unknown as Record<string, unknown>;
  const keys = ['uid', 'resourceVersion', 'name', 'namespace', 'phase', 'status', 'ready', 'restarts', 'lastRestartAt', 'nodeName', 'owner', 'createdAt', 'deleting', 'containers'];
  return Object.fromEntries(keys.map((k) => [k, pod[k]]));
}

test('watchesPodsInProtobufAndHoldsTheRowsTheClusterJsonGives', async () => {
  const client = await StreamClient.connect(stack.base);
  const store = new MiniStore();
  let fed = 0;
  client.send({ type: 'subscribe', id: 'p', domain: 'pods', scope: '' });
  // Churn from before the list until changes have flowed over the watch for a while.
  const churning = setInterval(() => stack.demo.churn(5), 50);
  try {
    await waitFor('the pods watch to open', async () => (await upstreamOf(stack, 'pods'))?.watchEncoding, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
  } finally {
    clearInterval(churning);
  }
  const upstream = await upstreamOf(stack, 'pods');
  expect(upstream?.watchEncoding).toBe('protobuf');
  const counts = stack.demo.protobufRequestCounts();
  expect(counts['GET /api/v1/pods']).toBeGreaterThanOrEqual(1);

  let truth = demoDigest(stack.demo, 'pods');
  await waitFor('the pods view to equal the cluster', () => {
    fed = feed(store, client, 'p', fed);
    truth = demoDigest(stack.demo, 'pods');
    return store.rows.size === truth.count && store.digest() === truth.digest && store.heartbeatsAgreeing > 0;
  }, 30_000, () => `store ${store.rows.size}/${store.digest()}, cluster ${truth.count}/${truth.digest}`);
  const objects = stack.demo.listObjects('pods') as KubeObject[];
  const expected = objects.map((object) => shown(podRow(JSON.parse(JSON.stringify(object)) as KubeObject)));
  const held = objects.map((object) => store.rows.get(object.metadata!.uid!)).map((row) => (row ? shown(row) : null));
  expect(held).toEqual(expected);
  // The scenarios' odd shapes are among them, so the comparison covered more than running pods.
  const statuses = new Set(expected.map((row) => (row as { status: string }).status));
  expect(statuses.size).toBeGreaterThanOrEqual(6);
  expect(store.disagreements).toEqual([]);
  client.close();
});

test('everyScenarioPodReadFromProtobufGivesTheRowItsJsonGives', async () => {
  const client = new KubeClient(loadKubeConfig({ kubeconfigYaml: stack.demo.kubeconfigYaml }));
  try {
    // A streaming list is a watch: asked for protobuf, every pod comes as a frame through the backend's reader.
    // The two lists are a moment apart and the cluster's pods still move (deletions finishing after
    // the churn, the scenarios' crash loops): compare the pods both hold at the same version, which
    // must be nearly all. On a loaded machine the moment can be long enough for more to move, so
    // the pair is read again (up to five times) until it is.
    const readBoth = async () => {
      const inProtobuf = await streamList(client, { ...objectCollection('/api/v1/pods', podRow), accept: protobufAccept }, 30_000);
      const inJson = await streamList(client, objectCollection('/api/v1/pods', podRow), 30_000);
      const json = new Map(inJson!.rows.map((row) => [`${row.uid}@${row.resourceVersion}`, shown(row)]));
      return { inJson: inJson!, json, both: inProtobuf!.rows.filter((row) => json.has(`${row.uid}@${row.resourceVersion}`)) };
    };
    let read = await readBoth();
    for (let tries = 1; tries < 5 && read.both.length <= read.inJson.rows.length - 10; tries++) read = await readBoth();
    const { inJson, json, both } = read;
    expect(both.length).toBeGreaterThan(inJson.rows.length - 10);
    expect(both.map((row) => shown(row))).toEqual(both.map((row) => json.get(`${row.uid}@${row.resourceVersion}`)));
    expect(new Set(both.map((row) => (row as unknown as { status: string }).status)).size).toBeGreaterThanOrEqual(6);
    expect(stack.demo.protobufRequestCounts()['GET /api/v1/pods']).toBeGreaterThanOrEqual(2);
  } finally {
    client.close();
  }
});
