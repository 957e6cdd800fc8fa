/**
 * Whatever a client sends, the demo cluster answers with a Kubernetes Status of the right code,
 * keeps its state sound, and goes on serving.
 */
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { startDemoCluster } from '../../demo-cluster/index.js';
import type { DemoCluster } from '../../demo-cluster/index.js';
import { call } from './client.js';

let cluster: DemoCluster;
const node = 'demo-worker-1';

beforeAll(async () => {
  cluster = await startDemoCluster({ seed: 9 });
});
afterAll(() => cluster.stop());

const merge = { 'Content-Type': 'application/merge-patch+json' };

async function expectStatus(path: string, code: number, reason: string, options: Parameters<typeof call>[2] = {}): Promise<{ message: string }> {
  const r = await call(cluster, path, options);
  expect({ path, status: r.status }).toEqual({ path, status: code });
  const body = r.json();
  expect(body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason });
  return body;
}

function nodeNow(): Record<string, unknown> {
  return (cluster.listObjects('nodes') as { metadata: { name: string } }[]).find((n) => n.metadata.name === node) as Record<string, unknown>;
}

test('missingOrWrongTokenIs401', async () => {
  await expectStatus('/api/v1/pods', 401, 'Unauthorized', { token: null });
  await expectStatus('/api/v1/pods', 401, 'Unauthorized', { token: 'not-the-token' });
  await expectStatus('/version', 401, 'Unauthorized', { headers: { Authorization: 'Basic abc' }, token: null });
});

test('unknownResourcesAndObjectsAre404', async () => {
  await expectStatus('/api/v1/widgets', 404, 'NotFound');
  await expectStatus('/apis/example.com/v1/gizmos', 404, 'NotFound');
  await expectStatus('/apis/apps/v2/deployments', 404, 'NotFound');
  const missing = await expectStatus('/api/v1/namespaces/shop/pods/no-such-pod', 404, 'NotFound');
  expect(missing.message).toBe('pods "no-such-pod" not found');
  await expectStatus('/api/v1/nodes/demo-worker-1/extra/segments', 404, 'NotFound');
  await expectStatus('/api/v1/namespaces/shop/nodes', 404, 'NotFound');
});

test('garbagePathsAndParametersAreClearErrors', async () => {
  await expectStatus('/api/v1/namespaces/%zz/pods', 400, 'BadRequest');
  await expectStatus('/api/v1/namespaces/..%2F..%2Fetc/pods', 404, 'NotFound');
  await expectStatus(`/api/v1/${'x'.repeat(5000)}`, 404, 'NotFound');
  await expectStatus('/no/such/thing', 404, 'NotFound');
  await expectStatus('/api/v1/pods?limit=abc', 400, 'BadRequest');
  await expectStatus('/api/v1/pods?labelSelector=' + encodeURIComponent('app in (a,b'), 400, 'BadRequest');
  const field = await expectStatus('/api/v1/pods?fieldSelector=spec.hostname%3Dx', 400, 'BadRequest');
  expect(field.message).toContain('field label not supported');
  await expectStatus('/api/v1/pods?continue=not-a-token', 400, 'BadRequest');
  await expectStatus('/api/v1/pods?watch=true&resourceVersion=abc', 400, 'BadRequest');
});

test('malformedBodiesAndPatchesAre400AndLeaveTheNodeUnchanged', async () => {
  const before = nodeNow();
  const path = `/api/v1/nodes/${node}`;
  await expectStatus(path, 400, 'BadRequest', { method: 'PATCH', body: '{"spec": {', headers: merge });
  await expectStatus(path, 400, 'BadRequest', { method: 'PATCH', body: '', headers: merge });
  await expectStatus(path, 400, 'BadRequest', { method: 'PATCH', body: '{"op":"add"}', headers: { 'Content-Type': 'application/json-patch+json' } });
  await expectStatus(path, 400, 'BadRequest', { method: 'PATCH', body: '[{"op":"explode","path":"/spec"}]', headers: { 'Content-Type': 'application/json-patch+json' } });
  await expectStatus(path, 400, 'BadRequest', { method: 'PATCH', body: '{"spec":{"$patch":"shred"}}', headers: { 'Content-Type': 'application/strategic-merge-patch+json' } });
  await expectStatus(path, 415, 'UnsupportedMediaType', { method: 'PATCH', body: '{}', headers: { 'Content-Type': 'text/plain' } });
  expect(nodeNow()).toEqual(before);
});

