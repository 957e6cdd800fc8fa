/**
 * The permissions recheck is bounded: against a demo cluster of 400 namespaces, a user limited
 * to two of them costs at most the relevant namespaces plus the budget in rules reviews per
 * round (counted by the cluster itself, the truth), successive rounds still find every namespace
 * the cluster's RBAC permits, and a grant in a namespace a view is scoped to shows up within one
 * recheck whatever the budget.
 */
import { startDemoCluster, type DemoCluster } from '../../demo-cluster/index.js';
import { KubeClient, loadKubeConfig } from '../../adapters/kube/client.js';
import { Permissions, type NamespaceAccess } from '../../server/permissions.js';
import { waitFor } from './support.js';

const pods = { group: '', resource: 'pods' };
const rulesPath = 'POST /apis/authorization.k8s.io/v1/selfsubjectrulesreviews';
const namespaceCount = 400;
const budget = 50;

describe('a bounded permissions recheck on a cluster of many namespaces', () => {
  let demo: DemoCluster;
  let client: KubeClient;
  const started: Permissions[] = [];

  beforeAll(async () => {
    demo = await startDemoCluster({ port: 0, nodes: 2, pods: 40, namespaces: namespaceCount, churn: 0, seed: 3 });
    client = new KubeClient(loadKubeConfig({ kubeconfigYaml: demo.kubeconfigYaml, context: demo.users.contexts.namespaceUser }));
  });
  // Each test's rechecks stop with it, so the cluster's review count is one test's alone.
  afterEach(() => {
    for (const p of started.splice(0)) p.dispose();
  });
  afterAll(async () => {
    client?.close();
    await demo?.stop();
  });

  const rulesReviews = () => demo.requestCounts()[rulesPath] ?? 0;
  const permissions = (recheckMs: number) => {
    const p = new Permissions({ client, recheckMs: () => recheckMs, contextNamespace: () => client.contextNamespace, rulesBudget: budget });
    started.push(p);
    return p;
  };
  const partial = (access: NamespaceAccess | undefined) => {
    if (access?.kind !== 'namespaces') throw new Error(`expected a partial answer, got ${JSON.stringify(access)}`);
    return access;
  };

  test('eachRoundCostsAtMostTheRelevantNamespacesPlusTheBudgetAndRoundsTogetherFindEveryPermittedNamespace', async () => {
    const truth = [...demo.users.namespaceUserNamespaces].sort();
    const namespaces = demo.listObjects('namespaces').length;
    expect(namespaces).toBe(namespaceCount);
    const recheckMs = 1000;
    const p = permissions(recheckMs);

    const before = rulesReviews();
    const first = partial(await p.access(pods));
    const firstCost = rulesReviews() - before;
    // The context's namespace, then the budget: nowhere near one review per namespace.
    expect(firstCost).toBeLessThanOrEqual(1 + budget);
    expect(first.unchecked).toBe(namespaceCount - firstCost);
    expect(first.total).toBe(namespaceCount);

    // Held by a view: the timer's rounds walk the rest, a budget at a time.
    p.hold(pods);
    const roundsBefore = p.diagnostics().rounds;
    await waitFor('every namespace checked', () => partial(p.current(pods)).unchecked === 0, 60_000);
    const access = partial(p.current(pods));
    expect(access.permitted).toEqual(truth);
    expect(access.refused).toHaveLength(namespaceCount - truth.length);
    const rounds = p.diagnostics().rounds - roundsBefore;
    expect(rounds).toBeGreaterThanOrEqual(Math.ceil((namespaceCount - firstCost) / budget));
    // Each round: the permitted ones and the context's (at most the truth's two), plus the budget.
    expect(rulesReviews() - before).toBeLessThanOrEqual(firstCost + rounds * (truth.length + budget));
    const report = p.diagnostics().lastRound!;
    expect(report.kind).toBe('scheduled');
    expect(report.budget).toBe(budget);
    expect(report.budgetSpent).toBeLessThanOrEqual(budget);
  }, 90_000);

  test('aScheduledRoundSpreadsItsBudgetOverHalfThePeriod', async () => {
    const recheckMs = 2000;
    const p = permissions(recheckMs);
    await p.access(pods);
    p.hold(pods);
    const started = Date.now();
    await p.recheck();
    const report = p.diagnostics().lastRound!;
    expect(report.budgetSpent).toBe(budget);
    expect(report.deferred).toBeGreaterThan(0);
    // budget reviews, spacingMs = period / 2 / budget apart: the last starts (budget − 1) spacings after the first.
    expect(Date.now() - started).toBeGreaterThanOrEqual(((recheckMs / 2) * (budget - 1)) / budget);
  }, 30_000);

  test('disposedInTheMiddleOfARoundItAsksNothingMoreAndNoRoundFollows', async () => {
    // A cluster stopped (idle, or gone from the kubeconfig) disposes its permissions while a
    // scheduled round may be spreading its reviews: that round must stop asking, and no timer
    // may start another, or every stopped cluster would go on reviewing for the process's life.
    const recheckMs = 1000;
    const p = permissions(recheckMs);
    await p.access(pods);
    p.hold(pods);
    await waitFor('a scheduled round under way', () => {
      const round = p.diagnostics().lastRound;
      return round?.kind === 'scheduled' && round.finishedAt === null && round.rulesReviews > 0;
    }, 10_000);
    p.dispose();
    const atDispose = rulesReviews();
    // Long enough for the rest of that round (half a period) and three more rounds.
    await new Promise((resolve) => setTimeout(resolve, recheckMs * 3.5));
    // At most the reviews already on the wire when it was disposed (the client's concurrency).
    expect(rulesReviews() - atDispose).toBeLessThanOrEqual(4);
    expect(p.diagnostics().lastRound?.kind).toBe('scheduled');
  }, 30_000);

  test('aGrantInANamespaceAViewIsScopedToShowsUpWithinOneRecheckWhateverTheBudget', async () => {
    const recheckMs = 1500;
    const p = permissions(recheckMs);
    const target = 'team-300';
    expect(partial(await p.access(pods, target)).permitted).not.toContain(target);
    p.hold(pods, target);
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'jane-team-300', namespace: target },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'jane' }],
    };
    const admin = new KubeClient(loadKubeConfig({ kubeconfigYaml: demo.kubeconfigYaml, context: demo.users.contexts.admin }));
    await admin.requestJson('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${target}/rolebindings`, { body: binding });
    const granted = Date.now();
    await waitFor('the grant to show', () => partial(p.current(pods)).permitted.includes(target), recheckMs * 2 + 10_000);
    // The scoped namespace is reviewed first in a round, before the budget is spread.
    expect(Date.now() - granted).toBeLessThan(recheckMs + 5_000);
    // The cluster agrees: jane may now list pods there.
    const asJane = await client.requestJson<{ items: unknown[] }>('GET', `/api/v1/namespaces/${target}/pods`);
    expect(Array.isArray(asJane.items)).toBe(true);
  }, 40_000);
});
