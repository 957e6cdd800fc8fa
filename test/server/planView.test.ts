/**
 * planView, the pure step between a user's permissions and a view's upstreams: which keys a view
 * gets for each kind of access, what its partial report says, and the bounds on both.
 */
import type { NamespaceAccess, ResourceRef } from '../../server/permissions.js';
import { rulesPermit } from '../../server/permissions.js';
import { maxRefusedListed, planView, splitKey, viewSpec } from '../../server/views.js';

const limited = (permitted: string[], refused: string[] = [], total: number | null = permitted.length + refused.length): NamespaceAccess => ({
  kind: 'namespaces',
  permitted,
  refused: refused.map((namespace) => ({ namespace, reason: `list and watch not permitted (SelfSubjectRulesReview in "${namespace}")` })),
  total,
  sources: ['namespace list'],
  clusterWideRefusal: 'cannot list pods at the cluster scope',
});
const everyone = (access: NamespaceAccess) => (_ref: ResourceRef) => access;

describe('planView', () => {
  test('aUserWhoMayListEverywhereKeepsTheClusterWideUpstreams', () => {
    const view = planView(viewSpec('workloads', ''), everyone({ kind: 'cluster' }));
    expect(view.keys).toEqual(['deployments', 'statefulsets', 'daemonsets', 'replicasets', 'jobs', 'cronjobs']);
    expect(view.partial).toBeNull();
  });

  test('accessNotYetKnownKeepsTheClusterWideUpstream', () => {
    expect(planView(viewSpec('pods', ''), () => undefined).keys).toEqual(['pods']);
  });

  test('aUserLimitedToNamespacesGetsOneUpstreamPerNamespaceAndAPartialReport', () => {
    const view = planView(viewSpec('pods', ''), everyone(limited(['payments', 'shop'], ['data', 'monitoring'], 9)));
    expect(view.keys).toEqual(['pods@payments', 'pods@shop']);
    expect(view.keys.map(splitKey)).toEqual([{ base: 'pods', namespace: 'payments' }, { base: 'pods', namespace: 'shop' }]);
    expect(view.partial).toEqual({
      namespaces: ['payments', 'shop'],
      refused: [
        { namespace: 'data', reason: 'list and watch not permitted (SelfSubjectRulesReview in "data")' },
        { namespace: 'monitoring', reason: 'list and watch not permitted (SelfSubjectRulesReview in "monitoring")' },
      ],
      total: 9,
      summary: 'pods in 2 of 9 namespaces',
    });
  });

  test('aViewScopedToAPermittedNamespaceIsThatNamespacesUpstreamAndNotPartial', () => {
    const view = planView(viewSpec('pods', 'shop'), everyone(limited(['payments', 'shop'])));
    expect(view.keys).toEqual(['pods@shop']);
    expect(view.partial).toBeNull();
  });

  test('nothingPermittedKeepsTheClusterWideKeyWhose403SaysForbidden', () => {
    expect(planView(viewSpec('pods', 'data'), everyone(limited(['shop'], ['data']))).keys).toEqual(['pods']);
    const all = planView(viewSpec('pods', ''), everyone(limited([], ['data', 'shop'])));
    expect(all.keys).toEqual(['pods']);
    expect(all.partial?.summary).toBe('pods in 0 of 2 namespaces');
  });

  test('kindsOfOneViewMayDifferAndCoverTheUnionOfTheirNamespaces', () => {
    const view = planView(viewSpec('workloads', ''), (ref) => (ref.resource === 'jobs' ? limited(['batch'], ['shop'], 3) : ref.resource === 'cronjobs' ? limited([], ['batch', 'shop'], 3) : { kind: 'cluster' }));
    expect(view.keys).toEqual(['deployments', 'statefulsets', 'daemonsets', 'replicasets', 'jobs@batch', 'cronjobs']);
    expect(view.partial?.namespaces).toEqual(['batch']);
  });

  test('clusterWideKindsAreNeverNarrowed', () => {
    expect(planView(viewSpec('nodes', ''), everyone(limited(['shop']))).keys).toEqual(['nodes']);
    expect(planView(viewSpec('namespaces', ''), everyone(limited(['shop']))).keys).toEqual(['namespaces']);
  });

  test('aViewWatchesAtMost64NamespacesAndListsAtMost20Refusals', () => {
    const many = Array.from({ length: 100 }, (_, i) => `ns-${String(i).padStart(3, '0')}`);
    const view = planView(viewSpec('pods', ''), everyone(limited(many, ['zz-1', 'zz-2'], 102)));
    expect(view.keys).toHaveLength(64);
    expect(view.partial?.summary).toBe('pods in 64 of 102 namespaces');
    expect(view.partial?.refused).toHaveLength(maxRefusedListed);
    expect(view.partial?.refused[0]?.reason).toBe('kubelive watches at most 64 namespaces of one view');
  });
});

describe('rulesPermit reads a rules review as RBAC would', () => {
  const pods = { group: '', resource: 'pods' };
  test.each([
    [[{ verbs: ['list', 'watch'], apiGroups: [''], resources: ['pods'] }], 'list', true],
    [[{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], 'watch', true],
    [[{ verbs: ['list'], apiGroups: ['apps'], resources: ['pods'] }], 'list', false],
    [[{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], 'list', false],
    [[{ verbs: ['list'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }], 'list', false],
    [[{ verbs: ['list'], apiGroups: [''], resources: ['pods/log'] }], 'list', false],
  ])('%j %s → %s', (rules, verb, allowed) => {
    expect(rulesPermit(rules, pods, verb)).toBe(allowed);
  });
});