test('patchesThatWouldCorruptStateAre422AndLeaveTheNodeUnchanged', async () => {
  const before = nodeNow();
  const path = `/api/v1/nodes/${node}`;
  const notBoolean = await expectStatus(path, 422, 'Invalid', { method: 'PATCH', body: '{"spec":{"unschedulable":"yes"}}', headers: merge });
  expect(notBoolean.message).toContain('spec.unschedulable');
  await expectStatus(path, 422, 'Invalid', { method: 'PATCH', body: '{"spec":{"taints":[{"key":"k","effect":"Explode"}]}}', headers: merge });
  await expectStatus(path, 422, 'Invalid', { method: 'PATCH', body: '{"metadata":{"labels":{"a":5}}}', headers: merge });
  await expectStatus(path, 422, 'Invalid', { method: 'PATCH', body: '{"spec":{"podCIDR":"1.2.3.0/24"}}', headers: merge });
  await expectStatus(path, 422, 'Invalid', { method: 'PATCH', body: '{"metadata":{"name":"renamed"}}', headers: merge });
  await expectStatus(path, 422, 'Invalid', { method: 'PATCH', body: '[{"op":"replace","path":"/spec/unschedulable","value":1}]', headers: { 'Content-Type': 'application/json-patch+json' } });
  expect(nodeNow()).toEqual(before);
  // A sound JSON patch goes through.
  const ok = await call(cluster, path, { method: 'PATCH', body: '[{"op":"add","path":"/spec/unschedulable","value":true}]', headers: { 'Content-Type': 'application/json-patch+json' } });
  expect(ok.status).toBe(200);
  expect(ok.json().spec.unschedulable).toBe(true);
  await call(cluster, path, { method: 'PATCH', body: '{"spec":{"unschedulable":null}}', headers: merge });
});

test('staleResourceVersionOnUpdateIs409', async () => {
  const current = (await call(cluster, `/api/v1/nodes/${node}`)).json();
  const stale = { ...current, metadata: { ...current.metadata, resourceVersion: '1' } };
  await expectStatus(`/api/v1/nodes/${node}`, 409, 'Conflict', { method: 'PUT', body: JSON.stringify(stale), headers: { 'Content-Type': 'application/json' } });
  await expectStatus(`/api/v1/nodes/${node}`, 409, 'Conflict', { method: 'PATCH', body: '{"metadata":{"resourceVersion":"1","labels":{"x":"y"}}}', headers: merge });
  // The current version goes through.
  const fresh = { ...current, spec: { ...current.spec, unschedulable: true } };
  const ok = await call(cluster, `/api/v1/nodes/${node}`, { method: 'PUT', body: JSON.stringify(fresh), headers: { 'Content-Type': 'application/json' } });
  expect(ok.status).toBe(200);
  await call(cluster, `/api/v1/nodes/${node}`, { method: 'PATCH', body: '{"spec":{"unschedulable":null}}', headers: merge });
});

test('unsupportedVerbsAre405AndBadScalesAre422', async () => {
  await expectStatus('/api/v1/namespaces/shop/pods', 405, 'MethodNotAllowed', { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } });
  await expectStatus('/api/v1/namespaces/shop', 405, 'MethodNotAllowed', { method: 'DELETE' });
  await expectStatus('/apis/apps/v1/namespaces/shop/deployments/frontend/scale', 422, 'Invalid', { method: 'PATCH', body: '{"spec":{"replicas":-3}}', headers: merge });
  await expectStatus('/apis/apps/v1/namespaces/shop/deployments/frontend/scale', 422, 'Invalid', { method: 'PATCH', body: '{"spec":{"replicas":1000000}}', headers: merge });
});

test('oversizedBodiesAre413', async () => {
  const huge = JSON.stringify({ metadata: { annotations: { big: 'x'.repeat(2 * 1024 * 1024) } } });
  await expectStatus(`/api/v1/nodes/${node}`, 413, 'RequestEntityTooLarge', { method: 'PATCH', body: huge, headers: merge });
});

test('nonTlsAndBrokenTlsConnectionsAreDroppedWithoutHarm', async () => {
  const port = Number(new URL(cluster.url).port);
  await new Promise<void>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\xff garbage'));
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    socket.resume();
  });
  await new Promise<void>((resolve) => {
    const socket = tlsConnect({ port, host: '127.0.0.1', ca: cluster.caPem }, () => socket.write('\x16\x03 not http at all\r\n\r\n'));
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    socket.resume();
  });
  expect((await call(cluster, '/version')).status).toBe(200);
});

test('afterAllThatTheServerStillAnswers', async () => {
  const version = await call(cluster, '/version');
  expect(version.status).toBe(200);
  expect(version.json().gitVersion).toMatch(/^v1\.31/);
  const nodes = await call(cluster, '/api/v1/nodes');
  expect(nodes.json().items).toHaveLength(cluster.listObjects('nodes').length);
});
