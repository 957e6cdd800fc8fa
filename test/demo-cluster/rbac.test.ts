/**
 * RBAC in the demo cluster, seen through kubectl (a client we did not write) with each demo
 * user's context: what `auth can-i` answers (SelfSubjectAccessReview, SelfSubjectRulesReview),
 * the 403 in kube-apiserver's words, and bindings created or deleted by the admin deciding the
 * very next request. The rule matching itself is pinned against kube-apiserver's semantics below.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemoCluster } from '../../demo-cluster/index.js';
import type { DemoCluster } from '../../demo-cluster/index.js';
import { ruleAllows } from '../../demo-cluster/rbac.js';
import { kubectl, kubectlPath } from './client.js';

const describeWithKubectl = kubectlPath ? describe : describe.skip;

describe('ruleAllows follows kube-apiserver RBAC matching', () => {
  const pods = { resourceRequest: true, verb: 'list', group: '', resource: 'pods', namespace: 'shop' } as const;
  test.each([
    ['exact verb, group and resource', { verbs: ['list'], apiGroups: [''], resources: ['pods'] }, pods, true],
    ['another verb', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, pods, false],
    ['another group', { verbs: ['list'], apiGroups: ['apps'], resources: ['pods'] }, pods, false],
    ['every verb, group and resource', { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, pods, true],
    ['* covers subresources', { verbs: ['get'], apiGroups: [''], resources: ['*'] }, { ...pods, verb: 'get', subresource: 'log', name: 'p' }, true],
    ['the resource alone does not cover its subresource', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, { ...pods, verb: 'get', subresource: 'log', name: 'p' }, false],
    ['resource/subresource', { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }, { ...pods, verb: 'get', subresource: 'log', name: 'p' }, true],
    ['*/subresource', { verbs: ['get'], apiGroups: [''], resources: ['*/log'] }, { ...pods, verb: 'get', subresource: 'log', name: 'p' }, true],
    ['resourceNames match the named object', { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }, { ...pods, verb: 'get', name: 'a' }, true],
    ['resourceNames refuse another object', { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }, { ...pods, verb: 'get', name: 'b' }, false],
    ['resourceNames never match a list without a name', { verbs: ['list'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }, pods, false],
    ['non-resource exact path', { verbs: ['get'], nonResourceURLs: ['/version'] }, { resourceRequest: false, verb: 'get', path: '/version' }, true],
    ['non-resource prefix', { verbs: ['get'], nonResourceURLs: ['/apis/*'] }, { resourceRequest: false, verb: 'get', path: '/apis/apps/v1' }, true],
    ['non-resource rule never matches a resource request', { verbs: ['*'], nonResourceURLs: ['*'] }, pods, false],
    ['resource rule never matches a path', { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { resourceRequest: false, verb: 'get', path: '/version' }, false],
  ] as const)('%s', (_what, rule, attributes, allowed) => {
    expect(ruleAllows(attributes, rule as never)).toBe(allowed);
  });
});

