/**
 * Any stored kind the simulation does not drive (ConfigMaps here, custom resources in
 * crds.test.ts) is created, read, changed and deleted like on a real server, counts its pages
 * with remainingItemCount, and takes the faults and the history window the hand-made kinds do.
 * Bad input is a Status and changes nothing.
 */
import { startDemoCluster } from '../../demo-cluster/index.js';
import type { DemoCluster } from '../../demo-cluster/index.js';
import { call, watch } from './client.js';
import { crdManifest } from './crdManifest.js';

const json = { 'Content-Type': 'application/json' };
const merge = { 'Content-Type': 'application/merge-patch+json' };

describe('any stored kind', () => {
  let cluster: DemoCluster;
  beforeAll(async () => {
    cluster = await startDemoCluster({ seed: 8, pods: 30, namespaces: 4 });
  });
  afterAll(() => cluster.stop());

  const configMaps = (ns?: string): { metadata: { name: string; resourceVersion: string } }[] => cluster.listObjects('configmaps', ns) as never;
  const post = (path: string, body: unknown, query = ''): ReturnType<typeof call> => call(cluster, `${path}${query}`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: json });
  const cm = (name: string, extra: Record<string, unknown> = {}): object => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...extra }, data: { k: 'v' } });

  test('createSetsTheServersMetadataAndRefusesWhatARealServerRefuses', async () => {
    const path = '/api/v1/namespaces/default/configmaps';
    const created = await post(path, cm('made', { uid: 'mine', creationTimestamp: '2000-01-01T00:00:00Z', labels: { a: 'b' } }));
    expect(created.status).toBe(201);
    const meta = created.json().metadata;
    expect(meta.uid).not.toBe('mine');
    expect(meta.creationTimestamp).not.toBe('2000-01-01T00:00:00Z');
    expect(meta).toMatchObject({ name: 'made', namespace: 'default', labels: { a: 'b' } });
    expect(meta.resourceVersion).toMatch(/^\d+$/);
    expect((await call(cluster, `${path}/made`)).json().metadata.uid).toBe(meta.uid);

    const generated = await post(path, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } });
    expect(generated.status).toBe(201);
    expect(generated.json().metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);

    const before = configMaps().length;
    const refused: [unknown, number, string][] = [
      [cm('made'), 409, 'AlreadyExists'],
      [cm('Not_A_Name'), 422, 'Invalid'],
      [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }, 422, 'Invalid'],
      [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }, 400, 'BadRequest'],
      [{ apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'x' } }, 400, 'BadRequest'],
      [{ kind: 'ConfigMap', metadata: { name: 'x' } }, 400, 'BadRequest'],
      [cm('x', { namespace: 'kube-system' }), 400, 'BadRequest'],
      [cm('x', { resourceVersion: '5' }), 400, 'BadRequest'],
      [cm('x', { labels: { a: 1 } }), 422, 'Invalid'],
      [cm('x', { annotations: 'nope' }), 422, 'Invalid'],
      [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: 'x' }, 422, 'Invalid'],
      ['[1,2]', 400, 'BadRequest'],
      ['null', 400, 'BadRequest'],
      ['{"apiVersion":', 400, 'BadRequest'],
    ];
    for (const [body, code, reason] of refused) {
      const r = await post(path, body);
      expect({ body, code: r.status, reason: r.json().reason }).toEqual({ body, code, reason });
    }
    expect((await post('/api/v1/namespaces/nowhere/configmaps', cm('x'))).status).toBe(404);
    expect((await post('/api/v1/configmaps', cm('x'))).status).toBe(405);
    expect((await post(`${path}/made`, cm('x'))).status).toBe(405);
    expect(configMaps().length).toBe(before);
  });

  test('aNamespaceCanBeCreatedAndThenHoldsObjectsButNotBeDeleted', async () => {
    const made = await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fresh' } });
    expect(made.status).toBe(201);
    expect(made.json()).toMatchObject({ metadata: { labels: { 'kubernetes.io/metadata.name': 'fresh' } }, status: { phase: 'Active' } });
    expect((await post('/api/v1/namespaces/fresh/configmaps', cm('inside'))).status).toBe(201);
    expect((await call(cluster, '/api/v1/namespaces/fresh', { method: 'DELETE' })).status).toBe(405);
    expect((await call(cluster, '/api/v1/namespaces/fresh', { method: 'PATCH', body: '{"metadata":{"labels":{"a":"b"}}}', headers: merge })).status).toBe(405);
  });

  test('dryRunCreatePatchAndDeleteCheckEverythingAndStoreNothing', async () => {
    const path = '/api/v1/namespaces/default/configmaps';
    const dry = await post(path, cm('dry'), '?dryRun=All');
    expect(dry.status).toBe(201);
    expect((await call(cluster, `${path}/dry`)).status).toBe(404);
    expect((await post(path, cm('dry'), '?dryRun=Some')).status).toBe(422);
    expect((await post(path, cm('wet'))).status).toBe(201);
    const rv = (await call(cluster, `${path}/wet`)).json().metadata.resourceVersion;
    const patched = await call(cluster, `${path}/wet?dryRun=All`, { method: 'PATCH', body: JSON.stringify({ data: { k: 'changed' } }), headers: merge });
    expect(patched.json().data.k).toBe('changed');
    expect((await call(cluster, `${path}/wet`)).json()).toMatchObject({ data: { k: 'v' }, metadata: { resourceVersion: rv } });
    expect((await call(cluster, `${path}/wet?dryRun=All`, { method: 'DELETE' })).status).toBe(200);
    expect((await call(cluster, `${path}/wet`)).status).toBe(200);
  });

  test('updateKeepsIdentityAndServerFieldsAndAStaleResourceVersionIsAConflict', async () => {
    const path = '/api/v1/namespaces/default/configmaps';
    const created = (await post(path, cm('upd'))).json();
    const put = (body: unknown): ReturnType<typeof call> => call(cluster, `${path}/upd`, { method: 'PUT', body: JSON.stringify(body), headers: json });
    // A uid in the body is a precondition, as kube-apiserver reads it (rest's default updated
    // object info gives the new object's uid as the update's precondition): another uid is a
    // 409 and changes nothing. Without one, the update keeps the stored uid.
    expect((await put({ ...created, data: { k: 'forged' }, metadata: { ...created.metadata, uid: 'forged' } })).status).toBe(409);
    expect((await call(cluster, `${path}/upd`)).json().metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    const updated = await put({ ...created, data: { k: 'new' }, metadata: { ...created.metadata, uid: undefined } });
    expect(updated.status).toBe(200);
    expect(updated.json().metadata.uid).toBe(created.metadata.uid);
    expect(updated.json().data.k).toBe('new');
    expect(Number(updated.json().metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    expect((await put({ ...created, data: { k: 'stale' } })).status).toBe(409);
    expect((await put({ ...created, metadata: { ...created.metadata, name: 'other', resourceVersion: undefined } })).status).toBe(400);
    expect((await call(cluster, `${path}/upd`, { method: 'PATCH', body: '{"metadata":{"labels":{"x":7}}}', headers: merge })).status).toBe(422);
    expect((await call(cluster, `${path}/upd`, { method: 'PATCH', body: '{}', headers: { 'Content-Type': 'text/plain' } })).status).toBe(415);
    expect((await call(cluster, `${path}/upd`)).json().data.k).toBe('new');
    expect((await call(cluster, `${path}/upd`, { method: 'DELETE' })).status).toBe(200);
    expect((await call(cluster, `${path}/upd`)).status).toBe(404);
    expect((await call(cluster, `${path}/upd`, { method: 'DELETE' })).status).toBe(404);
  });

  test('remainingItemCountPlusItemsIsTheWholeCollectionAndIsLeftOutWhereARealServerLeavesItOut', async () => {
    for (let i = 0; i < 12; i++) expect((await post('/api/v1/namespaces/default/configmaps', cm(`page-${String(i).padStart(2, '0')}`))).status).toBe(201);
    for (const path of ['/api/v1/configmaps', '/api/v1/namespaces/default/configmaps', '/api/v1/pods']) {
      const total = (await call(cluster, path)).json().items.length;
      const first = (await call(cluster, `${path}?limit=1`)).json();
      expect({ path, count: first.items.length + first.metadata.remainingItemCount }).toEqual({ path, count: total });
      const table = (await call(cluster, `${path}?limit=1`, { headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } })).json();
      expect(table.rows.length + table.metadata.remainingItemCount).toBe(total);
      // Page on while the collection changes: each page's count is as of the first page's version.
      let page = (await call(cluster, `${path}?limit=5`)).json();
      let seen = page.items.length;
      await post('/api/v1/namespaces/default/configmaps', cm(`during-${path.length}-${seen}`));
      while (page.metadata.continue) {
        expect(seen + page.metadata.remainingItemCount).toBe(total);
        page = (await call(cluster, `${path}?limit=5&continue=${encodeURIComponent(page.metadata.continue)}`)).json();
        seen += page.items.length;
      }
      expect(page.metadata.remainingItemCount).toBeUndefined();
      expect(seen).toBe(total);
    }
    expect((await call(cluster, '/api/v1/configmaps?limit=1&labelSelector=none%3Dsuch')).json().metadata.remainingItemCount).toBeUndefined();
    const selected = (await call(cluster, '/api/v1/configmaps?limit=1&fieldSelector=metadata.namespace%3Ddefault')).json();
    expect(selected.metadata.continue).toBeTruthy();
    expect(selected.metadata.remainingItemCount).toBeUndefined();
  });

  test('faultsAndTheHistoryWindowApplyToAGenericKind', async () => {
    const path = '/api/v1/namespaces/default/configmaps';
    const rv = (await call(cluster, path)).json().metadata.resourceVersion;
    const w = await watch(cluster, `${path}?watch=true&resourceVersion=${rv}`);
    try {
      cluster.faults.set({ fault: 'stall-watches', resource: 'configmaps' });
      await post(path, cm('stalled'));
      await new Promise((r) => setTimeout(r, 300));
      expect(w.events).toEqual([]);
      cluster.faults.clear();
      await w.waitFor((e) => e.type === 'ADDED' && e.object.metadata.name === 'stalled');
    } finally {
      w.close();
    }
    cluster.faults.set({ fault: 'fail-lists', resource: 'configmaps' });
    expect((await call(cluster, path)).status).toBe(500);
    expect((await call(cluster, '/api/v1/namespaces/default/secrets')).status).toBe(200);
    cluster.faults.set({ fault: 'forbid', resource: 'configmaps' });
    expect((await post(path, cm('forbidden'))).status).toBe(403);
    cluster.faults.clear();
    cluster.faults.set({ fault: 'expire', resource: 'configmaps' });
    const expired = await watch(cluster, `${path}?watch=true&resourceVersion=${rv}`);
    await expired.ended;
    expect(expired.events.map((e) => `${e.type} ${e.object.code}`)).toEqual(['ERROR 410']);
    cluster.faults.clear();
    const dropped = await watch(cluster, `${path}?watch=true`);
    await dropped.waitFor((e) => e.type === 'ADDED');
    cluster.faults.set({ fault: 'drop-watches', resource: 'configmaps' });
    await dropped.ended;
    cluster.faults.clear();
    // A fault can name one group's resource by its full key, as a CRD's plural may be anyone's.
    const widgets = await watch(cluster, '/apis/example.com/v1/widgets?watch=true');
    await widgets.waitFor((e) => e.type === 'ADDED');
    cluster.faults.set({ fault: 'fail-lists', resource: 'widgets.example.com' });
    expect((await call(cluster, '/apis/example.com/v1/widgets')).status).toBe(500);
    expect((await call(cluster, path)).status).toBe(200);
    cluster.faults.set({ fault: 'drop-watches', resource: 'widgets.example.com' });
    await widgets.ended;
    cluster.faults.clear();
  });

  test('hostileBodiesOnCreateAndOnCrdsAreStatusesAndTheServerKeepsAnswering', async () => {
    const bodies = ['', '{}', '[]', '"x"', '1e400', '{"metadata":null}', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":{"$gt":1}}}', `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`, '\u0000\u0001', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a'.repeat(300) } })];
    const crds = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
    const crdBodies = [
      { ...crdManifest({ group: 'x.example', plural: 'xs', kind: 'X' }), spec: null },
      { ...crdManifest({ group: 'x.example', plural: 'xs', kind: 'X' }), spec: { group: 'x.example', names: 'xs', versions: 'v1', scope: 7 } },
      crdManifest({ group: 'x.example', plural: 'XS', kind: 'X' }),
      crdManifest({ group: 'x.example', plural: 'xs', kind: 'X', versions: [{ name: 'v1', storage: false }] }),
      crdManifest({ group: 'x.example', plural: 'xs', kind: 'X', versions: [{ name: 'v1', storage: true, columns: [{ name: 'Bad', type: 'string', jsonPath: 'spec[' }] }] }),
      { ...crdManifest({ group: 'x.example', plural: 'xs', kind: 'X' }), metadata: { name: 'wrong.name' } },
    ];
    for (const body of bodies) {
      const r = await post('/api/v1/namespaces/default/configmaps', body);
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(r.json().kind).toBe('Status');
    }
    for (const body of [...bodies, ...crdBodies]) {
      const r = await post(crds, body);
      expect({ body, code: r.status >= 400 && r.status < 500 }).toEqual({ body, code: true });
    }
    expect((await call(cluster, `${crds}/xs.x.example`)).status).toBe(404);
    expect((await call(cluster, '/api/v1/namespaces/default/configmaps?limit=1')).status).toBe(200);
  });

  test('aBuiltInKindRefusesFieldsOfTheWrongJsonTypeAsTheTypedDecoderDoes', async () => {
    const path = '/api/v1/namespaces/default/services';
    const service = (spec: unknown): object => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'typed' }, spec });
    const refused = await post(path, service({ ports: 'http' }));
    expect(refused.status).toBe(400);
    expect(refused.json().message).toBe('Service in version "v1" cannot be handled as a Service: json: cannot unmarshal string into Go struct field Service.spec.ports of type slice');
    expect((await post(path, service({ ports: [{ port: 'eighty' }] }))).status).toBe(400);
    expect((await post(path, service({ selector: { app: 1 } }))).status).toBe(400);
    // null is a Go zero value: the field is dropped, and spec is always an object.
    const made = await post(path, service(null));
    expect(made.status).toBe(201);
    expect(made.json().spec).toEqual({});
    expect((await call(cluster, `${path}/typed`, { method: 'PATCH', body: '{"spec":{"ports":7}}', headers: merge })).status).toBe(400);
  });

  test('oddObjectsOfEveryCreatableKindDoNotBreakTheControllersOrThePrinters', async () => {
    // Put them beside running pods, with selectors that match them, so the controllers act on them.
    const pod = (cluster.listObjects('pods') as { metadata: { namespace: string; labels: Record<string, string> } }[]).find((p) => Object.keys(p.metadata.labels ?? {}).length > 0)!;
    const labels = pod.metadata.labels;
    const odd = [
      null,
      'x',
      7,
      [],
      { a: null },
      { selector: 'x', ports: 'y', template: 3, scaleTargetRef: 'z', rules: 'r', replicas: 'many' },
      { selector: labels, ports: 'y', minAvailable: [], scaleTargetRef: 'z' },
      { selector: { matchLabels: labels }, ports: [null, { port: 'x' }] },
      { selector: labels, ports: [{ port: 80, targetPort: {} }] },
      { selector: labels, ports: [null, { port: 81 }] },
    ];
    const kinds = cluster.servedResources().filter((r) => r.verbs.includes('create') && r.group !== 'apiextensions.k8s.io');
    let created = 0;
    for (const r of kinds) {
      const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
      const path = r.namespaced ? `${base}/namespaces/${pod.metadata.namespace}/${r.plural}` : `${base}/${r.plural}`;
      for (const [i, w] of odd.entries()) {
        const fields = Object.fromEntries(['spec', 'status', 'data', 'subsets', 'endpoints', 'ports', 'rules', 'subjects', 'roleRef', 'webhooks'].map((f) => [f, w]));
        const body = { apiVersion: r.group ? `${r.group}/${r.version}` : r.version, kind: r.kind, metadata: { name: `odd-${i}`, labels: { app: 'web' } }, ...fields };
        const answer = await post(path, body);
        // A Deployment is validated as apps/v1 validates it (its controller runs it): a bad spec is a 422.
        const refusal = answer.status === 400 || (r.kind === 'Deployment' && answer.status === 422);
        expect({ kind: r.kind, i, ok: answer.status === 201 || refusal }).toEqual({ kind: r.kind, i, ok: true });
        if (answer.status === 201) created++;
      }
      expect((await call(cluster, path, { headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } })).status).toBe(200);
    }
    expect(created).toBeGreaterThan(kinds.length);
    cluster.churn(1000);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await call(cluster, '/api/v1/namespaces/default/services')).status).toBe(200);
  });

  test('aCustomResourceServedInTwoVersionsIsOneCollectionShownInTheVersionAsked', async () => {
    const crd = crdManifest({ group: 'versions.example.net', plural: 'knobs', kind: 'Knob', versions: [{ name: 'v1', storage: true }, { name: 'v1alpha1', storage: false }] });
    expect((await post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status).toBe(201);
    const made = await post('/apis/versions.example.net/v1alpha1/namespaces/default/knobs', { apiVersion: 'versions.example.net/v1alpha1', kind: 'Knob', metadata: { name: 'k' } });
    expect(made.status).toBe(201);
    expect((await call(cluster, '/apis/versions.example.net/v1/namespaces/default/knobs/k')).json().apiVersion).toBe('versions.example.net/v1');
    const alpha = (await call(cluster, '/apis/versions.example.net/v1alpha1/knobs')).json();
    expect(alpha.kind).toBe('KnobList');
    expect(alpha.items.map((i: { apiVersion: string }) => i.apiVersion)).toEqual(['versions.example.net/v1alpha1']);
  });
});
