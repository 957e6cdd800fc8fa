/**
 * Discovery reflects the registry, live: the classic documents and aggregated discovery
 * (apidiscovery.k8s.io v2 and v2beta1) list exactly what is served, and kubectl (the default and
 * the oldest and newest versioned ones) prints every kind in `api-resources` and can `get` each.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemoCluster } from '../../demo-cluster/index.js';
import type { DemoCluster } from '../../demo-cluster/index.js';
import { call, kubectl, kubectlPath, versionedKubectls } from './client.js';
import { crdManifest } from './crdManifest.js';

const v2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const v2beta1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

interface ResourceDiscovery {
  resource: string;
  responseKind: { group: string; version: string; kind: string };
  scope: string;
  singularResource: string;
  verbs: string[];
  subresources?: { subresource: string; responseKind: { kind: string } }[];
}
interface GroupDiscovery {
  metadata: { name?: string };
  versions: { version: string; freshness: string; resources: ResourceDiscovery[] }[];
}

const key = (r: { group: string; version: string; plural: string }): string => `${r.group}/${r.version}/${r.plural}`;

/** Every resource an aggregated document lists, as group/version/plural. */
function aggregatedKeys(items: GroupDiscovery[]): string[] {
  return items.flatMap((g) => g.versions.flatMap((v) => v.resources.map((r) => key({ group: g.metadata.name ?? '', version: v.version, plural: r.resource }))));
}

