/**
 * The Workloads view's list as it is wired (WorkloadsView.tsx): a real RowStore, the usage
 * tracker following it, and workloadList keeping the last list's rows. A pod written moves one or
 * two workloads' totals, and only those workloads get a new list row object: the table renders a
 * row again only when its object changes, so the others stay as they are (bench row 9w).
 */
import { RowStore } from '../../adapters/engine/store.js';
import { WorkloadUsageTracker } from '../../adapters/engine/workloadMetrics.js';
import type { PodRow, WorkloadRow } from '../../adapters/rows.js';
import { workloadList, type WorkloadListRow } from '../../ui/lib/workloads.js';

function deployment(i: number): WorkloadRow {
  return { uid: `dep-${i}`, resourceVersion: '1', name: `web-${i}`, kind: 'Deployment', namespace: 'shop', desired: 2, ready: 2, available: 2, owner: null, createdAt: null };
}

function replicaSet(i: number): WorkloadRow {
  return { uid: `rs-${i}`, resourceVersion: '1', name: `web-${i}-abc`, kind: 'ReplicaSet', namespace: 'shop', desired: 2, ready: 2, available: 2, owner: { kind: 'Deployment', name: `web-${i}`, uid: `dep-${i}` }, createdAt: null };
}

function podOf(uid: string, name: string, rs: number): PodRow {
  return { uid, resourceVersion: '1', name, namespace: 'shop', phase: 'Running', ready: '1/1', restarts: 0, nodeName: 'n', owner: { kind: 'ReplicaSet', name: `web-${rs}-abc`, uid: `rs-${rs}` }, createdAt: null, deleting: false, containers: ['c'] };
}

const sampleOf = (name: string, cpu: number, at: string) => ({ name, namespace: 'shop', timestamp: at, window: '15s', usage: { cpuMillicores: cpu, memoryBytes: cpu * 1024 } });

test('aPodWrittenGivesNewListRowsOnlyToTheWorkloadsWhoseUsageItMoved', () => {
  const store = new RowStore(() => 0);
  const workloads = Array.from({ length: 50 }, (_, i) => [deployment(i), replicaSet(i)]).flat();
  const pods = Array.from({ length: 200 }, (_, i) => podOf(`p${i}`, `web-${i % 50}-${i}`, i % 50));
  store.applyReset('workloads:', { items: workloads, generation: 1, seq: 1, resourceVersion: '1' });
  store.applyReset('pods:', { items: pods, generation: 1, seq: 1, resourceVersion: '1' });
  store.applyMetrics('pod', pods.map((p, i) => sampleOf(p.name, 10 + i, '2026-12-01T10:00:00Z')));
  const tracker = new WorkloadUsageTracker(store, 'pods:', 'workloads:');
  tracker.attach();
  const kept = new Map<string, WorkloadListRow>();
  const list = () => workloadList(store.rows<WorkloadRow>('workloads:'), tracker.read(), 'all', kept);
  const first = list();
  expect(first).toHaveLength(50);

  // Churn: one pod of web-7 deleted.
  store.applyUpdate('pods:', { changes: [{ op: 'delete', uid: 'p7' }], generation: 2, seq: 2, resourceVersion: '2' });
  const second = list();
  const renewed = second.filter((row, i) => row !== first[i]).map((row) => row.workload.name);
  expect(renewed).toEqual(['web-7']);
  expect(second.find((r) => r.workload.name === 'web-7')!.usage).toEqual({ cpuMillicores: 67 + 117 + 167, memoryBytes: (67 + 117 + 167) * 1024, pods: 3 });

  // A new pod's first sample arrives in an answer that repeats every other sample: one workload again.
  store.applyUpdate('pods:', { changes: [{ op: 'upsert', row: podOf('new', 'web-3-new', 3) }], generation: 3, seq: 3, resourceVersion: '3' });
  expect(list().filter((row, i) => row !== second[i])).toHaveLength(0); // no sample yet: no total moved
  const third = list();
  store.applyMetrics('pod', [...pods.slice(0, 7), ...pods.slice(8)].map((p) => sampleOf(p.name, 10 + Number(p.uid.slice(1)), '2026-12-01T10:00:00Z')).concat(sampleOf('web-3-new', 5, '2026-12-01T10:00:05Z')));
  const fourth = list();
  expect(fourth.filter((row, i) => row !== third[i]).map((row) => row.workload.name)).toEqual(['web-3']);

  // A workload row written (its ready count) is a new row too, and only it.
  store.applyUpdate('workloads:', { changes: [{ op: 'upsert', row: { ...deployment(9), ready: 1, resourceVersion: '2' } }], generation: 2, seq: 2, resourceVersion: '2' });
  expect(list().filter((row, i) => row !== fourth[i]).map((row) => row.workload.name)).toEqual(['web-9']);
});
