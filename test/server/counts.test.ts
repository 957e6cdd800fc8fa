/**
 * `GET /api/v1/counts`: for every kind, the count equals the length of the API server's own list
 * of it (all namespaces, or one); it comes from a running cache when there is one, otherwise
 * from a limit=1 list kept ~30 s; and counting opens no watch.
 */
import type { CountItem } from '../../adapters/protocol.js';
import { call } from '../demo-cluster/client.js';
import { StreamClient, getJson, startStack, type Stack } from './support.js';

async function listLength(stack: Stack, domain: string, namespace: string | null): Promise<number> {
  const [group, version, resource] = domain.split('/') as [string, string, string];
  const prefix = group === 'core' ? `/api/${version}` : `/apis/${group}/${version}`;
  const path = namespace === null ? `${prefix}/${resource}` : `${prefix}/namespaces/${namespace}/${resource}`;
  const reply = await call(stack.demo, path, { headers: { Accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1' } });
  expect(reply.status).toBe(200);
  return reply.json().items.length;
}

describe('counts', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { pods: 60, churn: 0 } });
  });
  afterAll(() => stack.stop());

  test('each count equals the API server list length, for all namespaces and for one, at the cost of no watch', async () => {
    const watches = stack.demo.openWatches();
    for (const scope of ['', 'default']) {
      const counts = await getJson(`${stack.base}/api/v1/counts?scope=${scope}`);
      expect(counts.status).toBe(200);
      const items = counts.body.items as CountItem[];
      expect(items.length).toBeGreaterThan(20);
      for (const item of items) {
        if (item.domain === 'helm-releases') continue;
        // CRDs are counted from the watch that follows kinds once it has listed; the rest from a list.
        expect(item.reason).toBeNull();
        expect(item.domain.startsWith('apiextensions.k8s.io/') ? ['cache', 'list'] : ['list']).toContain(item.source);
        const namespace = scope !== '' && item.namespaced ? scope : null;
        expect([item.domain, item.count]).toEqual([item.domain, await listLength(stack, item.domain, namespace)]);
      }
      const helm = items.find((i) => i.domain === 'helm-releases')!;
      const secrets = (await call(stack.demo, scope === '' ? '/api/v1/secrets?labelSelector=owner%3Dhelm' : `/api/v1/namespaces/${scope}/secrets?labelSelector=owner%3Dhelm`)).json().items.length;
      expect(helm.count).toBe(secrets);
    }
    // The CRD watch that follows kinds is the only watch discovery and counts add.
    expect(stack.demo.openWatches()).toBeLessThanOrEqual(watches + 2);
    const diagnostics = await getJson(`${stack.base}/api/v1/diagnostics`);
    expect(diagnostics.body.upstreams.map((u: { key: string }) => u.key)).toEqual(['apiextensions.k8s.io/v1/customresourcedefinitions']);
  });

  test('answers are kept: counting again soon sends no list', async () => {
    await getJson(`${stack.base}/api/v1/counts`);
    const before = (await getJson(`${stack.base}/api/v1/diagnostics`)).body.http.countLists;
    await getJson(`${stack.base}/api/v1/counts`);
    expect((await getJson(`${stack.base}/api/v1/diagnostics`)).body.http.countLists).toBe(before);
  });

  test('a kind with a running cache is counted exactly from it', async () => {
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'c', domain: 'core/v1/configmaps', scope: '' });
    await client.next('c', 'reset');
    const counts = await getJson(`${stack.base}/api/v1/counts?scope=default`);
    const configmaps = (counts.body.items as CountItem[]).find((i) => i.domain === 'core/v1/configmaps')!;
    expect(configmaps).toMatchObject({ source: 'cache', count: await listLength(stack, 'core/v1/configmaps', 'default') });
    client.close();
  });

  test('a kind the API server refuses is counted null with the reason', async () => {
    stack.demo.faults.set({ fault: 'forbid', resource: 'roles' });
    try {
      const counts = await getJson(`${stack.base}/api/v1/counts?scope=kube-system`);
      expect((counts.body.items as CountItem[]).find((i) => i.domain === 'rbac.authorization.k8s.io/v1/roles')).toMatchObject({ count: null, source: null, reason: 'forbidden' });
    } finally {
      stack.demo.faults.clear();
    }
  });
});
