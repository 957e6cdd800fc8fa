/**
 * The Pods view sorted by CPU, as it is wired (PodsView.tsx): a real RowStore, its change log, its
 * metrics change log (adapters/engine/metricsChangeLog.ts) and SortedRows keyed by the store's
 * samples. Whatever pods and metrics answers arrive between two updates, the order is exactly a
 * full sort of the current rows by CPU; and an answer that moved only a few samples (under churn,
 * most answers: the first samples of the pods created since the last one) re-places those pods
 * without reading every pod's key again.
 */
import fc from 'fast-check';
import { ChangeLog } from '../../adapters/engine/changeLog.js';
import { MetricsChangeLog } from '../../adapters/engine/metricsChangeLog.js';
import { metricsChangesListed, RowStore } from '../../adapters/engine/store.js';
import type { MetricsRow, PodRow } from '../../adapters/rows.js';
import { SortedRows, sortByKey } from '../../ui/lib/order.js';
import { podOrder, podsMoved } from '../../ui/lib/pods.js';

function pod(uid: string, namespace: string, name: string, restarts = 0): PodRow {
  return { uid, namespace, name, resourceVersion: String(restarts), phase: 'Running', ready: '1/1', restarts, nodeName: 'node-1', owner: null, createdAt: null, deleting: false, containers: ['app'] };
}

const sample = (p: { namespace: string; name: string }, cpu: number, at: number): MetricsRow => ({
  name: p.name,
  namespace: p.namespace,
  timestamp: new Date(Date.UTC(2026, 11, 1, 10, 0, at)).toISOString(),
  window: '15s',
  usage: { cpuMillicores: cpu, memoryBytes: 1024 },
});

/** The wiring PodsView.tsx makes, with a CPU key that counts its reads. */
function sortedByCpu(store: RowStore) {
  const writes = new ChangeLog(store, 'pods:');
  const samples = new MetricsChangeLog(store, 'pod');
  writes.attach();
  samples.attach();
  const sorter = new SortedRows<PodRow>(podOrder);
  let keyReads = 0;
  const cpu = (p: PodRow) => {
    keyReads++;
    return store.metricsOfRow('pod', p)?.usage.cpuMillicores ?? -1;
  };
  const current = () => store.collection('pods:')!.rows as ReadonlyMap<string, PodRow>;
  return {
    update() {
      const inOrder = [...current().values()].sort(podOrder);
      return sorter.update(inOrder, current(), writes.take(), cpu, true, 'cpu:true', store.metricsVersion, podsMoved(samples.take()));
    },
    truth: () => sortByKey([...current().values()].sort(podOrder), (p) => store.metricsFor('pod', p.name, p.namespace)?.usage.cpuMillicores ?? -1, true),
    get keyReads() {
      return keyReads;
    },
    sorter,
  };
}

type Op =
  | { kind: 'add'; namespace: string; name: string }
  | { kind: 'delete'; pick: number }
  | { kind: 'recreate'; pick: number }
  | { kind: 'samples'; picks: number[]; cpu: number }
  | { kind: 'tick'; cpu: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('add' as const), namespace: fc.constantFrom('a', 'b', 'shop'), name: fc.stringMatching(/^[a-z][a-z0-9-]{0,5}$/) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('recreate' as const), pick: fc.nat() }) },
  // An answer moving a few samples (new pods' first ones, or a few new readings).
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('samples' as const), picks: fc.array(fc.nat(), { maxLength: 5 }), cpu: fc.integer({ min: 0, max: 5 }) }) },
  // A scrape: every pod's sample moves.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), cpu: fc.integer({ min: 0, max: 5 }) }) },
);

test('theOrderByCpuIsExactlyAFullSortWhateverPodsAndMetricsAnswersArriveBetweenUpdates', () => {
  fc.assert(
    fc.property(fc.array(fc.array(op, { maxLength: 8 }), { minLength: 1, maxLength: 20 }), (batches) => {
      const store = new RowStore(() => 0);
      store.applyReset('pods:', { items: [], generation: 1, seq: 1, resourceVersion: '1' });
      const view = sortedByCpu(store);
      let generation = 1;
      let nextUid = 0;
      let second = 0;
      for (const batch of batches) {
        for (const o of batch) {
          const existing = [...store.collection('pods:')!.rows.values()] as PodRow[];
          const target = 'pick' in o && existing.length > 0 ? existing[o.pick % existing.length]! : null;
          const update = (change: Parameters<RowStore['applyUpdate']>[1]['changes'][number]) =>
            store.applyUpdate('pods:', { changes: [change], generation: ++generation, seq: generation, resourceVersion: String(generation) });
          if (o.kind === 'add') update({ op: 'upsert', row: pod(`u${nextUid++}`, o.namespace, o.name) });
          else if (target && o.kind === 'delete') update({ op: 'delete', uid: target.uid });
          else if (target && o.kind === 'recreate') update({ op: 'upsert', row: pod(`u${nextUid++}`, target.namespace, target.name) });
          else if (o.kind === 'samples' && existing.length > 0) {
            // Ties on purpose (cpu 0-5): the order among them is the pods' own.
            store.applyMetrics('pod', o.picks.map((pick, i) => sample(existing[pick % existing.length]!, (o.cpu + i) % 6, ++second)));
          } else if (o.kind === 'tick') store.applyMetrics('pod', existing.map((p, i) => sample(p, (o.cpu * i) % 6, ++second)));
        }
        const sorted = view.update();
        expect(sorted.map((p) => p.uid)).toEqual(view.truth().map((p) => p.uid));
      }
    }),
    { numRuns: 300 },
  );
});

