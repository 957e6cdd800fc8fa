/**
 * A Deployment a client creates is adopted by the demo's deployment controller, as a real
 * cluster's would: a ReplicaSet it owns, pods its ReplicaSet owns that follow the simulation's
 * readiness, `kubectl rollout status` that finishes, scale and rollout restart that work, and a
 * delete that cascades in the background (the ReplicaSets and pods go after it) or orphans them.
 * All through kubectl, and judged by what kubectl reads back.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemoCluster, type DemoCluster } from '../../demo-cluster/index.js';
import { kubectl, kubectlPath, requireKubectlInCi, waitUntil } from './client.js';

let demo: DemoCluster;
let dir: string;

beforeAll(async () => {
  requireKubectlInCi();
  demo = await startDemoCluster({ port: 0, nodes: 3, pods: 20, churn: 0, seed: 12 });
  dir = mkdtempSync(join(tmpdir(), 'kubelive-created-deploy-'));
});
afterAll(async () => {
  await demo?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const k = (args: string[]) => kubectl(demo.kubeconfigPath, ['--cache-dir', join(dir, 'cache'), ...args], 60_000);

function manifest(name: string, replicas: number, extra: { selector?: Record<string, string> } = {}): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'shop' },
      spec: {
        replicas,
        selector: { matchLabels: extra.selector ?? { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            serviceAccountName: 'builder',
            terminationGracePeriodSeconds: 1,
            containers: [{ name: 'web', image: 'registry.local/web:2.0', ports: [{ containerPort: 8080 }], readinessProbe: { httpGet: { path: '/ready', port: 8080 } } }],
          },
        },
      },
    }),
  );
  return file;
}

interface Obj {
  metadata: { name: string; uid: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string; uid: string }[]; deletionTimestamp?: string };
  spec: Record<string, any>;
  status?: Record<string, any>;
}

async function get(kind: string, selector: string): Promise<Obj[]> {
  const r = await k(['get', kind, '-n', 'shop', '-l', selector, '-o', 'json']);
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { items: Obj[] }).items;
}

async function rolloutStatus(name: string): Promise<void> {
  const r = await k(['rollout', 'status', `deployment/${name}`, '-n', 'shop', '--timeout=60s']);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  expect(r.stdout).toContain(`deployment "${name}" successfully rolled out`);
}

/** Every pod of the deployment: Running and Ready, owned by a ReplicaSet that the Deployment owns. */
async function expectPodsOf(name: string, replicas: number): Promise<{ pods: Obj[]; replicaSets: Obj[] }> {
  const read = await k(['get', `deployment/${name}`, '-n', 'shop', '-o', 'json']);
  expect(read.code).toBe(0);
  const deployment = JSON.parse(read.stdout) as Obj;
  const replicaSets = await get('replicasets', `app=${name}`);
  const pods = (await get('pods', `app=${name}`)).filter((p) => !p.metadata.deletionTimestamp);
  expect(pods).toHaveLength(replicas);
  for (const rs of replicaSets) expect(rs.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Deployment', name, uid: deployment.metadata.uid });
  for (const pod of pods) {
    const owner = replicaSets.find((rs) => rs.metadata.uid === pod.metadata.ownerReferences?.[0]?.uid);
    expect(owner).toBeDefined();
    expect(pod.status!.phase).toBe('Running');
    expect(pod.status!.conditions.find((c: { type: string }) => c.type === 'Ready').status).toBe('True');
    // The template's own pod spec, not one the simulation made up.
    expect(pod.spec.serviceAccountName).toBe('builder');
    expect(pod.spec.containers[0].readinessProbe.httpGet.path).toBe('/ready');
  }
  return { pods, replicaSets };
}

test('aCreatedDeploymentRollsOutScalesRestartsAndCascadesOnDelete', async () => {
  if (!kubectlPath) return;
  const applied = await k(['apply', '-f', manifest('web', 3)]);
  expect({ code: applied.code, stdout: applied.stdout.trim(), stderr: applied.stderr }).toEqual({ code: 0, stdout: 'deployment.apps/web created', stderr: '' });
  await rolloutStatus('web');
  const first = await expectPodsOf('web', 3);
  expect(first.replicaSets).toHaveLength(1);
  expect(first.replicaSets[0]!.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');

  expect((await k(['scale', 'deployment/web', '-n', 'shop', '--replicas=5'])).code).toBe(0);
  await rolloutStatus('web');
  await expectPodsOf('web', 5);

  expect((await k(['rollout', 'restart', 'deployment/web', '-n', 'shop'])).code).toBe(0);
  await rolloutStatus('web');
  // The restart made a second ReplicaSet; once rolled out, every pod is of it.
  await waitUntil(async () => (await get('pods', 'app=web')).filter((p) => !p.metadata.deletionTimestamp).length === 5, 'five pods of the new template', 30_000);
  const after = await expectPodsOf('web', 5);
  const current = after.replicaSets.find((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === '2');
  expect(current).toBeDefined();
  for (const pod of after.pods) expect(pod.metadata.ownerReferences?.[0]?.uid).toBe(current!.metadata.uid);

  const deleted = await k(['delete', 'deployment/web', '-n', 'shop']);
  expect(deleted.stdout.trim()).toBe('deployment.apps "web" deleted');
  expect((await k(['get', 'deployment/web', '-n', 'shop'])).code).not.toBe(0);
  // Background propagation: the ReplicaSets and then the pods follow (grace period 1 s).
  await waitUntil(async () => (await get('replicasets', 'app=web')).length === 0 && (await get('pods', 'app=web')).length === 0, 'the ReplicaSets and pods to follow the Deployment', 30_000);
}, 180_000);

test('anOrphaningDeleteLeavesTheReplicaSetAndItsPods', async () => {
  if (!kubectlPath) return;
  expect((await k(['apply', '-f', manifest('kept', 2)])).code).toBe(0);
  await rolloutStatus('kept');
  expect((await k(['delete', 'deployment/kept', '-n', 'shop', '--cascade=orphan'])).code).toBe(0);
  await new Promise((r) => setTimeout(r, 500));
  const replicaSets = await get('replicasets', 'app=kept');
  expect(replicaSets).toHaveLength(1);
  expect(replicaSets[0]!.metadata.ownerReferences ?? []).toEqual([]);
  expect((await get('pods', 'app=kept')).filter((p) => !p.metadata.deletionTimestamp)).toHaveLength(2);
}, 120_000);

test('aDeploymentTheControllersCouldNotRunIsRefusedAndNothingIsStored', async () => {
  if (!kubectlPath) return;
  const r = await k(['apply', '-f', manifest('mismatch', 1, { selector: { app: 'other' } })]);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain('`selector` does not match template `labels`');
  expect(await get('deployments', 'app=mismatch')).toEqual([]);
  expect((await k(['get', 'deployment/mismatch', '-n', 'shop'])).code).not.toBe(0);
  expect(demo.listObjects('replicasets', 'shop').some((rs) => (rs as Obj).metadata.name.startsWith('mismatch-'))).toBe(false);
}, 60_000);
