import { apiResourceRow, classicGroupVersions, isAggregated, parseAggregated, parseResourceList } from '../../../adapters/kube/discovery.js';

const resource = (name: string, extra: Record<string, unknown> = {}) => ({
  resource: name,
  responseKind: { group: '', version: '', kind: name[0]!.toUpperCase() + name.slice(1, -1) },
  scope: 'Namespaced',
  singularResource: name.slice(0, -1),
  verbs: ['get', 'list', 'watch'],
  subresources: [{ subresource: 'status', verbs: ['get'] }],
  ...extra,
});

describe('discovery parsing', () => {
  test('aggregated discovery: one entry per group and resource, from the most preferred version that has it', () => {
    const doc = {
      kind: 'APIGroupDiscoveryList',
      apiVersion: 'apidiscovery.k8s.io/v2',
      items: [
        {
          metadata: { name: 'example.com' },
          versions: [
            { version: 'v2', resources: [resource('widgets', { shortNames: ['wd'], categories: ['all'] })] },
            { version: 'v1', resources: [resource('widgets'), resource('gadgets', { scope: 'Cluster' })] },
          ],
        },
      ],
    };
    expect(isAggregated(doc)).toBe(true);
    const found = parseAggregated(doc);
    expect(found).toEqual([
      { group: 'example.com', version: 'v2', resource: 'widgets', kind: 'Widget', singular: 'widget', namespaced: true, verbs: ['get', 'list', 'watch'], shortNames: ['wd'], categories: ['all'], preferred: true },
      { group: 'example.com', version: 'v1', resource: 'gadgets', kind: 'Gadget', singular: 'gadget', namespaced: false, verbs: ['get', 'list', 'watch'], shortNames: [], categories: [], preferred: false },
    ]);
  });

  test('the core group of /api is named by an empty group', () => {
    const core = parseAggregated({ kind: 'APIGroupDiscoveryList', items: [{ metadata: {}, versions: [{ version: 'v1', resources: [resource('configmaps')] }] }] });
    expect(core[0]).toMatchObject({ group: '', version: 'v1', resource: 'configmaps' });
    expect(apiResourceRow(core[0]!, false)).toMatchObject({ uid: 'core/v1/configmaps', domain: 'core/v1/configmaps', name: 'configmaps' });
  });

  test('a classic document is not aggregated, and its subresources are skipped', () => {
    expect(isAggregated({ kind: 'APIGroupList', groups: [] })).toBe(false);
    const list = parseResourceList(
      {
        kind: 'APIResourceList',
        groupVersion: 'v1',
        resources: [
          { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['list', 'watch'], shortNames: ['po'], categories: ['all'] },
          { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
        ],
      },
      '',
      'v1',
      true,
    );
    expect(list.map((r) => r.resource)).toEqual(['pods']);
    expect(list[0]).toMatchObject({ kind: 'Pod', singular: 'pod', shortNames: ['po'], namespaced: true, preferred: true });
  });

  test('a classic group list names each group preferred version first', () => {
    const versions = classicGroupVersions({
      kind: 'APIGroupList',
      groups: [{ name: 'autoscaling', versions: [{ groupVersion: 'autoscaling/v1', version: 'v1' }, { groupVersion: 'autoscaling/v2', version: 'v2' }], preferredVersion: { version: 'v2' } }],
    });
    expect(versions).toEqual([
      { group: 'autoscaling', version: 'v2', preferred: true },
      { group: 'autoscaling', version: 'v1', preferred: false },
    ]);
  });

  test('a row keeps its resourceVersion while the entry stays the same, and changes it with any field', () => {
    const [entry] = parseAggregated({ kind: 'APIGroupDiscoveryList', items: [{ metadata: { name: 'apps' }, versions: [{ version: 'v1', resources: [resource('deployments')] }] }] });
    const a = apiResourceRow(entry!, false);
    expect(apiResourceRow(entry!, false).resourceVersion).toBe(a.resourceVersion);
    expect(apiResourceRow(entry!, true).resourceVersion).not.toBe(a.resourceVersion);
    expect(apiResourceRow({ ...entry!, verbs: ['list'] }, false).resourceVersion).not.toBe(a.resourceVersion);
    expect(a.name).toBe('deployments.apps');
  });
});
