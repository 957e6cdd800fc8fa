/**
 * CustomResourceDefinitions at run time, through kubectl (several versions) and plain HTTPS:
 * create a CRD, see its kind in discovery and `api-resources`, create and list its objects with
 * their printer columns, then delete the CRD and see the kind, its objects and its watches go.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemoCluster } from '../../demo-cluster/index.js';
import type { DemoCluster } from '../../demo-cluster/index.js';
import { call, kubectl, kubectlPath, versionedKubectls, watch, waitUntil } from './client.js';
import { crdManifest, replicasAndReady } from './crdManifest.js';

const describeWithKubectl = kubectlPath ? describe : describe.skip;

const widgetCrd = (plural = 'flanges', group = 'parts.example.org'): ReturnType<typeof crdManifest> =>
  crdManifest({
    group,
    plural,
    kind: 'Widget',
    shortNames: ['wdg'],
    categories: ['all'],
    versions: [
      {
        name: 'v1',
        storage: true,
        columns: [...replicasAndReady, { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
      },
    ],
  });

const json = { 'Content-Type': 'application/json' };

describe('CRDs over HTTPS', () => {
  let cluster: DemoCluster;
  beforeAll(async () => {
    cluster = await startDemoCluster({ seed: 3, pods: 20 });
  });
  afterAll(() => cluster.stop());

  test('aBadCrdIsA422NamingEachFieldAndChangesNothing', async () => {
    const bad = widgetCrd('gadgets', 'nodots');
    bad.spec.scope = 'Galaxy';
    bad.spec.versions[0].additionalPrinterColumns[0].type = 'float';
    const r = await call(cluster, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { method: 'POST', body: JSON.stringify(bad), headers: json });
    expect(r.status).toBe(422);
    const status = r.json();
    expect(status.reason).toBe('Invalid');
    const fields = status.details.causes.map((c: { field: string }) => c.field);
    expect(fields).toEqual(expect.arrayContaining(['spec.group', 'spec.scope', 'spec.versions[0].additionalPrinterColumns[0].type']));
    expect((await call(cluster, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.nodots')).status).toBe(404);
    expect((await call(cluster, '/apis/nodots/v1/gadgets')).status).toBe(404);
  });

  test('aCreatedCrdIsEstablishedAndItsKindServedAtOnceThenGoesWithItsObjectsAndWatches', async () => {
    const created = await call(cluster, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { method: 'POST', body: JSON.stringify(widgetCrd()), headers: json });
    expect(created.status).toBe(201);
    const crd = created.json();
    expect(crd.status.conditions.map((c: { type: string; status: string }) => `${c.type}=${c.status}`)).toEqual(['NamesAccepted=True', 'Established=True']);
    expect(crd.status.acceptedNames).toMatchObject({ plural: 'flanges', kind: 'Widget', listKind: 'WidgetList', singular: 'widget', shortNames: ['wdg'] });
    const again = await call(cluster, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { method: 'POST', body: JSON.stringify(widgetCrd()), headers: json });
    expect(again.status).toBe(409);
    expect(again.json().reason).toBe('AlreadyExists');

    const resources = (await call(cluster, '/apis/parts.example.org/v1')).json();
    expect(resources.resources.map((r: { name: string }) => r.name)).toEqual(['flanges']);
    const w = await watch(cluster, '/apis/parts.example.org/v1/flanges?watch=1');
    const make = (name: string, replicas: number): Promise<{ status: number; json: () => any }> =>
      call(cluster, '/apis/parts.example.org/v1/namespaces/default/flanges', {
        method: 'POST',
        body: JSON.stringify({ apiVersion: 'parts.example.org/v1', kind: 'Widget', metadata: { name }, spec: { replicas }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }),
        headers: json,
      });
    const one = await make('one', 3);
    expect(one.status).toBe(201);
    expect(one.json().metadata).toMatchObject({ name: 'one', namespace: 'default', generation: 1 });
    expect(one.json().metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect((await make('one', 3)).status).toBe(409);
    expect((await make('Bad_Name', 1)).status).toBe(422);
    const nowhere = await call(cluster, '/apis/parts.example.org/v1/namespaces/nowhere/flanges', { method: 'POST', body: JSON.stringify({ apiVersion: 'parts.example.org/v1', kind: 'Widget', metadata: { name: 'x' } }), headers: json });
    expect(nowhere.status).toBe(404);
    const wrongKind = await call(cluster, '/apis/parts.example.org/v1/namespaces/default/flanges', { method: 'POST', body: JSON.stringify({ apiVersion: 'parts.example.org/v1', kind: 'Gadget', metadata: { name: 'x' } }), headers: json });
    expect(wrongKind.status).toBe(400);
    await w.waitFor((e) => e.type === 'ADDED' && e.object.metadata.name === 'one');

    const table = (await call(cluster, '/apis/parts.example.org/v1/flanges', { headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } })).json();
    expect(table.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Replicas', 'Ready', 'Age']);
    expect(table.rows[0].cells.slice(0, 3)).toEqual(['one', 3, 'True']);

    const deleted = await call(cluster, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/flanges.parts.example.org', { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    await w.waitFor((e) => e.type === 'DELETED' && e.object.metadata.name === 'one');
    await w.ended;
    expect((await call(cluster, '/apis/parts.example.org/v1/flanges')).status).toBe(404);
    expect((await call(cluster, '/apis/parts.example.org')).status).toBe(404);
    const groups = (await call(cluster, '/apis')).json();
    expect(groups.groups.map((g: { name: string }) => g.name)).not.toContain('parts.example.org');
  });

  test('aCrdWhoseKindIsTakenInItsGroupIsStoredButNotEstablishedNorServed', async () => {
    const post = (body: object) => call(cluster, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { method: 'POST', body: JSON.stringify(body), headers: json });
    expect((await post(crdManifest({ group: 'clash.example.org', plural: 'gears', kind: 'Gear' }))).status).toBe(201);
    const second = await post(crdManifest({ group: 'clash.example.org', plural: 'cogs', kind: 'Gear' }));
    expect(second.status).toBe(201);
    expect(second.json().status.conditions.map((c: { type: string; status: string; reason: string }) => `${c.type}=${c.status} ${c.reason}`)).toEqual(['NamesAccepted=False KindConflict', 'Established=False NotAccepted']);
    expect((await call(cluster, '/apis/clash.example.org/v1/cogs')).status).toBe(404);
    expect((await call(cluster, '/apis/clash.example.org/v1/gears')).status).toBe(200);
    expect((await call(cluster, '/apis/clash.example.org/v1')).json().resources.map((r: { name: string }) => r.name)).toEqual(['gears']);
    // Once the kind is free again, the refused CRD is established and served.
    expect((await call(cluster, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gears.clash.example.org', { method: 'DELETE' })).status).toBe(200);
    const cogs = (await call(cluster, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/cogs.clash.example.org')).json();
    expect(cogs.status.conditions.map((c: { type: string; status: string }) => `${c.type}=${c.status}`)).toEqual(['NamesAccepted=True', 'Established=True']);
    expect((await call(cluster, '/apis/clash.example.org/v1/cogs')).status).toBe(200);
  });

  test('withAStatusSubresourceStatusIsWrittenOnlyThroughSlashStatus', async () => {
    const crd = crdManifest({ group: 'status.example.org', plural: 'pumps', kind: 'Pump', versions: [{ name: 'v1', storage: true, status: true, columns: replicasAndReady }] });
    expect((await call(cluster, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { method: 'POST', body: JSON.stringify(crd), headers: json })).status).toBe(201);
    const version = (await call(cluster, '/apis/status.example.org/v1')).json();
    expect(version.resources.map((r: { name: string; verbs: string[] }) => `${r.name} ${r.verbs.join(',')}`)).toEqual(['pumps create,delete,get,list,patch,update,watch', 'pumps/status get,patch,update']);
    const path = '/apis/status.example.org/v1/namespaces/default/pumps';
    const ready = { conditions: [{ type: 'Ready', status: 'True' }] };
    const created = await call(cluster, path, { method: 'POST', body: JSON.stringify({ apiVersion: 'status.example.org/v1', kind: 'Pump', metadata: { name: 'p' }, spec: { replicas: 1 }, status: ready }), headers: json });
    expect(created.json().status).toBeUndefined();
    const merge = { 'Content-Type': 'application/merge-patch+json' };
    const main = await call(cluster, `${path}/p`, { method: 'PATCH', body: JSON.stringify({ spec: { replicas: 2 }, status: ready }), headers: merge });
    expect(main.json()).toMatchObject({ spec: { replicas: 2 }, metadata: { generation: 2 } });
    expect(main.json().status).toBeUndefined();
    const status = await call(cluster, `${path}/p/status`, { method: 'PATCH', body: JSON.stringify({ spec: { replicas: 9 }, status: ready }), headers: merge });
    expect(status.status).toBe(200);
    expect(status.json()).toMatchObject({ spec: { replicas: 2 }, status: ready, metadata: { generation: 2 } });
    const table = (await call(cluster, path, { headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } })).json();
    expect(table.rows[0].cells).toEqual(['p', 2, 'True']);
    expect((await call(cluster, `${path}/p/status`, { method: 'DELETE' })).status).toBe(405);
    expect((await call(cluster, `${path}/p/scale`)).status).toBe(404);
  });
});

describeWithKubectl('CRDs through kubectl', () => {
  let cluster: DemoCluster;
  let dir: string;
  beforeAll(async () => {
    cluster = await startDemoCluster({ seed: 4, pods: 20 });
    dir = await mkdtemp(join(tmpdir(), 'kubelive-crd-test-'));
  });
  afterAll(async () => {
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const binaries = (): string[] => {
    const versions = versionedKubectls();
    return [...new Set([kubectlPath as string, ...versions.filter((v) => /kubectl\.1\.(27|33)$/.test(v))])];
  };

  test('createFileGetDeleteCrdWithEveryKubectl', async () => {
    for (const binary of binaries()) {
      // A fresh discovery cache for each step: kubectl must learn about the new kind from the server.
      const run = async (args: string[]) => kubectl(cluster.kubeconfigPath, ['--cache-dir', await mkdtemp(join(dir, 'cache-')), ...args], 60_000, binary);
      const crdFile = join(dir, 'crd.json');
      await writeFile(crdFile, JSON.stringify(widgetCrd('sprockets', 'demo.example.org')));
      const created = await run(['create', '-f', crdFile]);
      expect({ binary, code: created.code, stderr: created.stderr }).toEqual({ binary, code: 0, stderr: '' });
      expect(created.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/sprockets.demo.example.org created');

      const objectFile = join(dir, 'sprocket.json');
      await writeFile(objectFile, JSON.stringify({ apiVersion: 'demo.example.org/v1', kind: 'Widget', metadata: { name: 'first', namespace: 'default' }, spec: { replicas: 2 } }));
      const made = await run(['create', '-f', objectFile]);
      expect({ binary, code: made.code, stderr: made.stderr }).toEqual({ binary, code: 0, stderr: '' });

      // apply, too: client-side apply of a change works without schemas.
      await writeFile(objectFile, JSON.stringify({ apiVersion: 'demo.example.org/v1', kind: 'Widget', metadata: { name: 'first', namespace: 'default' }, spec: { replicas: 2, note: 'applied' } }));
      const applied = await run(['apply', '-f', objectFile]);
      expect({ binary, code: applied.code, stdout: applied.stdout.trim() }).toEqual({ binary, code: 0, stdout: 'widget.demo.example.org/first configured' });

      const got = await run(['get', 'sprockets', '-A']);
      expect({ binary, code: got.code, stderr: got.stderr }).toEqual({ binary, code: 0, stderr: '' });
      const lines = got.stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^NAMESPACE\s+NAME\s+REPLICAS\s+READY\s+AGE$/);
      // A column whose path finds nothing is a null cell, which kubectl prints blank.
      expect(lines[1]).toMatch(/^default\s+first\s+2\s+\d+s$/);

      const resources = await run(['api-resources', '--api-group', 'demo.example.org', '--no-headers']);
      expect(resources.stdout).toMatch(/^sprockets\s+wdg\s+demo\.example\.org\/v1\s+true\s+Widget$/m);

      const gone = await run(['delete', 'crd', 'sprockets.demo.example.org']);
      expect({ binary, code: gone.code, stderr: gone.stderr }).toEqual({ binary, code: 0, stderr: '' });
      const after = await run(['get', 'sprockets', '-A']);
      expect(after.code).not.toBe(0);
      expect(after.stderr).toMatch(/the server doesn't have a resource type "sprockets"/);
      expect(cluster.listObjects('customresourcedefinitions').length).toBe(cluster.listObjects('customresourcedefinitions').filter((c: any) => c.metadata.name !== 'sprockets.demo.example.org').length);
    }
  }, 240_000);

  test('aCrdCreatedWithKubectlIsWatchedByAnotherClientAsItsObjectsChange', async () => {
    const run = async (args: string[]) => kubectl(cluster.kubeconfigPath, ['--cache-dir', await mkdtemp(join(dir, 'cache-')), ...args]);
    const crdFile = join(dir, 'crd2.json');
    await writeFile(crdFile, JSON.stringify(widgetCrd('gizmos', 'watch.example.org')));
    expect((await run(['create', '-f', crdFile])).code).toBe(0);
    const w = await watch(cluster, '/apis/watch.example.org/v1/gizmos?watch=true');
    const objectFile = join(dir, 'gizmo.json');
    await writeFile(objectFile, JSON.stringify({ apiVersion: 'watch.example.org/v1', kind: 'Widget', metadata: { name: 'g1', namespace: 'default' }, spec: { replicas: 1 } }));
    expect((await run(['create', '-f', objectFile])).code).toBe(0);
    await w.waitFor((e) => e.type === 'ADDED' && e.object.metadata.name === 'g1');
    expect((await run(['patch', 'gizmos', 'g1', '-n', 'default', '--type', 'merge', '-p', '{"spec":{"replicas":5}}'])).code).toBe(0);
    const modified = await w.waitFor((e) => e.type === 'MODIFIED' && e.object.spec.replicas === 5);
    expect(modified.object.metadata.generation).toBe(2);
    expect((await run(['delete', 'gizmos', 'g1', '-n', 'default'])).code).toBe(0);
    await w.waitFor((e) => e.type === 'DELETED' && e.object.metadata.name === 'g1');
    expect((await run(['delete', 'crd', 'gizmos.watch.example.org'])).code).toBe(0);
    await waitUntil(() => w.isEnded(), 'the watch of the deleted kind ended');
  }, 120_000);
});
