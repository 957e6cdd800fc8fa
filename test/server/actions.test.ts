/**
 * The backend's actions over real sockets against the demo cluster: each one changes what the
 * cluster's own API then holds, names the cluster and object in its answer, and a refusal comes
 * back with the API server's status and words. A page on another origin cannot act at all.
 */
import { call } from '../demo-cluster/client.js';
import { startBackend } from '../../server/serve.js';
import { getJson, startStack, waitFor, type Stack } from './support.js';

interface Obj {
  metadata: { name: string; namespace?: string; uid: string; labels?: Record<string, string>; deletionTimestamp?: string; ownerReferences?: { kind: string; name: string }[] };
  spec?: any;
  status?: any;
}

const json = { 'Content-Type': 'application/json' };

describe('actions', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { nodes: 4, pods: 60, seed: 3 }, config: { drainRetryMs: 200, drainTimeoutMs: 2500 } });
  });
  afterAll(() => stack.stop());

  const act = (name: string, body: object, headers: Record<string, string> = {}) => getJson(`${stack.base}/api/v1/actions/${name}`, { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify(body) });
  const objects = (resource: string, ns?: string) => stack.demo.listObjects(resource, ns) as Obj[];
  const cluster = () => stack.backend.kube.context;

  test('theActionsNameTheClusterTheyActOn', async () => {
    const answer = await getJson(`${stack.base}/api/v1/actions`);
    expect(answer.status).toBe(200);
    expect(answer.body.cluster).toBe(cluster());
    expect(answer.body.cluster).not.toBe('');
    expect(answer.body.actions).toEqual(expect.arrayContaining(['drain', 'delete-pod', 'restart', 'scale', 'suspend', 'resume', 'cordon', 'uncordon']));
  });

  test('drainCordonsEvictsAllButDaemonSetPodsAndReportsThePodABudgetHoldsBack', async () => {
    const node = 'demo-worker-2';
    const onNode = () => objects('pods').filter((p) => p.spec.nodeName === node && !p.metadata.deletionTimestamp);
    const daemonPods = onNode().filter((p) => p.metadata.ownerReferences?.[0]?.kind === 'DaemonSet');
    const others = onNode().filter((p) => p.metadata.ownerReferences?.[0]?.kind !== 'DaemonSet');
    expect(others.length).toBeGreaterThan(1);
    // A budget that allows no disruption for one pod on the node: drain must report it blocked, in the budget's words.
    const held = others.find((p) => p.metadata.labels?.app && p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet')!;
    const ns = held.metadata.namespace!;
    for (const b of objects('poddisruptionbudgets.policy', ns)) await call(stack.demo, `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/${b.metadata.name}`, { method: 'DELETE' });
    const pdb = await call(stack.demo, `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'hold', namespace: ns }, spec: { maxUnavailable: 0, selector: { matchLabels: { ...held.metadata.labels } } } }),
    });
    expect(pdb.status).toBe(201);
    const plan = await getJson(`${stack.base}/api/v1/actions/drain-plan?node=${node}`);
    expect(plan.status).toBe(200);
    expect(plan.body.cluster).toBe(cluster());
    expect(plan.body.evict.map((p: { name: string }) => p.name).sort()).toEqual(others.map((p) => p.metadata.name).sort());
    expect(plan.body.leave.map((p: { name: string }) => p.name).sort()).toEqual(daemonPods.map((p) => p.metadata.name).sort());

    // One drain per node at a time. The second is asked once the first is under way (it cordons
    // first, then evicts and asks again for the held pod for seconds), not 50 ms after it was sent:
    // on a loaded machine the first request reached the backend after the second (CI run 25).
    expect(objects('nodes').find((n) => n.metadata.name === node)?.spec.unschedulable).not.toBe(true);
    const first = act('drain', { node });
    await waitFor('the first drain to cordon the node', () => objects('nodes').find((n) => n.metadata.name === node)?.spec.unschedulable === true);
    const second = await act('drain', { node });
    const answer = await first;
    expect(second.status).toBe(409);
    expect(second.body.reason).toBe(`node ${node} is being drained already`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ action: 'drain', cluster: cluster(), object: { kind: 'Node', name: node }, complete: false });
    const outcome = (name: string) => answer.body.pods.find((p: { name: string }) => p.name === name);
    expect(outcome(held.metadata.name)).toMatchObject({ outcome: 'blocked', status: 429 });
    expect(outcome(held.metadata.name).message).toMatch(/^Cannot evict pod as it would violate the pod's disruption budget\. The disruption budget hold needs \d+ healthy pods and has \d+ currently$/);
    expect(outcome(held.metadata.name).attempts).toBeGreaterThan(1); // asked again while time was left
    for (const p of daemonPods) expect(outcome(p.metadata.name)).toMatchObject({ outcome: 'skipped' });
    // The truth, from the cluster's own store: cordoned, every other pod Terminating or gone, the held one untouched.
    expect(objects('nodes').find((n) => n.metadata.name === node)?.spec.unschedulable).toBe(true);
    // Each other pod was evicted, or is held back by its own budget while its replacement starts.
    let evicted = 0;
    for (const p of others) {
      const now = objects('pods', p.metadata.namespace).find((x) => x.metadata.uid === p.metadata.uid);
      if (outcome(p.metadata.name).outcome === 'blocked') {
        expect(outcome(p.metadata.name).message).toMatch(/^Cannot evict pod as it would violate the pod's disruption budget\. /);
        expect(now?.metadata.deletionTimestamp).toBeUndefined();
        continue;
      }
      expect(outcome(p.metadata.name)).toMatchObject({ outcome: 'evicted' });
      expect(now === undefined || now.metadata.deletionTimestamp !== undefined).toBe(true);
      evicted++;
    }
    expect(evicted).toBeGreaterThan(0);
    expect(answer.body.message).toBe(`node/${node} cordoned; ${others.length - evicted} of ${others.length} pods not evicted`);
    expect(objects('pods', ns).find((x) => x.metadata.uid === held.metadata.uid)?.metadata.deletionTimestamp).toBeUndefined();
    expect((await act('uncordon', { node })).status).toBe(200);
  }, 30_000);

  test('deletePodWithTheUidOfAnotherPodOfTheNameIsRefusedWithTheApiServers409AndDeletesNothing', async () => {
    // The dialog was opened on a pod since deleted; a pod of the same name now has another uid.
    const pod = objects('pods', 'shop').find((p) => p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet' && !p.metadata.deletionTimestamp)!;
    const gone = '11111111-1111-4111-8111-111111111111';
    const refused = await act('delete-pod', { namespace: 'shop', name: pod.metadata.name, uid: gone });
    expect(refused.status).toBe(409);
    expect(refused.body.reason).toContain(`Precondition failed: UID in precondition: ${gone}, UID in object meta: ${pod.metadata.uid}`);
    expect(objects('pods', 'shop').find((p) => p.metadata.uid === pod.metadata.uid)?.metadata.deletionTimestamp).toBeUndefined();
    // Its own uid: deleted.
    expect((await act('delete-pod', { namespace: 'shop', name: pod.metadata.name, uid: pod.metadata.uid })).status).toBe(200);
    expect(objects('pods', 'shop').find((p) => p.metadata.uid === pod.metadata.uid)?.metadata.deletionTimestamp).toBeDefined();
  });

  test('cordonDrainRestartScaleAndSuspendWithAnotherObjectsUidAreRefusedWithTheApiServers409AndChangeNothing', async () => {
    const gone = '22222222-2222-4222-8222-222222222222';
    const refusedFor = async (name: string, body: object, actual: string) => {
      const answer = await act(name, { ...body, uid: gone });
      expect(answer.status).toBe(409);
      expect(answer.body.reason).toContain(`Precondition failed: UID in precondition: ${gone}, UID in object meta: ${actual}`);
    };
    const node = objects('nodes').find((n) => n.metadata.name === 'demo-worker-3')!;
    await refusedFor('cordon', { node: node.metadata.name }, node.metadata.uid);
    await refusedFor('drain', { node: node.metadata.name }, node.metadata.uid);
    expect(objects('nodes').find((n) => n.metadata.uid === node.metadata.uid)?.spec.unschedulable).toBeFalsy();
    const deployment = objects('deployments', 'shop')[1]!;
    const version = (name: string) => objects('deployments', 'shop').find((d) => d.metadata.name === name)!.metadata as { resourceVersion?: string };
    const before = version(deployment.metadata.name).resourceVersion;
    await refusedFor('restart', { kind: 'Deployment', namespace: 'shop', name: deployment.metadata.name }, deployment.metadata.uid);
    await refusedFor('scale', { kind: 'Deployment', namespace: 'shop', name: deployment.metadata.name, replicas: 7 }, deployment.metadata.uid);
    expect(version(deployment.metadata.name).resourceVersion).toBe(before);
    const cronJob = objects('cronjobs.batch')[0]!;
    await refusedFor('suspend', { namespace: cronJob.metadata.namespace, name: cronJob.metadata.name }, cronJob.metadata.uid);
    expect(objects('cronjobs.batch').find((c) => c.metadata.uid === cronJob.metadata.uid)?.spec.suspend).toBeFalsy();
    // With their own uids, they act.
    expect((await act('cordon', { node: node.metadata.name, uid: node.metadata.uid })).status).toBe(200);
    expect(objects('nodes').find((n) => n.metadata.uid === node.metadata.uid)?.spec.unschedulable).toBe(true);
    expect((await act('uncordon', { node: node.metadata.name, uid: node.metadata.uid })).status).toBe(200);
    expect((await act('scale', { kind: 'Deployment', namespace: 'shop', name: deployment.metadata.name, replicas: 3, uid: deployment.metadata.uid })).status).toBe(200);
  });

  test('deletePodRestartScaleAndSuspendChangeWhatTheClusterHolds', async () => {
    const pod = objects('pods', 'shop').find((p) => p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet' && !p.metadata.deletionTimestamp)!;
    const deleted = await act('delete-pod', { namespace: 'shop', name: pod.metadata.name });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ cluster: cluster(), object: { kind: 'Pod', namespace: 'shop', name: pod.metadata.name }, message: `pod "${pod.metadata.name}" deleted` });
    expect(objects('pods', 'shop').find((p) => p.metadata.uid === pod.metadata.uid)?.metadata.deletionTimestamp).toBeDefined();

    const deployment = objects('deployments', 'shop')[0]!;
    const replicaSets = () => objects('replicasets', 'shop').filter((r) => r.metadata.ownerReferences?.[0]?.name === deployment.metadata.name).length;
    const before = replicaSets();
    const restarted = await act('restart', { kind: 'Deployment', namespace: 'shop', name: deployment.metadata.name });
    expect(restarted.status).toBe(200);
    expect(restarted.body.message).toBe(`deployment.apps/${deployment.metadata.name} restarted`);
    expect(replicaSets()).toBe(before + 1);
    expect(objects('deployments', 'shop').find((d) => d.metadata.name === deployment.metadata.name)?.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toBeDefined();

    const sts = objects('statefulsets', 'data')[0]!;
    const scaled = await act('scale', { kind: 'StatefulSet', namespace: 'data', name: sts.metadata.name, replicas: 4 });
    expect(scaled.status).toBe(200);
    expect(scaled.body).toMatchObject({ object: { kind: 'StatefulSet', namespace: 'data', name: sts.metadata.name }, replicas: 4 });
    expect(objects('statefulsets', 'data').find((s) => s.metadata.name === sts.metadata.name)?.spec.replicas).toBe(4);

    const cronJob = objects('cronjobs')[0]!;
    const cj = { namespace: cronJob.metadata.namespace!, name: cronJob.metadata.name };
    const suspended = await act('suspend', cj);
    expect(suspended.status).toBe(200);
    expect(suspended.body).toMatchObject({ suspend: true, message: `cronjob.batch/${cj.name} suspended` });
    expect(objects('cronjobs', cj.namespace).find((c) => c.metadata.name === cj.name)?.spec.suspend).toBe(true);
    expect((await act('resume', cj)).body.suspend).toBe(false);
    expect(objects('cronjobs', cj.namespace).find((c) => c.metadata.name === cj.name)?.spec.suspend).toBe(false);
  });

  test('aRefusedActionAnswersWithTheApiServersStatusAndWords', async () => {
    const pod = objects('pods', 'shop').find((p) => !p.metadata.deletionTimestamp)!;
    stack.demo.faults.set({ fault: 'forbid', resource: 'pods' });
    try {
      // What the API server itself says to the same request.
      const direct = await call(stack.demo, `/api/v1/namespaces/shop/pods/${pod.metadata.name}`, { method: 'DELETE' });
      expect(direct.status).toBe(403);
      const refused = await act('delete-pod', { namespace: 'shop', name: pod.metadata.name });
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ error: 'forbidden', reason: direct.json().message, apiReason: 'Forbidden', cluster: cluster(), object: { kind: 'Pod', namespace: 'shop', name: pod.metadata.name } });
    } finally {
      stack.demo.faults.clear();
    }
    expect(objects('pods', 'shop').find((p) => p.metadata.uid === pod.metadata.uid)?.metadata.deletionTimestamp).toBeUndefined();
    const missing = await act('restart', { kind: 'Deployment', namespace: 'shop', name: 'no-such-deployment' });
    expect(missing.status).toBe(404);
    expect(missing.body.reason).toBe('deployments.apps "no-such-deployment" not found');
    const tooMany = await act('scale', { kind: 'Deployment', namespace: 'shop', name: 'x', replicas: 100_000 });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.reason).toBe('"replicas" must be a whole number from 0 to 1000, got 100000');
    expect((await act('restart', { kind: 'Job', namespace: 'shop', name: 'x' })).status).toBe(400);
    expect((await act('explode', {})).status).toBe(404);
  });

  test('theReadOnlyUsersActionsAreRefusedInRbacsWordsNamingItsContext', async () => {
    // A second backend on the same cluster, acting as the demo's read-only user (its kubeconfig context).
    const viewer = stack.demo.users.contexts.readOnly;
    const readOnly = await startBackend({ kubeconfigYaml: stack.demo.kubeconfigYaml, context: viewer, port: 0 });
    try {
      const base = readOnly.url.replace(/\/$/, '');
      const deployment = objects('deployments', 'shop')[0]!;
      const body = { kind: 'Deployment', namespace: 'shop', name: deployment.metadata.name, replicas: deployment.spec.replicas + 1 };
      const refused = await getJson(`${base}/api/v1/actions/scale`, { method: 'POST', headers: json, body: JSON.stringify(body) });
      // What the API server says to that user for the same request.
      const direct = await call(stack.demo, `/apis/apps/v1/namespaces/shop/deployments/${deployment.metadata.name}/scale`, {
        method: 'PATCH',
        token: stack.demo.users.credentials.readOnly,
        headers: { 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify({ spec: { replicas: body.replicas } }),
      });
      expect(direct.status).toBe(403);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ error: 'forbidden', reason: direct.json().message, cluster: viewer });
      expect(refused.body.reason).toMatch(/cannot patch resource "deployments\/scale"|cannot patch resource "deployments"/);
      const drain = await getJson(`${base}/api/v1/actions/drain`, { method: 'POST', headers: json, body: JSON.stringify({ node: 'demo-worker-1' }) });
      expect(drain.status).toBe(403);
      expect(drain.body.reason).toMatch(/nodes "demo-worker-1" is forbidden/);
      expect(objects('deployments', 'shop').find((d) => d.metadata.name === deployment.metadata.name)?.spec.replicas).toBe(deployment.spec.replicas);
      expect(objects('nodes').find((n) => n.metadata.name === 'demo-worker-1')?.spec.unschedulable).not.toBe(true);
    } finally {
      await readOnly.stop();
    }
  });

  test('anotherOriginCannotAct', async () => {
    const deployment = objects('deployments', 'shop')[1]!;
    const before = deployment.spec.replicas;
    const foreign = await act('scale', { kind: 'Deployment', namespace: 'shop', name: deployment.metadata.name, replicas: before + 3 }, { Origin: 'http://evil.example', 'Sec-Fetch-Site': 'cross-site' });
    expect(foreign.status).toBe(403);
    const form = await getJson(`${stack.base}/api/v1/actions/scale`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ kind: 'Deployment', namespace: 'shop', name: deployment.metadata.name, replicas: 0 }) });
    expect(form.status).toBe(415);
    expect(objects('deployments', 'shop').find((d) => d.metadata.name === deployment.metadata.name)?.spec.replicas).toBe(before);
    const tooLarge = await getJson(`${stack.base}/api/v1/actions/scale`, { method: 'POST', headers: json, body: JSON.stringify({ pad: 'x'.repeat(20_000) }) });
    expect(tooLarge.status).toBe(413);
  });
});
