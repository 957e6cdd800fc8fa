/**
 * kubectl, a real client we did not write, against the demo cluster through its kubeconfig:
 * real TLS against the generated CA, bearer token auth, discovery, server-side Tables, watch,
 * strategic merge patches, metrics.k8s.io and log following.
 */
import { startDemoCluster } from '../../demo-cluster/index.js';
import type { DemoCluster } from '../../demo-cluster/index.js';
import { call, kubectl, kubectlPath, kubectlStream, requireKubectlInCi, versionedKubectls, waitUntil } from './client.js';

const describeWithKubectl = kubectlPath ? describe : describe.skip;

test('kubectl is available (required in CI)', () => {
  requireKubectlInCi();
  expect(kubectlPath === undefined ? process.env.CI !== 'true' : true).toBe(true);
});

describeWithKubectl('kubectl against the demo cluster', () => {
  let cluster: DemoCluster;
  let kc: string;

  beforeAll(async () => {
    cluster = await startDemoCluster({ seed: 7 });
    kc = cluster.kubeconfigPath;
  });
  afterAll(() => cluster.stop());

  test('getNodesPrintsEveryNodeWithStatusRolesAndVersion', async () => {
    const r = await kubectl(kc, ['get', 'nodes']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/);
    const nodes = cluster.listObjects('nodes') as { metadata: { name: string } }[];
    expect(lines.length - 1).toBe(nodes.length);
    expect(r.stdout).toMatch(/demo-control-plane\s+Ready\s+control-plane\s+\S+\s+v1\.31\.4/);
  });

  test('getPodsAllNamespacesPrintsTheServerSideTableColumns', async () => {
    const r = await kubectl(kc, ['get', 'pods', '-A']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    const pods = cluster.listObjects('pods') as { metadata: { name: string; namespace: string } }[];
    expect(lines.length - 1).toBe(pods.length);
    const first = pods[0];
    expect(r.stdout).toMatch(new RegExp(`${first?.metadata.namespace}\\s+${first?.metadata.name}\\s+\\d/\\d\\s+\\w+\\s+\\d+`));
    const wide = await kubectl(kc, ['get', 'pods', '-A', '-o', 'wide']);
    expect(wide.stdout.split('\n')[0]).toMatch(/IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES/);
  });

  test('getPodsWatchSeesAPodReplacedAfterADelete', async () => {
    const pods = cluster.listObjects('pods', 'shop') as { metadata: { name: string; ownerReferences?: { kind: string }[] } }[];
    const victim = pods.find((p) => p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet');
    expect(victim).toBeDefined();
    const w = kubectlStream(kc, ['get', 'pods', '-n', 'shop', '-w']);
    try {
      await waitUntil(() => w.output().includes(victim!.metadata.name), 'the watch printed the initial list');
      const before = new Set(pods.map((p) => p.metadata.name));
      const deleted = await call(cluster, `/api/v1/namespaces/shop/pods/${victim!.metadata.name}`, { method: 'DELETE' });
      expect(deleted.status).toBe(200);
      // The replacement pod appears in the watch output, first Pending, later Running.
      const newName = await waitUntil(() => {
        const names = w.output().split('\n').map((l) => l.split(/\s+/)[0] ?? '');
        return names.find((n) => n.startsWith(victim!.metadata.name.slice(0, -6)) && !before.has(n));
      }, 'the watch showed the replacement pod');
      await waitUntil(() => new RegExp(`${newName}\\s+1/1\\s+Running`).test(w.output()), 'the replacement pod showed Running');
    } finally {
      await w.stop();
    }
  });

  test('cordonThenUncordonSetsAndClearsSpecUnschedulable', async () => {
    const node = 'demo-worker-1';
    const readSpec = async (): Promise<{ unschedulable?: boolean }> => (await call(cluster, `/api/v1/nodes/${node}`)).json().spec;
    expect((await readSpec()).unschedulable).toBeUndefined();
    const cordon = await kubectl(kc, ['cordon', node]);
    expect(cordon.stdout).toContain('cordoned');
    expect((await readSpec()).unschedulable).toBe(true);
    expect((await kubectl(kc, ['get', 'node', node])).stdout).toMatch(/Ready,SchedulingDisabled/);
    const uncordon = await kubectl(kc, ['uncordon', node]);
    expect(uncordon.stdout).toContain('uncordoned');
    expect((await readSpec()).unschedulable).toBeUndefined();
  });

  test('topNodesPrintsUsageForEveryNode', async () => {
    const r = await kubectl(kc, ['top', 'nodes']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+CPU\(cores\)\s+CPU(%)?\s+MEMORY\(bytes\)/);
    expect(lines.length - 1).toBe(cluster.listObjects('nodes').length);
    expect(r.stdout).toMatch(/demo-worker-1\s+\d+m\s+\d+%\s+\d+Mi/);
  });

  test('topPodsPrintsUsageForRunningPods', async () => {
    const r = await kubectl(kc, ['top', 'pods', '-n', 'data']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/postgres-0\s+\d+m\s+\d+Mi/);
  });

  test('logsFollowPrintsTheTailThenNewLines', async () => {
    const r = await kubectl(kc, ['logs', '-n', 'data', 'postgres-0', '--tail', '5']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(5);
    const f = kubectlStream(kc, ['logs', '-f', '-n', 'data', 'postgres-0', '--tail', '2', '--timestamps']);
    try {
      // Two tail lines, then at least two more written while following (a line every 1-3 s).
      await waitUntil(() => f.output().trim().split('\n').length >= 4, 'logs -f printed new lines', 30_000);
      expect(f.output().split('\n')[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z level=/);
      expect(f.child.exitCode).toBeNull();
    } finally {
      await f.stop();
    }
  });

  test('scaleDeploymentChangesItsPods', async () => {
    const r = await kubectl(kc, ['scale', 'deployment', '-n', 'shop', 'frontend', '--replicas', '9']);
    expect(r.stdout).toContain('scaled');
    const count = (): number =>
      (cluster.listObjects('pods', 'shop') as { metadata: { name: string } }[]).filter((p) => p.metadata.name.startsWith('frontend-')).length;
    await waitUntil(() => count() === 9, 'the deployment has 9 pods');
    await kubectl(kc, ['scale', 'deployment', '-n', 'shop', 'frontend', '--replicas', '2']);
    await waitUntil(() => count() === 2, 'the deployment has 2 pods');
  });

  test('rolloutRestartMovesEveryPodToANewReplicaSetAndRolloutStatusSeesItFinish', async () => {
    expect((await kubectl(kc, ['scale', 'deployment', '-n', 'payments', 'cart', '--replicas', '2'])).code).toBe(0);
    await waitUntil(async () => (await kubectl(kc, ['rollout', 'status', 'deployment', '-n', 'payments', 'cart', '--timeout', '1s'])).code === 0, 'the scale settled', 30_000);
    const restart = await kubectl(kc, ['rollout', 'restart', 'deployment', '-n', 'payments', 'cart']);
    expect(restart.stdout).toContain('restarted');
    const status = await kubectl(kc, ['rollout', 'status', 'deployment', '-n', 'payments', 'cart', '--timeout', '60s'], 90_000);
    expect(status.stdout).toContain('successfully rolled out');
    const replicaSets = (cluster.listObjects('replicasets', 'payments') as { metadata: { name: string; annotations: Record<string, string> }; spec: { replicas: number } }[])
      .filter((rs) => rs.metadata.name.startsWith('cart-'))
      .sort((a, b) => Number(b.metadata.annotations['deployment.kubernetes.io/revision']) - Number(a.metadata.annotations['deployment.kubernetes.io/revision']));
    expect(replicaSets.map((rs) => rs.spec.replicas)).toEqual([2, 0]);
  }, 120_000);

  test('theOldestAndNewestInstalledKubectlVersionsBothReadTheCluster', async () => {
    const versions = versionedKubectls();
    const ends = [...new Set([versions[0], versions[versions.length - 1]])].filter((v): v is string => !!v);
    for (const binary of ends) {
      const r = await kubectl(kc, ['get', 'pods', '-n', 'data'], 60_000, binary);
      expect({ binary, code: r.code, stderr: r.stderr }).toEqual({ binary, code: 0, stderr: '' });
      expect(r.stdout).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
      expect(r.stdout).toContain('postgres-0');
    }
    if (ends.length === 0) console.warn('no versioned kubectl binaries found beside kubectl; only the default one was tested');
    expect(ends.length === 0 || ends.every((e) => e.includes('kubectl.1.'))).toBe(true);
  });
});