test('anAnswerWithTheFirstSamplesOfAFewNewPodsRePlacesThoseAloneWithoutReadingEveryKey', () => {
  const store = new RowStore(() => 0);
  const pods = Array.from({ length: 5000 }, (_, i) => pod(`u${i}`, `ns-${i % 20}`, `p${i}`));
  store.applyReset('pods:', { items: pods, generation: 1, seq: 1, resourceVersion: '1' });
  store.applyMetrics('pod', pods.map((p, i) => sample(p, (i * 37) % 1000, 0)));
  const view = sortedByCpu(store);
  view.update();
  const sortsBefore = view.sorter.freshSorts;

  // Churn: three pods created, then an answer bringing their first samples (every other sample as before).
  store.applyUpdate('pods:', { changes: [0, 1, 2].map((i) => ({ op: 'upsert' as const, row: pod(`new${i}`, 'ns-3', `new-${i}`) })), generation: 2, seq: 2, resourceVersion: '2' });
  view.update();
  const readsBefore = view.keyReads;
  store.applyMetrics('pod', [...pods.map((p, i) => sample(p, (i * 37) % 1000, 0)), ...[0, 1, 2].map((i) => sample({ namespace: 'ns-3', name: `new-${i}` }, 2000 + i, 5))]);
  const sorted = view.update();

  expect(sorted.slice(0, 3).map((p) => p.name)).toEqual(['new-2', 'new-1', 'new-0']);
  expect(sorted.map((p) => p.uid)).toEqual(view.truth().map((p) => p.uid));
  // A fresh sort reads all 5,003 keys; re-placing three pods reads a few dozen.
  expect(view.keyReads - readsBefore).toBeLessThan(200);
  expect(view.sorter.freshSorts).toBe(sortsBefore);
});

test('anAnswerMovingTooManySamplesToListOrALostTakeSortsAfresh', () => {
  const store = new RowStore(() => 0);
  const pods = Array.from({ length: metricsChangesListed + 10 }, (_, i) => pod(`u${i}`, 'shop', `p${i}`));
  store.applyReset('pods:', { items: pods, generation: 1, seq: 1, resourceVersion: '1' });
  const view = sortedByCpu(store);
  view.update();
  const sorts = view.sorter.freshSorts;
  // Every pod's sample at once (a scrape): not listed, so sorted afresh, and right.
  store.applyMetrics('pod', pods.map((p, i) => sample(p, i % 7, 1)));
  expect(view.update().map((p) => p.uid)).toEqual(view.truth().map((p) => p.uid));
  expect(view.sorter.freshSorts).toBe(sorts + 1);

  // A take that React threw away (a render not committed): the next one does not start where
  // the sort stopped, so it sorts afresh rather than trust a log with a gap.
  const writes = new ChangeLog(store, 'pods:');
  writes.attach();
  const samples = new MetricsChangeLog(store, 'pod');
  samples.attach();
  const sorter = new SortedRows<PodRow>(podOrder);
  const cpu = (p: PodRow) => store.metricsOfRow('pod', p)?.usage.cpuMillicores ?? -1;
  const current = store.collection('pods:')!.rows as ReadonlyMap<string, PodRow>;
  const inOrder = [...current.values()].sort(podOrder);
  sorter.update(inOrder, current, writes.take(), cpu, true, 'cpu', store.metricsVersion, podsMoved(samples.take()));
  store.applyMetrics('pod', [sample(pods[3]!, 99, 2)]);
  samples.take(); // lost
  store.applyMetrics('pod', [sample(pods[4]!, 98, 3)]);
  const after = sorter.freshSorts;
  const sorted = sorter.update(inOrder, current, writes.take(), cpu, true, 'cpu', store.metricsVersion, podsMoved(samples.take()));
  expect(sorter.freshSorts).toBe(after + 1);
  expect(sorted.slice(0, 2).map((p) => p.name)).toEqual(['p3', 'p4']);
});
