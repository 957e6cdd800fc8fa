/**
 * At the cluster scope, a view's access check asks whether the user may list and whether it may
 * watch at once, not watch after list: that answer plans the view's first list, which waits for
 * it. Counted by the demo cluster itself: a user refused the cluster-wide list was asked both
 * (the old order stopped after the refused list, one review, a round trip before the other).
 * Per namespace the reviews stay one after the other (a refused list spares the watch's).
 */
import { startDemoCluster, type DemoCluster } from '../../demo-cluster/index.js';
import { KubeClient, loadKubeConfig } from '../../adapters/kube/client.js';
import { Permissions } from '../../server/permissions.js';

const reviewPath = 'POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

describe('the cluster-scope access review of a view', () => {
  let demo: DemoCluster;
  const clients: KubeClient[] = [];
  const started: Permissions[] = [];

  beforeAll(async () => {
    demo = await startDemoCluster({ port: 0, nodes: 2, pods: 20, namespaces: 6, churn: 0, seed: 5 });
  });
  afterAll(async () => {
    for (const p of started) p.dispose();
    for (const c of clients) c.close();
    await demo?.stop();
  });

  const permissionsAs = (context?: string) => {
    const client = new KubeClient(loadKubeConfig({ kubeconfigYaml: demo.kubeconfigYaml, ...(context ? { context } : {}) }));
    clients.push(client);
    const p = new Permissions({ client, recheckMs: () => 600_000, contextNamespace: () => client.contextNamespace });
    started.push(p);
    return p;
  };
  const reviews = () => demo.requestCounts()[reviewPath] ?? 0;

  test('asksListAndWatchAtOnceEvenWhenTheListIsRefused', async () => {
    const p = permissionsAs(demo.users.contexts.namespaceUser);
    const before = reviews();
    const access = await p.access({ group: '', resource: 'pods' });
    // The cluster's RBAC limits this user to some namespaces: not the cluster-wide list.
    expect(access.kind).toBe('namespaces');
    // Both verbs were asked at the cluster scope, though the list's refusal alone decides.
    expect(reviews() - before).toBe(2);
  });

  test('aUserWhoMayListEverywhereIsAskedBothVerbsOnceAndPlannedClusterWide', async () => {
    const p = permissionsAs();
    const before = reviews();
    expect(await p.access({ group: '', resource: 'configmaps' })).toEqual({ kind: 'cluster' });
    expect(reviews() - before).toBe(2);
  });
});
