/**
 * kubectl 1.32 and later read pods through typed clients that ask for protobuf first
 * (`Accept: application/vnd.kubernetes.protobuf,application/json`): `describe pod` GETs each pod
 * that way, `drain` lists a node's pods that way (kubectl 1.31 and older ask for JSON). So a real
 * Go decoder reads the demo's protobuf here, and what it prints is compared with what an older
 * kubectl prints from the JSON of the same pods.
 */
import { startDemoCluster } from '../../demo-cluster/index.js';
import type { DemoCluster } from '../../demo-cluster/index.js';
import { kubectl, versionedKubectls } from './client.js';

const minor = (path: string): number => Number(path.split('.').at(-1));
const versions = versionedKubectls();
const protobufReader = versions.filter((k) => minor(k) >= 32).at(-1);
const jsonReader = versions.filter((k) => minor(k) <= 31).at(-1);
const describeWithBoth = protobufReader && jsonReader ? describe : describe.skip;

describeWithBoth('kubectl reading pods in protobuf', () => {
  let cluster: DemoCluster;

  beforeAll(async () => {
    cluster = await startDemoCluster({ seed: 21, scenarios: true, churn: 0 });
  });
  afterAll(() => cluster.stop());

  const protobufReads = (): number => Object.values(cluster.protobufRequestCounts()).reduce((a, b) => a + b, 0);

  test('describePodsPrintsTheSameFromProtobufAsFromJson', async () => {
    const args = ['describe', 'pods', '-A', '--show-events=false'];
    const before = protobufReads();
    const fromProtobuf = await kubectl(cluster.kubeconfigPath, args, 120_000, protobufReader);
    const pods = cluster.listObjects('pods').length;
    // One protobuf GET per pod: the newer kubectl did read them all in protobuf.
    expect(protobufReads() - before).toBe(pods);
    const fromJson = await kubectl(cluster.kubeconfigPath, args, 120_000, jsonReader);
    expect(protobufReads() - before).toBe(pods);
    expect(fromProtobuf.stderr).toBe('');
    expect(fromProtobuf.code).toBe(0);
    // Terminating pods, init containers, waiting and terminated states, gates: all printed from protobuf.
    expect(fromProtobuf.stdout).toMatch(/Status:\s+Terminating \(lasts/);
    expect(fromProtobuf.stdout).toMatch(/Init Containers:/);
    expect(fromProtobuf.stdout).toMatch(/Last State:\s+Terminated/);
    expect(fromProtobuf.stdout).toMatch(/State:\s+Waiting\n\s+Reason:\s+\w+/);
    // Only the age a Terminating pod has been so (printed from the clock) may differ between the runs.
    const steady = (text: string): string[] => text.replace(/\(lasts [^)]+\)/g, '(lasts ...)').split('\n');
    expect(steady(fromProtobuf.stdout)).toEqual(steady(fromJson.stdout));
  }, 240_000);

  test('drainListsTheNodesPodsInProtobufAndNamesItsDaemonSetPods', async () => {
    const node = (cluster.listObjects('pods') as any[]).find((p) => p.metadata.ownerReferences?.[0]?.kind === 'DaemonSet')!.spec.nodeName;
    const before = protobufReads();
    const r = await kubectl(cluster.kubeconfigPath, ['drain', node, '--dry-run=client', '--ignore-daemonsets', '--force', '--delete-emptydir-data'], 60_000, protobufReader);
    expect(protobufReads()).toBeGreaterThan(before);
    expect(r.code).toBe(0);
    const daemonPods = (cluster.listObjects('pods') as any[])
      .filter((p) => p.spec.nodeName === node && p.metadata.ownerReferences?.[0]?.kind === 'DaemonSet')
      .map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    expect(daemonPods.length).toBeGreaterThan(0);
    // The names come from the protobuf list: namespace, name and owner reference kind decoded.
    expect(r.stderr).toContain(`ignoring DaemonSet-managed Pods: ${daemonPods.join(', ')}`);
  }, 90_000);
});
