import { cpuMillicores, memoryBytes } from '../../../adapters/kube/quantity.js';
import { eventRow, nodeRow, podRow, workloadRow } from '../../../adapters/kube/rows.js';

describe('row projections', () => {
  test('a node row keeps roles, readiness, taints, unschedulable and parsed capacity', () => {
    const row = nodeRow({
      metadata: { name: 'n1', uid: 'u1', resourceVersion: '7', labels: { 'node-role.kubernetes.io/control-plane': '' } },
      spec: { unschedulable: true, taints: [{ key: 'k', effect: 'NoSchedule' }] },
      status: {
        conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady' }],
        capacity: { cpu: '4', memory: '16Gi' },
        allocatable: { cpu: '3800m', memory: '15Gi' },
        nodeInfo: { kubeletVersion: 'v1.31.0' },
      },
    });
    expect(row).toMatchObject({ name: 'n1', uid: 'u1', resourceVersion: '7', roles: ['control-plane'], ready: 'False', unschedulable: true, kubeletVersion: 'v1.31.0' });
    expect(row.taints).toEqual([{ key: 'k', effect: 'NoSchedule' }]);
    expect(row.capacity).toEqual({ cpuMillicores: 4000, memoryBytes: 16 * 2 ** 30 });
    expect(row.allocatable.cpuMillicores).toBe(3800);
  });

  test('a pod row counts ready containers and restarts and names its controller', () => {
    const row = podRow({
      metadata: { name: 'p', namespace: 'ns', uid: 'u', resourceVersion: '1', ownerReferences: [{ kind: 'ReplicaSet', name: 'web-5d', uid: 'rs', controller: true }] },
      spec: { nodeName: 'n1', containers: [{ name: 'a' }, { name: 'b' }] },
      status: { phase: 'Running', containerStatuses: [{ ready: true, restartCount: 2, state: { running: {} } }, { ready: false, restartCount: 1 }] },
    });
    expect(row).toMatchObject({ ready: '1/2', restarts: 3, nodeName: 'n1', phase: 'Running', owner: { kind: 'ReplicaSet', name: 'web-5d', uid: 'rs' }, containers: ['a', 'b'] });
  });

  test('a ReplicaSet row names its Deployment; a Deployment has no owner', () => {
    const rs = workloadRow('ReplicaSet')({
      metadata: { name: 'web-5d', namespace: 'ns', uid: 'rs', resourceVersion: '1', ownerReferences: [{ kind: 'Deployment', name: 'web', uid: 'd', controller: true }] },
      spec: { replicas: 3 },
      status: { readyReplicas: 2, availableReplicas: 2 },
    });
    expect(rs).toMatchObject({ kind: 'ReplicaSet', desired: 3, ready: 2, available: 2, owner: { kind: 'Deployment', name: 'web' } });
    expect(workloadRow('Deployment')({ metadata: { name: 'web', uid: 'd', resourceVersion: '1' } }).owner).toBeNull();
  });

  test('garbage in gives neutral values, never an exception', () => {
    expect(() => podRow({ spec: 5, status: 'x' } as never)).not.toThrow();
    expect(() => nodeRow({} as never)).not.toThrow();
    expect(eventRow({ metadata: { uid: 'e' } } as never)).toMatchObject({ type: 'Normal', count: 1 });
  });

  test.each([
    ['250m', 250],
    ['1', 1000],
    ['1.5', 1500],
    // To the nanocore: kubectl top rounds the exact value up (124m), so rounding here first would disagree.
    ['123456789n', 123.456789],
    ['3800m', 3800],
    ['2k', 2_000_000],
  ])('cpu %s is %p millicores', (text, expected) => expect(cpuMillicores(text)).toBe(expected));

  test.each([
    ['128Mi', 128 * 2 ** 20],
    ['1G', 1e9],
    ['1e3', 1000],
    ['512', 512],
    ['nonsense', null],
  ])('memory %s is %p bytes', (text, expected) => expect(memoryBytes(text)).toBe(expected));
});

describe('a pod being deleted, from a real API server', () => {
  test('itsRowIsDeletingAndShowsTerminatingWhateverItsPhase', async () => {
    const { startDemoCluster } = await import('../../../demo-cluster/index.js');
    const { call } = await import('../../demo-cluster/client.js');
    const { phaseText } = await import('../../../ui/lib/pods.js');
    const cluster = await startDemoCluster({ seed: 5 });
    try {
      const pods = (await call(cluster, '/api/v1/namespaces/shop/pods')).json().items as { metadata: { name: string }; status: { phase: string } }[];
      const victim = pods.find((p) => p.status.phase === 'Running')!;
      const live = podRow((await call(cluster, `/api/v1/namespaces/shop/pods/${victim.metadata.name}`)).json());
      expect(live.deleting).toBe(false);
      expect(phaseText(live)).toBe('Running');
      const deleted = await call(cluster, `/api/v1/namespaces/shop/pods/${victim.metadata.name}`, { method: 'DELETE' });
      const terminating = podRow(deleted.json());
      expect(terminating.deleting).toBe(true);
      expect(terminating.phase).toBe('Running');
      expect(phaseText(terminating)).toBe('Terminating');
    } finally {
      await cluster.stop();
    }
  });
});
