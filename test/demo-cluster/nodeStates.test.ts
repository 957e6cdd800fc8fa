/**
 * Node STATUS read two ways that share no code: the dashboard's word (ui/lib/nodes.ts over
 * kubelive's row) and kubectl get nodes, on the demo cluster with its scenario (a node under
 * memory pressure, a lost node whose Ready condition is Unknown) and a node cordoned by kubectl.
 */
import { nodeRow, type KubeObject } from '../../adapters/kube/rows.js';
import { startDemoCluster, type DemoCluster } from '../../demo-cluster/index.js';
import { statusText, troubleConditions } from '../../ui/lib/nodes.js';
import { call, kubectl, kubectlPath, versionedKubectls } from './client.js';

const describeWithKubectl = kubectlPath ? describe : describe.skip;

describeWithKubectl('node STATUS: the dashboard against kubectl', () => {
  let cluster: DemoCluster;

  beforeAll(async () => {
    cluster = await startDemoCluster({ seed: 19, pods: 40, scenarios: true });
    expect((await kubectl(cluster.kubeconfigPath, ['cordon', 'demo-worker-1'])).code).toBe(0);
  });
  afterAll(() => cluster.stop());

  test.each([kubectlPath as string, ...versionedKubectls()])('everyNodesStatusIsWhat %s prints', async (binary) => {
    const r = await kubectl(cluster.kubeconfigPath, ['get', 'nodes'], 60_000, binary);
    const [header = '', ...lines] = r.stdout.trimEnd().split('\n');
    const printed = new Map(lines.map((l) => [l.split(/\s+/)[0] as string, l.slice(header.indexOf('STATUS'), header.indexOf('ROLES')).trim()]));
    const rows = (await call(cluster, '/api/v1/nodes')).json<{ items: KubeObject[] }>().items.map(nodeRow);
    expect(rows.map((n) => ({ node: n.name, status: statusText(n) }))).toEqual(rows.map((n) => ({ node: n.name, status: printed.get(n.name) })));
    expect(new Set(rows.map(statusText))).toEqual(new Set(['Ready', 'NotReady', 'Ready,SchedulingDisabled']));
    expect(rows.flatMap(troubleConditions)).toEqual(['MemoryPressure']);
  });
});
