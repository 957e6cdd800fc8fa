/**
 * Generated hostile input. Writes: arbitrary JSON sent as every patch type (and as PUT bodies) to a node
 * and a deployment. Whatever arrives, the answer is a proper status code, the objects keep a
 * shape every printer and client can read, and the server keeps serving. Reads: arbitrary paths and
 * query parameters (watches and log follows left out, as they do not end) get a Status, never a crash.
 */
import fc from 'fast-check';
import { startDemoCluster } from '../../demo-cluster/index.js';
import type { DemoCluster } from '../../demo-cluster/index.js';
import { call } from './client.js';

let cluster: DemoCluster;

beforeAll(async () => {
  cluster = await startDemoCluster({ seed: 17 });
});
afterAll(() => cluster.stop());

const patchTypes = ['application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json'];
const targets = ['/api/v1/nodes/demo-worker-1', '/apis/apps/v1/namespaces/shop/deployments/frontend', '/apis/apps/v1/namespaces/shop/deployments/frontend/scale'];
const allowedCodes = [200, 400, 409, 415, 422];

const fieldPaths = ['/spec/unschedulable', '/spec/taints', '/spec/taints/0', '/spec/replicas', '/metadata/labels', '/metadata/labels/a', '/metadata/name', '/status', '/spec', '/metadata/annotations/x~1y', '/spec/template/metadata/annotations'];

/** Bodies shaped like what clients send, with hostile values in them. */
const hostileBody = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.record({ spec: fc.record({ unschedulable: fc.jsonValue({ maxDepth: 2 }) }) }),
  fc.record({ spec: fc.record({ taints: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.array(fc.record({ key: fc.jsonValue({ maxDepth: 1 }), effect: fc.constantFrom('NoSchedule', 'NoExecute', 'Bogus', 1) }, { requiredKeys: [] }))) }) }),
  fc.record({ spec: fc.record({ replicas: fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.integer({ min: -5, max: 5000 })) }) }),
  fc.record({ spec: fc.record({ template: fc.record({ metadata: fc.record({ annotations: fc.jsonValue({ maxDepth: 2 }) }) }) }) }),
  fc.record({ metadata: fc.record({ labels: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 1 }))), resourceVersion: fc.jsonValue({ maxDepth: 1 }), name: fc.string() }, { requiredKeys: [] }) }),
  fc.array(fc.record({ op: fc.constantFrom('add', 'remove', 'replace', 'test', 'move', 'copy', 'bogus'), path: fc.constantFrom(...fieldPaths), from: fc.constantFrom(...fieldPaths), value: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: ['op', 'path'] }), { maxLength: 4 }),
);

type Node = { metadata: { name: string; labels?: Record<string, unknown> }; spec: { unschedulable?: unknown; taints?: unknown } };
type Deployment = { metadata: { name: string }; spec: { replicas: unknown; template: { metadata: { annotations?: Record<string, unknown> } } } };

function checkSound(): void {
  const node = (cluster.listObjects('nodes') as Node[]).find((n) => n.metadata.name === 'demo-worker-1')!;
  expect(node).toBeDefined();
  expect([undefined, true, false]).toContain(node.spec.unschedulable);
  if (node.spec.taints !== undefined) {
    expect(Array.isArray(node.spec.taints)).toBe(true);
    for (const t of node.spec.taints as { key: unknown; effect: unknown }[]) {
      expect(typeof t.key).toBe('string');
      expect(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).toContain(t.effect);
    }
  }
  for (const v of Object.values(node.metadata.labels ?? {})) expect(typeof v).toBe('string');
  const deployment = (cluster.listObjects('deployments', 'shop') as Deployment[]).find((d) => d.metadata.name === 'frontend')!;
  expect(deployment).toBeDefined();
  expect(Number.isInteger(deployment.spec.replicas)).toBe(true);
  expect(deployment.spec.replicas as number).toBeLessThanOrEqual(1000);
  for (const v of Object.values(deployment.spec.template.metadata.annotations ?? {})) expect(typeof v).toBe('string');
}

test('arbitraryPatchesAndPutsGetAProperAnswerAndNeverCorruptState', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...targets), fc.constantFrom(...patchTypes, 'PUT'), hostileBody, async (path, type, body) => {
      const isPut = type === 'PUT';
      const r = await call(cluster, path, {
        method: isPut ? 'PUT' : 'PATCH',
        body: JSON.stringify(body),
        headers: { 'Content-Type': isPut ? 'application/json' : type },
      });
      expect(allowedCodes).toContain(r.status);
      if (r.status !== 200) expect(r.json()).toMatchObject({ kind: 'Status', code: r.status });
      checkSound();
      // Keep replicas small so the controllers are not asked for a thousand pods.
      if (path.includes('deployments')) {
        await call(cluster, '/apis/apps/v1/namespaces/shop/deployments/frontend/scale', { method: 'PATCH', body: '{"spec":{"replicas":2}}', headers: { 'Content-Type': 'application/merge-patch+json' } });
      }
    }),
    { numRuns: 250, seed: 20261127 },
  );
  // The printers still read every node and pod, and the server still answers.
  const table = await call(cluster, '/api/v1/nodes', { headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
  expect(table.status).toBe(200);
  expect(table.json().rows).toHaveLength(cluster.listObjects('nodes').length);
  expect((await call(cluster, '/api/v1/pods?limit=5')).status).toBe(200);
}, 90_000);

test('arbitraryReadPathsAndQueriesGetAStatusNeverACrash', async () => {
  const segment = fc.oneof(
    fc.constantFrom('api', 'apis', 'v1', 'apps', 'batch', 'metrics.k8s.io', 'v1beta1', 'namespaces', 'shop', 'pods', 'nodes', 'deployments', 'log', 'scale', 'demo-worker-1', '..', '%2F', '%00', '_demo'),
    fc.string({ maxLength: 12 }).map(encodeURIComponent),
  );
  const param = fc.tuple(
    fc.constantFrom('limit', 'continue', 'labelSelector', 'fieldSelector', 'resourceVersion', 'resourceVersionMatch', 'includeObject', 'tailLines', 'container', 'timestamps', 'sinceSeconds', 'limitBytes', 'x'),
    fc.oneof(fc.string({ maxLength: 20 }), fc.integer({ min: -10, max: 1e9 }).map(String), fc.constantFrom('Exact', 'NotOlderThan', '0', 'true', 'app in (a', 'spec.nodeName=demo-worker-1')),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 7 }), fc.array(param, { maxLength: 4 }), fc.boolean(), async (segments, params, table) => {
      const query = params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
      const r = await call(cluster, `/${segments.join('/')}${query ? `?${query}` : ''}`, { headers: table ? { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } : {} });
      expect([200, 400, 404, 405, 410, 422, 504]).toContain(r.status);
      if (r.status !== 200) expect(r.json()).toMatchObject({ kind: 'Status', code: r.status });
    }),
    { numRuns: 400, seed: 7 },
  );
  expect((await call(cluster, '/version')).status).toBe(200);
}, 90_000);
