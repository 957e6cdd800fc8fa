/**
 * The HTTP API against the demo cluster: ETag polling, cordon reaching the stream, metrics
 * cached for the interval, whole objects, and clear 4xx answers for bad requests.
 */
import { request } from 'node:http';
import { digestOf } from '../../adapters/digest.js';
import type { NodeRow } from '../../adapters/protocol.js';
import { StreamClient, expectDashboardServed, getJson, startStack, waitFor, type Stack } from './support.js';

describe('HTTP API', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { pods: 40, churn: 0 }, config: { metricsIntervalMs: 60_000 } });
  });
  afterAll(() => stack.stop());

  test('ETag polling returns 304 while nothing changes, and 200 with a new ETag once something does', async () => {
    const url = `${stack.base}/api/v1/snapshot/pods?scope=`;
    // The first poll starts the upstream; once its cache is healthy the answers come from it.
    const fromCache = await waitFor('a snapshot served from the cache', async () => {
      const r = await getJson(url);
      return r.body.source === 'cache' ? r : undefined;
    });
    const etag = fromCache.headers.get('etag')!;
    expect(etag).toBeTruthy();
    for (let i = 0; i < 5; i++) {
      const again = await fetch(url, { headers: { 'If-None-Match': etag } });
      expect(again.status).toBe(304);
      expect(await again.text()).toBe('');
    }
    stack.demo.churn(5);
    const changed = await waitFor('a 200 after a change', async () => {
      const r = await fetch(url, { headers: { 'If-None-Match': etag } });
      return r.status === 200 ? r : undefined;
    });
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  test('a namespaced snapshot holds only that namespace, and its digest matches its items', async () => {
    const all = await getJson(`${stack.base}/api/v1/snapshot/pods`);
    const namespace = all.body.items[0].namespace as string;
    const one = await getJson(`${stack.base}/api/v1/snapshot/pods?scope=${namespace}`);
    expect(one.status).toBe(200);
    expect(one.body.items.length).toBeGreaterThan(0);
    expect(one.body.items.every((p: { namespace: string }) => p.namespace === namespace)).toBe(true);
    expect(one.body.count).toBe(one.body.items.length);
    expect(one.body.digest).toBe(digestOf(one.body.items));
  });

  test('cordon through the API reaches a subscribed client, and uncordon too', async () => {
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'nodes', domain: 'nodes' });
    const reset = await client.next('nodes', 'reset');
    const node = reset.items[0] as NodeRow;
    expect(node.unschedulable).toBe(false);

    const cordoned = await getJson(`${stack.base}/api/v1/nodes/${node.name}/cordon`, { method: 'POST', headers: { 'Content-Type': 'application/json' } });
    expect(cordoned.status).toBe(200);
    expect(cordoned.body).toMatchObject({ name: node.name, unschedulable: true });
    await waitFor('an update with the node unschedulable', () =>
      client.framesFor('nodes').some((f) => f.type === 'update' && f.changes.some((c) => c.op === 'upsert' && c.row.uid === node.uid && (c.row as NodeRow).unschedulable)),
    );
    const mark = client.frames.length;
    await getJson(`${stack.base}/api/v1/nodes/${node.name}/uncordon`, { method: 'POST', headers: { 'Content-Type': 'application/json' } });
    await waitFor('an update with the node schedulable again', () =>
      client.frames.slice(mark).some((f) => f.type === 'update' && f.changes.some((c) => c.op === 'upsert' && c.row.uid === node.uid && !(c.row as NodeRow).unschedulable)),
    );
    const missing = await getJson(`${stack.base}/api/v1/nodes/no-such-node/cordon`, { method: 'POST', headers: { 'Content-Type': 'application/json' } });
    expect(missing.status).toBe(404);
    client.close();
  });

  test('metrics come from metrics.k8s.io, parsed, and are fetched once per metrics interval', async () => {
    const first = await getJson(`${stack.base}/api/v1/metrics/node-metrics`);
    expect(first.status).toBe(200);
    expect(first.body.domain).toBe('node-metrics');
    expect(first.body.items.length).toBe(3);
    expect(first.body.items[0].usage.cpuMillicores).toEqual(expect.any(Number));
    expect(first.body.items[0].usage.memoryBytes).toEqual(expect.any(Number));
    const before = (await getJson(`${stack.base}/api/v1/diagnostics`)).body.metricsFetches;
    for (let i = 0; i < 3; i++) await getJson(`${stack.base}/api/v1/metrics/nodes`);
    const after = (await getJson(`${stack.base}/api/v1/diagnostics`)).body.metricsFetches;
    expect(after).toBe(before);
    const pods = await getJson(`${stack.base}/api/v1/metrics/pod-metrics`);
    expect(pods.body.items.length).toBeGreaterThan(0);
    expect(pods.body.items[0].namespace).toEqual(expect.any(String));
  });

  test('a metrics poll that sends back the ETag of the same samples gets a 304 and no body', async () => {
    const url = `${stack.base}/api/v1/metrics/pod-metrics`;
    const first = await getJson(url);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"metrics-\d+-/);
    // The interval is a minute here: the same samples until then.
    const again = await fetch(url, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(await again.text()).toBe('');
    const other = await fetch(url, { headers: { 'If-None-Match': '"metrics-0-other"' } });
    expect(other.status).toBe(200);
    expect(other.headers.get('etag')).toBe(etag);
  });

  test('a whole object on demand, without managedFields; secrets and unknown resources are refused', async () => {
    const nodes = await getJson(`${stack.base}/api/v1/snapshot/nodes`);
    const name = nodes.body.items[0].name;
    const node = await getJson(`${stack.base}/api/v1/object/nodes/${name}`);
    expect(node.status).toBe(200);
    expect(node.body.metadata.name).toBe(name);
    expect(node.body.metadata.managedFields).toBeUndefined();
    expect((await getJson(`${stack.base}/api/v1/object/secrets/default/x`)).status).toBe(404);
    expect((await getJson(`${stack.base}/api/v1/object/pods/only-a-name`)).status).toBe(400);
  });

  test('bad requests get a clear 4xx and the server stays up', async () => {
    const unknown = await getJson(`${stack.base}/api/v1/snapshot/secrets`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: 'unknown-domain' });
    const badScope = await getJson(`${stack.base}/api/v1/snapshot/pods?scope=Not_A_Namespace`);
    expect(badScope.status).toBe(400);
    expect(badScope.body.reason).toMatch(/not a namespace name/);
    const noScope = await getJson(`${stack.base}/api/v1/snapshot/pod-logs`);
    expect(noScope.status).toBe(400);
    expect((await getJson(`${stack.base}/api/v1/nope`)).status).toBe(404);
    expect((await getJson(`${stack.base}/api/v1/object/nodes/%E0%A4%A`)).status).toBe(400);
    expect((await getJson(`${stack.base}/healthz`)).body.ok).toBe(true);
    await expectDashboardServed(`${stack.base}/`);
  });

  test('a request for a foreign Host name is refused (DNS rebinding)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${stack.base}/api/v1/diagnostics`, { headers: { Host: `evil.example:${stack.backend.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });

  test('diagnostics list the upstreams and every client with its subscriptions, and never the token', async () => {
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'ns', domain: 'namespaces' });
    await client.next('ns', 'reset');
    const diagnostics = await getJson(`${stack.base}/api/v1/diagnostics`);
    expect(diagnostics.body.upstreams.map((u: { key: string }) => u.key)).toContain('namespaces');
    const subscriptions = diagnostics.body.clients.flatMap((c: { subscriptions: { id: string }[] }) => c.subscriptions);
    expect(subscriptions).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'ns', domain: 'namespaces', started: true })]));
    expect(JSON.stringify(diagnostics.body)).not.toContain(stack.demo.token);
    client.close();
  });
});
