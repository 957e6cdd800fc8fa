/**
 * Tables for every kind, lists and watches, as kube-apiserver prints them: a watch in Table form
 * carries one-row Tables whose columnDefinitions come with the first event only (a BOOKMARK's
 * included, which is a Table too); CRDs print Name then their additionalPrinterColumns, or Name
 * and Age without any; a kind without a printer gets Name and Created At.
 */
import { startDemoCluster } from '../../demo-cluster/index.js';
import type { DemoCluster } from '../../demo-cluster/index.js';
import { call, kubectlPath, kubectlStream, waitUntil, watch } from './client.js';
import { crdManifest, replicasAndReady } from './crdManifest.js';

const tableAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io';
const json = { 'Content-Type': 'application/json' };

describe('Tables for any kind', () => {
  let cluster: DemoCluster;
  beforeAll(async () => {
    cluster = await startDemoCluster({ seed: 6, pods: 30, bookmarkIntervalMs: 1000 });
  });
  afterAll(() => cluster.stop());

  const configMap = (name: string, data: Record<string, string>): string => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data });

  test('aTableWatchOfConfigMapsShowsAddedModifiedDeletedRowsWithHeadersOnTheFirstEventOnly', async () => {
    const list = (await call(cluster, '/api/v1/namespaces/default/configmaps', { headers: { Accept: tableAccept } })).json();
    expect(list.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Data', 'Age']);
    const w = await watch(cluster, `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${list.metadata.resourceVersion}`, tableAccept);
    try {
      expect((await call(cluster, '/api/v1/namespaces/default/configmaps', { method: 'POST', body: configMap('table-watch', { a: '1' }), headers: json })).status).toBe(201);
      const patched = await call(cluster, '/api/v1/namespaces/default/configmaps/table-watch', { method: 'PATCH', body: JSON.stringify({ data: { a: '1', b: '2' } }), headers: { 'Content-Type': 'application/merge-patch+json' } });
      expect(patched.status).toBe(200);
      expect((await call(cluster, '/api/v1/namespaces/default/configmaps/table-watch', { method: 'DELETE' })).status).toBe(200);
      await w.waitFor((e) => e.type === 'DELETED');
      const events = w.events.filter((e) => e.type !== 'BOOKMARK');
      expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
      for (const e of events) {
        expect(e.object).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
        expect(e.object.rows).toHaveLength(1);
        expect(e.object.rows[0].object).toMatchObject({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 'table-watch', namespace: 'default' } });
        expect(e.object.metadata.resourceVersion).toBe(e.object.rows[0].object.metadata.resourceVersion);
      }
      expect(events.map((e) => e.object.rows[0].cells.slice(0, 2))).toEqual([
        ['table-watch', 1],
        ['table-watch', 2],
        ['table-watch', 2],
      ]);
      expect(w.events[0]?.object.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Data', 'Age']);
      expect(w.events.slice(1).every((e) => e.object.columnDefinitions === undefined)).toBe(true);
    } finally {
      w.close();
    }
  });

  test('aBookmarkInATableWatchIsAOneRowTableCarryingItsResourceVersionAndTheHeadersWhenItComesFirst', async () => {
    const rv = (await call(cluster, '/api/v1/configmaps')).json().metadata.resourceVersion;
    const w = await watch(cluster, `/api/v1/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion=${rv}`, tableAccept);
    try {
      const bookmark = await w.waitFor((e) => e.type === 'BOOKMARK', 10_000);
      expect(w.events[0]).toBe(bookmark);
      expect(bookmark.object).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
      expect(bookmark.object.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Data', 'Age']);
      expect(bookmark.object.metadata.resourceVersion).toMatch(/^\d+$/);
      expect(bookmark.object.rows).toHaveLength(1);
      expect(bookmark.object.rows[0].object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: bookmark.object.metadata.resourceVersion } });
      // Printed from an object holding nothing but its resourceVersion, as the real printer does.
      expect(bookmark.object.rows[0].cells).toEqual(['', 0, '<unknown>']);
      const second = await w.waitFor((e) => e.type === 'BOOKMARK' && e !== bookmark, 10_000);
      expect(second.object.columnDefinitions).toBeUndefined();
    } finally {
      w.close();
    }
  });

  test('aCrdPrintsNameThenItsColumnsOrNameAndAgeWithoutAnyAndAKindWithoutAPrinterNameAndCreatedAt', async () => {
    const widgets = (await call(cluster, '/apis/example.com/v1/widgets', { headers: { Accept: tableAccept } })).json();
    const stored = cluster.listObjects('widgets.example.com') as { metadata: { name: string }; spec: { size?: number; color?: string }; status?: { phase?: string } }[];
    expect(widgets.columnDefinitions[0]).toMatchObject({ name: 'Name', type: 'string', format: 'name' });
    expect(widgets.rows).toHaveLength(stored.length);
    const names = widgets.columnDefinitions.map((c: { name: string }) => c.name);
    const first = stored[0]!;
    const row = widgets.rows.find((r: { cells: unknown[] }) => r.cells[0] === first.metadata.name);
    if (names.includes('Size')) expect(row.cells[names.indexOf('Size')]).toBe(first.spec.size ?? null);
    if (names.includes('Phase')) expect(row.cells[names.indexOf('Phase')]).toBe(first.status?.phase ?? null);

    const bare = crdManifest({ group: 'tables.example.net', plural: 'plainthings', kind: 'PlainThing' });
    expect((await call(cluster, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { method: 'POST', body: JSON.stringify(bare), headers: json })).status).toBe(201);
    const body = JSON.stringify({ apiVersion: 'tables.example.net/v1', kind: 'PlainThing', metadata: { name: 'p' } });
    expect((await call(cluster, '/apis/tables.example.net/v1/namespaces/default/plainthings', { method: 'POST', body, headers: json })).status).toBe(201);
    const plain = (await call(cluster, '/apis/tables.example.net/v1/plainthings', { headers: { Accept: tableAccept } })).json();
    expect(plain.columnDefinitions.map((c: { name: string; type: string }) => `${c.name}:${c.type}`)).toEqual(['Name:string', 'Age:date']);
    expect(plain.rows[0].cells[0]).toBe('p');
    expect(plain.rows[0].cells[1]).toMatch(/^\d+s$/);

    const crds = (await call(cluster, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { headers: { Accept: tableAccept } })).json();
    expect(crds.columnDefinitions.map((c: { name: string; type: string }) => `${c.name}:${c.type}`)).toEqual(['Name:string', 'Created At:date']);
    const row2 = crds.rows.find((r: { cells: unknown[] }) => r.cells[0] === 'plainthings.tables.example.net');
    expect(row2.cells[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  test('aCrdColumnFilterAndIntegerCellsAreEvaluatedPerRowInAWatch', async () => {
    const crd = crdManifest({
      group: 'tables.example.net',
      plural: 'valves',
      kind: 'Valve',
      scope: 'Cluster',
      versions: [
        {
          name: 'v1',
          storage: true,
          columns: [...replicasAndReady, { name: 'Open', type: 'boolean', jsonPath: '.spec.open', priority: 1 }],
        },
      ],
    });
    expect((await call(cluster, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { method: 'POST', body: JSON.stringify(crd), headers: json })).status).toBe(201);
    const w = await watch(cluster, '/apis/tables.example.net/v1/valves?watch=true', tableAccept);
    try {
      const valve = { apiVersion: 'tables.example.net/v1', kind: 'Valve', metadata: { name: 'v1' }, spec: { replicas: 2.7, open: true }, status: { conditions: [{ type: 'Synced', status: 'False' }, { type: 'Ready', status: 'True' }] } };
      expect((await call(cluster, '/apis/tables.example.net/v1/valves', { method: 'POST', body: JSON.stringify(valve), headers: json })).status).toBe(201);
      const added = await w.waitFor((e) => e.type === 'ADDED');
      expect(added.object.columnDefinitions.map((c: { name: string; priority: number }) => `${c.name}/${c.priority}`)).toEqual(['Name/0', 'Replicas/0', 'Ready/0', 'Open/1']);
      expect(added.object.rows[0].cells).toEqual(['v1', 2, 'True', true]);
      const patch = JSON.stringify({ status: { conditions: [{ type: 'Ready', status: 'False' }] }, spec: { open: null } });
      expect((await call(cluster, '/apis/tables.example.net/v1/valves/v1', { method: 'PATCH', body: patch, headers: { 'Content-Type': 'application/merge-patch+json' } })).status).toBe(200);
      const modified = await w.waitFor((e) => e.type === 'MODIFIED');
      expect(modified.object.columnDefinitions).toBeUndefined();
      expect(modified.object.rows[0].cells).toEqual(['v1', 2, 'False', null]);
    } finally {
      w.close();
    }
  });

  (kubectlPath ? test : test.skip)('kubectlWatchesAGenericKindThroughTheTableWatch', async () => {
    const w = kubectlStream(cluster.kubeconfigPath, ['get', 'configmaps', '-n', 'default', '-w', '--output-watch-events']);
    try {
      await waitUntil(() => /EVENT\s+NAME\s+DATA\s+AGE/.test(w.output()), 'kubectl printed the headers');
      expect((await call(cluster, '/api/v1/namespaces/default/configmaps', { method: 'POST', body: configMap('kubectl-watch', { a: '1' }), headers: json })).status).toBe(201);
      await waitUntil(() => /ADDED\s+kubectl-watch\s+1\s+\d+s/.test(w.output()), 'kubectl printed the ADDED row');
      await call(cluster, '/api/v1/namespaces/default/configmaps/kubectl-watch', { method: 'PATCH', body: JSON.stringify({ data: { a: '1', b: '2' } }), headers: { 'Content-Type': 'application/merge-patch+json' } });
      await waitUntil(() => /MODIFIED\s+kubectl-watch\s+2\s+\d+s/.test(w.output()), 'kubectl printed the MODIFIED row');
      await call(cluster, '/api/v1/namespaces/default/configmaps/kubectl-watch', { method: 'DELETE' });
      await waitUntil(() => /DELETED\s+kubectl-watch\s+2\s+\d+s/.test(w.output()), 'kubectl printed the DELETED row');
      expect(w.output()).not.toMatch(/error|unable/i);
    } finally {
      await w.stop();
    }
  });
});