describe('discovery follows the registry', () => {
  let cluster: DemoCluster;
  let dir: string;
  beforeAll(async () => {
    cluster = await startDemoCluster({ seed: 5, pods: 40 });
    dir = await mkdtemp(join(tmpdir(), 'kubelive-discovery-test-'));
  });
  afterAll(async () => {
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('aggregatedDiscoveryV2AndV2beta1ListEveryServedResourceWithItsKindAndScope', async () => {
    for (const [accept, version] of [
      [v2, 'v2'],
      [`${v2beta1},application/json`, 'v2beta1'],
      [`${v2},${v2beta1},application/json`, 'v2'],
    ] as const) {
      const core = await call(cluster, '/api', { headers: { Accept: accept } });
      const groups = await call(cluster, '/apis', { headers: { Accept: accept } });
      for (const r of [core, groups]) {
        expect(r.status).toBe(200);
        expect(r.headers['content-type']).toBe(`application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`);
        expect(r.json()).toMatchObject({ kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}` });
      }
      const items = [...core.json().items, ...groups.json().items] as GroupDiscovery[];
      expect(core.json().items).toHaveLength(1);
      expect(core.json().items[0].metadata.name).toBeUndefined();
      const served = cluster.servedResources();
      expect(aggregatedKeys(items).sort()).toEqual(served.map(key).sort());
      for (const g of items) {
        for (const v of g.versions) {
          expect(v.freshness).toBe('Current');
          for (const r of v.resources) {
            const info = served.find((s) => key(s) === key({ group: g.metadata.name ?? '', version: v.version, plural: r.resource }));
            expect(r.responseKind).toEqual({ group: info?.group, version: info?.version, kind: info?.kind });
            expect(r.scope).toBe(info?.namespaced ? 'Namespaced' : 'Cluster');
            expect(r.verbs).toEqual(info?.verbs);
          }
        }
      }
      const pods = items[0]?.versions[0]?.resources.find((r) => r.resource === 'pods');
      expect(pods?.subresources?.map((s) => s.subresource)).toEqual(['log', 'eviction']);
    }
  });

  test('otherAcceptsGetTheClassicDocumentsWhichAgreeWithTheAggregatedOne', async () => {
    for (const accept of ['application/json', '*/*', 'application/json;as=Table;v=v1;g=meta.k8s.io']) {
      const r = await call(cluster, '/apis', { headers: { Accept: accept } });
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.json().kind).toBe('APIGroupList');
    }
    const classic: string[] = [];
    const core = (await call(cluster, '/api/v1')).json();
    for (const r of core.resources) if (!r.name.includes('/')) classic.push(key({ group: '', version: 'v1', plural: r.name }));
    for (const g of (await call(cluster, '/apis')).json().groups) {
      for (const v of g.versions) {
        const list = (await call(cluster, `/apis/${v.groupVersion}`)).json();
        for (const r of list.resources) if (!r.name.includes('/')) classic.push(key({ group: g.name, version: v.version, plural: r.name }));
      }
    }
    expect(classic.sort()).toEqual(cluster.servedResources().map(key).sort());
  });

  test('anUnchangedAggregatedDocumentIsA304ForItsETag', async () => {
    const first = await call(cluster, '/apis', { headers: { Accept: v2 } });
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[0-9A-F]+"$/);
    const again = await call(cluster, '/apis', { headers: { Accept: v2, 'If-None-Match': etag } });
    expect(again.status).toBe(304);
  });

  test('aCrdAppearsInAggregatedDiscoveryWhenCreatedAndLeavesWhenDeleted', async () => {
    const crd = crdManifest({
      group: 'discovery.example.net',
      plural: 'dials',
      kind: 'Dial',
      scope: 'Cluster',
      versions: [
        { name: 'v1beta1', storage: false },
        { name: 'v1', storage: true },
      ],
    });
    const before = String((await call(cluster, '/apis', { headers: { Accept: v2 } })).headers.etag);
    expect((await call(cluster, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { method: 'POST', body: JSON.stringify(crd), headers: { 'Content-Type': 'application/json' } })).status).toBe(201);
    const after = await call(cluster, '/apis', { headers: { Accept: v2, 'If-None-Match': before } });
    expect(after.status).toBe(200);
    const group = (after.json().items as GroupDiscovery[]).find((g) => g.metadata.name === 'discovery.example.net');
    // Versions preferred first, in Kubernetes' version order.
    expect(group?.versions.map((v) => v.version)).toEqual(['v1', 'v1beta1']);
    expect(group?.versions[0]?.resources[0]).toMatchObject({ resource: 'dials', scope: 'Cluster', singularResource: 'dial', responseKind: { group: 'discovery.example.net', version: 'v1', kind: 'Dial' } });
    expect((await call(cluster, '/apis/discovery.example.net')).json().preferredVersion.version).toBe('v1');
    expect((await call(cluster, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/dials.discovery.example.net', { method: 'DELETE' })).status).toBe(200);
    const gone = (await call(cluster, '/apis', { headers: { Accept: v2 } })).json().items as GroupDiscovery[];
    expect(gone.map((g) => g.metadata.name)).not.toContain('discovery.example.net');
  });

  const describeWithKubectl = kubectlPath ? describe : describe.skip;
  describeWithKubectl('kubectl', () => {
    const binaries = (): string[] => [...new Set([kubectlPath as string, ...versionedKubectls().filter((v) => /kubectl\.1\.(27|33)$/.test(v))])];

    test('apiResourcesListsEveryKindTheRegistryServesWithEveryKubectl', async () => {
      const expected = cluster
        .servedResources()
        .map((r) => `${r.plural} ${r.group ? `${r.group}/${r.version}` : r.version} ${r.namespaced} ${r.kind}`)
        .sort();
      for (const binary of binaries()) {
        const r = await kubectl(cluster.kubeconfigPath, ['--cache-dir', await mkdtemp(join(dir, 'cache-')), 'api-resources', '--no-headers', '-o', 'wide'], 60_000, binary);
        expect({ binary, code: r.code, stderr: r.stderr }).toEqual({ binary, code: 0, stderr: '' });
        // Columns: NAME [SHORTNAMES] APIVERSION NAMESPACED KIND VERBS [CATEGORIES]; the short names may be absent.
        const rows = r.stdout
          .trim()
          .split('\n')
          .map((line) => {
            const cells = line.trim().split(/\s+/);
            const at = cells.findIndex((c) => c === 'true' || c === 'false');
            return `${cells[0]} ${cells[at - 1]} ${cells[at]} ${cells[at + 1]}`;
          })
          .sort();
        expect({ binary, rows }).toEqual({ binary, rows: expected });
      }
    }, 120_000);

    test('getEveryListableKindAcrossNamespacesPrintsEveryStoredObjectWithEveryKubectl', async () => {
      const listable = cluster.servedResources().filter((r) => r.verbs.includes('list'));
      expect(listable.length).toBeGreaterThan(30);
      for (const binary of binaries()) {
        const failures: string[] = [];
        const cache = await mkdtemp(join(dir, 'cache-'));
        for (const r of listable) {
          const name = r.group ? `${r.plural}.${r.version}.${r.group}` : r.plural;
          const got = await kubectl(cluster.kubeconfigPath, ['--cache-dir', cache, 'get', name, '-A', '--no-headers'], 60_000, binary);
          const stored = r.group === 'metrics.k8s.io' ? undefined : cluster.listObjects(r.group ? `${r.plural}.${r.group}` : r.plural).length;
          const printed = got.stdout.trim() === '' ? 0 : got.stdout.trim().split('\n').length;
          if (got.code !== 0) failures.push(`${name}: exit ${got.code}: ${got.stderr.trim()}`);
          else if (stored !== undefined && printed !== stored) failures.push(`${name}: printed ${printed} rows, ${stored} stored`);
        }
        expect({ binary, failures }).toEqual({ binary, failures: [] });
      }
    }, 300_000);
  });
});