describeWithKubectl('RBAC through kubectl, one context per demo user', () => {
  let cluster: DemoCluster;
  let cacheDir: string;
  const as = (context: string, args: string[]) => kubectl(cluster.kubeconfigPath, ['--cache-dir', cacheDir, '--context', context, ...args]);
  let ctx: DemoCluster['users']['contexts'];
  /** Creates objects as the admin from a manifest file (`create -f` sends JSON). */
  const createAsAdmin = async (objects: object[]) => {
    const file = join(cacheDir, `manifest-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
    return as(ctx.admin, ['create', '-f', file]);
  };
  const roleBinding = (name: string, namespace: string, roleRef: { kind: 'Role' | 'ClusterRole'; name: string }, user: string) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name, namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  });

  beforeAll(async () => {
    cacheDir = mkdtempSync(join(tmpdir(), 'kubelive-rbac-cache-'));
    cluster = await startDemoCluster({ seed: 11 });
    ctx = cluster.users.contexts;
  });
  afterAll(async () => {
    await cluster.stop();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  test('authCanIListPodsAllNamespacesForEachUser', async () => {
    const answers: Record<string, string> = {};
    for (const [who, context] of Object.entries(ctx)) answers[who] = (await as(context, ['auth', 'can-i', 'list', 'pods', '-A'])).stdout.trim();
    expect(answers).toEqual({ admin: 'yes', namespaceUser: 'no', readOnly: 'yes', rotating: 'yes' });
  });

  test('theNamespaceUserMayListPodsInItsTwoNamespacesOnly', async () => {
    expect(cluster.users.namespaceUserNamespaces).toEqual(['shop', 'payments']);
    for (const ns of ['shop', 'payments']) expect((await as(ctx.namespaceUser, ['auth', 'can-i', 'list', 'pods', '-n', ns])).stdout.trim()).toBe('yes');
    expect((await as(ctx.namespaceUser, ['auth', 'can-i', 'list', 'pods', '-n', 'monitoring'])).stdout.trim()).toBe('no');
    // Its context's namespace is the first of them, so a plain `get pods` works.
    const own = await as(ctx.namespaceUser, ['get', 'pods', '-o', 'name']);
    expect(own.code).toBe(0);
    expect(own.stdout.trim().split('\n').length).toBe(cluster.listObjects('pods', 'shop').length);
  });

  test('aForbiddenListPrintsKubeApiserversWords', async () => {
    const all = await as(ctx.namespaceUser, ['get', 'pods', '-A']);
    expect(all.code).not.toBe(0);
    expect(all.stderr.trim()).toBe('Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource "pods" in API group "" at the cluster scope');
    const other = await as(ctx.namespaceUser, ['get', 'deployments', '-n', 'monitoring']);
    expect(other.stderr.trim()).toBe('Error from server (Forbidden): deployments.apps is forbidden: User "jane" cannot list resource "deployments" in API group "apps" in the namespace "monitoring"');
  });

  test('theReadOnlyUsersWriteIsRefusedInTheApiServersWords', async () => {
    const pod = (cluster.listObjects('pods', 'shop') as { metadata: { name: string } }[])[0]!.metadata.name;
    const r = await as(ctx.readOnly, ['delete', 'pod', pod, '-n', 'shop', '--wait=false']);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe(`Error from server (Forbidden): pods "${pod}" is forbidden: User "viewer" cannot delete resource "pods" in API group "" in the namespace "shop"`);
    const node = (cluster.listObjects('nodes') as { metadata: { name: string } }[])[1]!.metadata.name;
    const cordon = await as(ctx.readOnly, ['cordon', node]);
    expect(cordon.stderr).toContain(`nodes "${node}" is forbidden: User "viewer" cannot patch resource "nodes" in API group "" at the cluster scope`);
    expect((cluster.listObjects('pods', 'shop') as { metadata: { name: string; deletionTimestamp?: string } }[]).find((p) => p.metadata.name === pod)?.metadata.deletionTimestamp).toBeUndefined();
  });

  test('authCanIListPrintsTheRulesOfTheNamespace', async () => {
    const shop = await as(ctx.namespaceUser, ['auth', 'can-i', '--list', '-n', 'shop']);
    expect(shop.code).toBe(0);
    expect(shop.stdout).toMatch(/^\*\.\*\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
    expect(shop.stdout).toMatch(/^pods\s+\[\]\s+\[\]\s+\[create delete patch update\]$/m);
    expect(shop.stdout).toMatch(/^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m);
    expect(shop.stdout).toMatch(/^\s+\[\/version\]\s+\[\]\s+\[get\]$/m);
    const elsewhere = await as(ctx.namespaceUser, ['auth', 'can-i', '--list', '-n', 'monitoring']);
    expect(elsewhere.stdout).not.toMatch(/^\*\.\*/m);
    expect(elsewhere.stdout).not.toMatch(/^pods\s/m);
    const admin = await as(ctx.admin, ['auth', 'can-i', '--list']);
    expect(admin.stdout).toMatch(/^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/m);
  });

  test('aGrantAndARevocationApplyToTheNextRequest', async () => {
    const canList = async () => (await as(ctx.namespaceUser, ['auth', 'can-i', 'list', 'pods', '-n', 'monitoring'])).stdout.trim();
    const listPods = () => as(ctx.namespaceUser, ['get', 'pods', '-n', 'monitoring', '-o', 'name']);
    expect(await canList()).toBe('no');
    // kubectl 1.32+ sends this one as protobuf, which the demo cluster reads for the RBAC kinds.
    const grant = await as(ctx.admin, ['create', 'rolebinding', 'jane-monitoring', '--clusterrole=view', '--user=jane', '-n', 'monitoring']);
    expect(grant.stderr).toBe('');
    expect(await canList()).toBe('yes');
    const listed = await listPods();
    expect(listed.code).toBe(0);
    expect(listed.stdout.trim().split('\n').sort()).toEqual((cluster.listObjects('pods', 'monitoring') as { metadata: { name: string } }[]).map((p) => `pod/${p.metadata.name}`).sort());
    // view does not cover Secrets.
    expect((await as(ctx.namespaceUser, ['auth', 'can-i', 'list', 'secrets', '-n', 'monitoring'])).stdout.trim()).toBe('no');
    expect((await as(ctx.admin, ['delete', 'rolebinding', 'jane-monitoring', '-n', 'monitoring'])).code).toBe(0);
    expect(await canList()).toBe('no');
    expect((await listPods()).stderr).toContain('pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "monitoring"');
  });

  test('aBindingToAMissingRoleSaysSoInTheRefusal', async () => {
    expect((await as(ctx.admin, ['create', 'rolebinding', 'jane-nothing', '--clusterrole=does-not-exist', '--user=jane', '-n', 'data'])).code).toBe(0);
    const r = await as(ctx.namespaceUser, ['get', 'pods', '-n', 'data']);
    expect(r.stderr.trim()).toBe('Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "data": RBAC: clusterrole.rbac.authorization.k8s.io "does-not-exist" not found');
    await as(ctx.admin, ['delete', 'rolebinding', 'jane-nothing', '-n', 'data']);
  });

  test('resourceNamesLimitARuleToTheNamedObjects', async () => {
    const [first, second] = (cluster.listObjects('configmaps', 'data') as { metadata: { name: string } }[]).map((c) => c.metadata.name);
    expect(second).toBeDefined();
    const created = await createAsAdmin([
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'edit-one', namespace: 'data' }, rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: [first], verbs: ['update', 'patch'] }] },
      roleBinding('viewer-edit-one', 'data', { kind: 'Role', name: 'edit-one' }, 'viewer'),
    ]);
    expect(created.stderr).toBe('');
    expect((await as(ctx.readOnly, ['auth', 'can-i', 'patch', `configmap/${first}`, '-n', 'data'])).stdout.trim()).toBe('yes');
    expect((await as(ctx.readOnly, ['auth', 'can-i', 'patch', `configmap/${second}`, '-n', 'data'])).stdout.trim()).toBe('no');
    expect((await as(ctx.readOnly, ['auth', 'can-i', 'patch', 'configmaps', '-n', 'data'])).stdout.trim()).toBe('no');
    const patched = await as(ctx.readOnly, ['label', 'configmap', first!, '-n', 'data', 'touched=yes']);
    expect(patched.stderr).toBe('');
    const refused = await as(ctx.readOnly, ['label', 'configmap', second!, '-n', 'data', 'touched=yes']);
    expect(refused.stderr).toContain(`configmaps "${second}" is forbidden: User "viewer" cannot patch resource "configmaps" in API group "" in the namespace "data"`);
  });

  test('kubectlCreateOfEachRbacKindStoresWhatKubectlMeant', async () => {
    // kubectl 1.32+ sends these as protobuf; what it meant is what it prints with --dry-run=client.
    const commands = [
      ['create', 'role', 'pr-role', '--verb=get,list', '--resource=pods,deployments.apps', '--resource-name=a', '-n', 'batch'],
      ['create', 'rolebinding', 'pr-rb', '--role=pr-role', '--user=jane', '--group=devs', '--serviceaccount=batch:default', '-n', 'batch'],
      ['create', 'clusterrole', 'pr-cr', '--verb=get', '--non-resource-url=/logs/*'],
      ['create', 'clusterrolebinding', 'pr-crb', '--clusterrole=pr-cr', '--user=viewer'],
    ];
    for (const command of commands) {
      const meant = JSON.parse((await as(ctx.admin, [...command, '--dry-run=client', '-o', 'json'])).stdout) as Record<string, unknown>;
      const created = await as(ctx.admin, [...command, '-o', 'json']);
      expect(created.stderr).toBe('');
      const stored = JSON.parse((await as(ctx.admin, ['get', `${String(meant.kind).toLowerCase()}.rbac.authorization.k8s.io`, command[2]!, ...(command.includes('-n') ? ['-n', 'batch'] : []), '-o', 'json'])).stdout) as Record<string, unknown>;
      for (const field of ['rules', 'subjects', 'roleRef']) expect(stored[field]).toEqual(meant[field]);
    }
    expect((await as(ctx.readOnly, ['auth', 'can-i', 'get', '/logs/today'])).stdout.trim()).toBe('yes');
  });

  test('authWhoamiNamesEachUserAndItsGroups', async () => {
    const who = async (context: string) => JSON.parse((await as(context, ['auth', 'whoami', '-o', 'json'])).stdout).status.userInfo;
    expect(await who(ctx.admin)).toEqual({ username: 'kubelive-demo', groups: ['system:masters', 'system:authenticated'] });
    expect(await who(ctx.namespaceUser)).toEqual({ username: 'jane', groups: ['kubelive-demo:developers', 'system:authenticated'] });
    expect(await who(ctx.rotating)).toEqual({ username: 'rotating', groups: ['kubelive-demo:viewers', 'system:authenticated'] });
  });

  test('anUnknownTokenIs401AndTheAdminTokenStillWorks', async () => {
    const agent = { ca: cluster.caPem };
    const get = (token: string) =>
      new Promise<number>((resolve, reject) => {
        import('node:https').then(({ request }) => {
          const req = request(new URL('/api/v1/namespaces', cluster.url), { ...agent, headers: { Authorization: `Bearer ${token}` } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.end();
        }, reject);
      });
    expect(await get('not-a-token')).toBe(401);
    expect(await get(cluster.token)).toBe(200);
    expect(await get(cluster.users.credentials.rotatingRefresh)).toBe(401);
  });
});
