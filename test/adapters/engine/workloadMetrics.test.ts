/**
 * WorkloadUsageTracker re-credits only what moved, so it must never drift from the plain sum:
 * after any history of pod, workload and metrics changes on a real RowStore, its totals are
 * workloadUsage's, and it hands React the same map until a total really changed.
 */
import fc from 'fast-check';
import { RowStore } from '../../../adapters/engine/store.js';
import { workloadUsage, WorkloadUsageTracker } from '../../../adapters/engine/workloadMetrics.js';
import type { PodRow, WorkloadRow } from '../../../adapters/protocol.js';

const owners = ['rs-a', 'rs-b', 'sts', 'job'] as const;
const parents = ['dep-1', 'dep-2', 'cron', undefined] as const;

function podOf(uid: string, name: string, owner: string | null, restarts = 0): PodRow {
  return {
    uid, resourceVersion: String(restarts), name, namespace: 'shop', phase: 'Running', ready: '1/1', restarts, nodeName: 'n',
    owner: owner ? { kind: 'ReplicaSet', name: owner, uid: owner } : null, createdAt: null, deleting: false, containers: ['c'],
  };
}

function workloadOf(uid: string, parent: string | undefined, version: number): WorkloadRow {
  return {
    uid, resourceVersion: String(version), name: uid, kind: 'ReplicaSet', namespace: 'shop', desired: 1, ready: 1, available: 1,
    owner: parent ? { kind: 'Deployment', name: parent, uid: parent } : null, createdAt: null,
  };
}

