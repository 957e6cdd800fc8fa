/**
 * A CustomResourceDefinition created while kubelive runs becomes a kind: discovery lists it (as
 * custom), its objects stream with its printer columns, editing its printer columns resets the
 * view with the new ones; deleting it ends its subscriptions with the reason, drops its upstream,
 * and leaves no error behind. No restart.
 */
import type { ApiResourceRow, ErrorFrame, ResetFrame, ResourceRow } from '../../adapters/protocol.js';
import { call } from '../demo-cluster/client.js';
import { crdManifest } from '../demo-cluster/crdManifest.js';
import { StreamClient, getJson, startStack, upstreamOf, waitFor, type Stack } from './support.js';

const group = 'lifecycle.kubelive.test';
const domain = `${group}/v1/gizmos`;
const json = (body: unknown) => ({ headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

async function apiResources(stack: Stack): Promise<ApiResourceRow[]> {
  return (await getJson(`${stack.base}/api/v1/snapshot/api-resources`)).body.items;
}

describe('a CRD created and deleted at runtime', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { pods: 10, churn: 5 } });
  });
  afterAll(() => stack.stop());

  test('appears in api-resources, streams its objects under its columns, and disappears with its upstream and no error left', async () => {
    // Discovery is in use before the CRD exists (the sidebar is open).
    expect((await apiResources(stack)).some((k) => k.domain === domain)).toBe(false);
    const manifest = crdManifest({
      group,
      plural: 'gizmos',
      kind: 'Gizmo',
      versions: [{ name: 'v1', storage: true, columns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }] }],
    });
    expect((await call(stack.demo, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { method: 'POST', ...json(manifest) })).status).toBe(201);
    const listed = await waitFor('the new kind in api-resources', async () => (await apiResources(stack)).find((k) => k.domain === domain));
    expect(listed).toMatchObject({ kind: 'Gizmo', namespaced: true, custom: true, group, version: 'v1', resource: 'gizmos' });

    expect((await call(stack.demo, `/apis/${group}/v1/namespaces/default/gizmos`, { method: 'POST', ...json({ apiVersion: `${group}/v1`, kind: 'Gizmo', metadata: { name: 'g1' }, spec: { size: 3 } }) })).status).toBe(201);
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'g', domain, scope: '' });
    const reset = (await client.next('g', 'reset')) as ResetFrame<ResourceRow>;
    expect(reset.columns!.map((c) => c.name)).toEqual(['Name', 'Size']);
    expect(reset.items.map((r) => [r.name, r.cells[1]])).toEqual([['g1', 3]]);

    // Its printer columns edited: the view is reset under the new columns.
    const seen = client.frames.length;
    const edited = crdManifest({
      group,
      plural: 'gizmos',
      kind: 'Gizmo',
      versions: [{ name: 'v1', storage: true, columns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }, { name: 'Twice', type: 'integer', jsonPath: '.spec.size' }] }],
    });
    const current = (await call(stack.demo, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gizmos.${group}`)).json();
    const put = await call(stack.demo, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gizmos.${group}`, {
      method: 'PUT',
      ...json({ ...edited, metadata: { ...edited.metadata, resourceVersion: current.metadata.resourceVersion } }),
    });
    expect(put.status).toBe(200);
    const again = (await waitFor('a reset with the new columns', () =>
      client.frames.slice(seen).find((f) => f.type === 'reset' && f.id === 'g' && (f as ResetFrame).columns?.length === 3),
    )) as ResetFrame<ResourceRow>;
    expect(again.columns!.map((c) => c.name)).toEqual(['Name', 'Size', 'Twice']);
    expect(again.items[0]!.cells).toEqual(['g1', 3, 3]);

    // Deleted: the subscription ends with the reason, the kind and its upstream are gone.
    expect((await call(stack.demo, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gizmos.${group}`, { method: 'DELETE' })).status).toBe(200);
    const ended = (await waitFor('the subscription to end', () => client.errors().find((e) => (e as ErrorFrame).id === 'g'))) as ErrorFrame;
    expect(ended).toMatchObject({ code: 'unknown-domain', fatal: true, reason: expect.stringMatching(/no longer served/) });
    await waitFor('the kind gone from api-resources', async () => !(await apiResources(stack)).some((k) => k.domain === domain));
    expect(await upstreamOf(stack, domain)).toBeUndefined();
    const diagnostics = await getJson(`${stack.base}/api/v1/diagnostics`);
    expect(diagnostics.body.upstreamBounds.endedGone).toBeGreaterThanOrEqual(1);
    expect(diagnostics.body.kube.discovery.lastError).toBeNull();
    const snapshot = await getJson(`${stack.base}/api/v1/snapshot/${domain}`);
    expect(snapshot.status).toBe(404);
    expect(snapshot.body.error).toBe('unknown-domain');
    // Nothing keeps retrying the kind that went away.
    const requests = () => Object.entries(stack.demo.requestCounts()).filter(([path]) => path.includes(group)).reduce((n, [, c]) => n + c, 0);
    const after = requests();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(requests()).toBe(after);
    // The other subscriptions and the backend are fine.
    client.send({ type: 'subscribe', id: 'w', domain: 'example.com/v1/widgets', scope: '' });
    await client.next('w', 'reset');
    client.close();
  }, 60_000);
});

describe('the CRDs there at start', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { pods: 5 } });
  });
  afterAll(() => stack.stop());

  test('are marked custom from the first list of definitions, which costs no second discovery and relists no view', async () => {
    // A view of a custom kind opened as the dashboard starts, before the definitions list.
    expect((await apiResources(stack)).some((k) => k.domain === 'example.com/v1/widgets')).toBe(true);
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'w', domain: 'example.com/v1/widgets', scope: '' });
    await client.next('w', 'reset');
    const widgets = await waitFor('widgets marked custom', async () => (await apiResources(stack)).find((k) => k.domain === 'example.com/v1/widgets' && k.custom));
    expect(widgets.resource).toBe('widgets');
    await waitFor('the definitions listed and watched', async () => (await upstreamOf(stack, 'apiextensions.k8s.io/v1/customresourcedefinitions'))?.state === 'watching');
    await new Promise((resolve) => setTimeout(resolve, 500)); // past the rediscovery's 100 ms gathering
    const diagnostics = (await getJson(`${stack.base}/api/v1/diagnostics`)).body;
    expect(diagnostics.kube.discovery.refreshes).toBe(1);
    expect(stack.demo.requestCounts()['GET /apis']).toBe(1);
    expect((await upstreamOf(stack, 'example.com/v1/widgets')).lists).toBe(1);
    client.close();
  }, 60_000);
});