type Step =
  | { kind: 'addPod'; owner: number | null }
  | { kind: 'touchPod'; pick: number }
  | { kind: 'deletePod'; pick: number }
  | { kind: 'reparent'; owner: number; parent: number }
  | { kind: 'metrics'; picks: number[]; cpu: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('addPod' as const), owner: fc.option(fc.nat(owners.length - 1)) }),
  fc.record({ kind: fc.constant('touchPod' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('deletePod' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('reparent' as const), owner: fc.nat(owners.length - 1), parent: fc.nat(parents.length - 1) }),
  fc.record({ kind: fc.constant('metrics' as const), picks: fc.array(fc.nat(), { maxLength: 6 }), cpu: fc.integer({ min: 0, max: 2000 }) }),
);

type Totals = ReadonlyMap<string, { cpuMillicores: number; memoryBytes: number; pods: number }>;

/** The same workloads, pods and bytes, and CPU within a billionth of a core (the tracker sums whole nanocores). */
function expectSameTotals(tracked: Totals, plain: Totals): void {
  const counted = (usage: Totals) => Object.fromEntries([...usage].map(([uid, u]) => [uid, { memory: Math.round(u.memoryBytes), pods: u.pods }]));
  expect(counted(tracked)).toEqual(counted(plain));
  for (const [uid, u] of tracked) {
    expect(Math.abs(u.cpuMillicores - plain.get(uid)!.cpuMillicores)).toBeLessThan(1e-3);
    // Never below zero, not even the -0 a float sum of re-credits left (found by fast-check).
    expect(u.cpuMillicores > 0 || Object.is(u.cpuMillicores, 0)).toBe(true);
  }
}

// Attached, it follows the store's writes and re-credits only those; detached, it sums afresh.
test.each([['following the store', true], ['detached', false]])('theTrackedTotalsAreAlwaysThePlainSumOverEveryPod (%s)', (_mode, attached) => {
  fc.assert(
    fc.property(fc.array(fc.array(step, { maxLength: 8 }), { minLength: 1, maxLength: 20 }), (batches) => {
      const store = new RowStore(() => 0);
      const tracker = new WorkloadUsageTracker(store, 'pods:', 'workloads:');
      const detach = attached ? tracker.attach() : () => undefined;
      let nextPod = 0;
      let seq = 0;
      let tick = 0;
      const workloads = new Map(owners.map((o) => [o, workloadOf(o, undefined, 0)]));
      store.applyReset('workloads:', { items: [...workloads.values()], generation: 1, seq: ++seq, resourceVersion: '1' });
      store.applyReset('pods:', { items: [], generation: 1, seq: ++seq, resourceVersion: '1' });
      for (const batch of batches) {
        for (const s of batch) {
          const pods = store.rows<PodRow>('pods:');
          const picked = 'pick' in s && pods.length > 0 ? pods[s.pick % pods.length]! : null;
          const update = (changes: Parameters<RowStore['applyUpdate']>[1]['changes'], key = 'pods:') =>
            store.applyUpdate(key, { changes, generation: 1 + seq, seq: ++seq, resourceVersion: String(seq) });
          if (s.kind === 'addPod') {
            const n = nextPod++;
            update([{ op: 'upsert', row: podOf(`p${n}`, `pod-${n}`, s.owner === null ? null : owners[s.owner]!) }]);
          } else if (s.kind === 'touchPod' && picked) {
            update([{ op: 'upsert', row: podOf(picked.uid, picked.name, picked.owner?.uid ?? null, picked.restarts + 1) }]);
          } else if (s.kind === 'deletePod' && picked) {
            update([{ op: 'delete', uid: picked.uid }]);
          } else if (s.kind === 'reparent') {
            const row = workloadOf(owners[s.owner]!, parents[s.parent], seq);
            update([{ op: 'upsert', row }], 'workloads:');
          } else if (s.kind === 'metrics' && pods.length > 0) {
            tick++;
            const sampled = s.picks.map((p) => pods[p % pods.length]!);
            store.applyMetrics('pod', sampled.map((p, i) => ({ name: p.name, namespace: 'shop', timestamp: `2026-11-27T00:00:${String(tick % 60).padStart(2, '0')}.${i}Z`, window: '15s', usage: { cpuMillicores: s.cpu / 7, memoryBytes: s.cpu * 1024 } })));
          }
        }
        const tracked = tracker.read();
        expectSameTotals(tracked, workloadUsage(store, 'pods:', 'workloads:'));
        expect(tracker.read()).toBe(tracked);
      }
      detach();
    }),
    { numRuns: 300 },
  );
});

test('aPodChangeThatMovesNoTotalKeepsTheSameMap', () => {
  const store = new RowStore(() => 0);
  store.applyReset('workloads:', { items: [workloadOf('rs-a', 'dep-1', 1)], generation: 1, seq: 1, resourceVersion: '1' });
  store.applyReset('pods:', { items: [podOf('p1', 'web-1', 'rs-a')], generation: 1, seq: 1, resourceVersion: '1' });
  store.applyMetrics('pod', [{ name: 'web-1', namespace: 'shop', timestamp: '2026-11-27T00:00:00Z', window: '15s', usage: { cpuMillicores: 120, memoryBytes: 4096 } }]);
  const tracker = new WorkloadUsageTracker(store, 'pods:', 'workloads:');
  tracker.attach();
  const before = tracker.read();
  expect(before.get('dep-1')).toEqual({ cpuMillicores: 120, memoryBytes: 4096, pods: 1 });
  // A restart changes the pod's row, not what it uses: React gets no new map to render.
  store.applyUpdate('pods:', { changes: [{ op: 'upsert', row: podOf('p1', 'web-1', 'rs-a', 1) }], generation: 2, seq: 2, resourceVersion: '2' });
  expect(tracker.read()).toBe(before);
  store.applyUpdate('pods:', { changes: [{ op: 'delete', uid: 'p1' }], generation: 3, seq: 3, resourceVersion: '3' });
  expect(tracker.read().size).toBe(0);
});

test('aDetachedTrackerStopsFollowingAndSumsAfreshWhenReadAgain', () => {
  const store = new RowStore(() => 0);
  store.applyReset('workloads:', { items: [workloadOf('rs-a', undefined, 1)], generation: 1, seq: 1, resourceVersion: '1' });
  store.applyReset('pods:', { items: [podOf('p1', 'web-1', 'rs-a')], generation: 1, seq: 1, resourceVersion: '1' });
  store.applyMetrics('pod', [{ name: 'web-1', namespace: 'shop', timestamp: '2026-11-27T00:00:00Z', window: '15s', usage: { cpuMillicores: 10, memoryBytes: 1 } }]);
  const tracker = new WorkloadUsageTracker(store, 'pods:', 'workloads:');
  const detachFirst = tracker.attach();
  const detachSecond = tracker.attach();
  expect(tracker.read().get('rs-a')?.pods).toBe(1);
  detachFirst();
  detachFirst(); // twice from one attachment counts once
  store.applyUpdate('pods:', { changes: [{ op: 'delete', uid: 'p1' }], generation: 2, seq: 2, resourceVersion: '2' });
  expect(tracker.read().size).toBe(0); // still attached once: followed
  detachSecond();
  store.applyUpdate('pods:', { changes: [{ op: 'upsert', row: podOf('p1', 'web-1', 'rs-a') }], generation: 3, seq: 3, resourceVersion: '3' });
  expect(tracker.read().get('rs-a')?.pods).toBe(1); // detached: summed afresh, nothing missed
  detachSecond();
  store.applyUpdate('pods:', { changes: [{ op: 'delete', uid: 'p1' }], generation: 4, seq: 4, resourceVersion: '4' });
  // Attached again before reading: the delete happened unseen, so the next read sums afresh.
  tracker.attach();
  expect(tracker.read().size).toBe(0);
});

test('aSampleReplacedTwiceLeavesExactlyNothingBehind', () => {
  // fast-check's counterexample (seed 252598813): 111/7, then 50/7, then 0 millicores on one pod
  // left the float total at -0 (a re-credit subtracts what it added, and floats do not cancel).
  const store = new RowStore(() => 0);
  store.applyReset('workloads:', { items: [workloadOf('rs-a', undefined, 1)], generation: 1, seq: 1, resourceVersion: '1' });
  store.applyReset('pods:', { items: [podOf('p1', 'web-1', 'rs-a')], generation: 1, seq: 2, resourceVersion: '2' });
  const tracker = new WorkloadUsageTracker(store, 'pods:', 'workloads:');
  tracker.attach();
  for (const [second, cpu] of [[0, 111], [1, 50], [2, 0]] as const) {
    store.applyMetrics('pod', [{ name: 'web-1', namespace: 'shop', timestamp: `2026-11-27T00:00:0${second}Z`, window: '15s', usage: { cpuMillicores: cpu / 7, memoryBytes: cpu * 1024 } }]);
    expect(tracker.read().get('rs-a')).toEqual({ cpuMillicores: Math.round((cpu / 7) * 1e6) / 1e6, memoryBytes: cpu * 1024, pods: 1 });
  }
  expect(Object.is(tracker.read().get('rs-a')!.cpuMillicores, 0)).toBe(true);
});
