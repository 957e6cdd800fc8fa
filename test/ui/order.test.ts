/**
 * The dashboard's lists stay in order without re-sorting on every change. Driven through a real
 * RowStore and the change log the UI uses: whatever a cluster does between two updates (pods
 * added, changed, deleted, re-created under the same name, all rows replaced), OrderedRows gives
 * exactly the full sort of the current rows, and SortedOnABudget holds exactly the current rows,
 * fully sorted whenever it says it is.
 */
import fc from 'fast-check';
import { ChangeLog } from '../../adapters/engine/changeLog.js';
import type { RowChange } from '../../adapters/protocol.js';
import type { PodRow } from '../../adapters/rows.js';
import { RowStore } from '../../adapters/engine/store.js';
import { OrderedRows, SortedOnABudget, sortByKey } from '../../ui/lib/order.js';
import { podOrder } from '../../ui/lib/pods.js';
import { orderedRowsSource } from '../../ui/state/storeSources.js';

function pod(uid: string, namespace: string, name: string, restarts = 0): PodRow {
  return { uid, namespace, name, resourceVersion: String(restarts), phase: 'Running', ready: '1/1', restarts, nodeName: 'node-1', owner: null, createdAt: null, deleting: false, containers: ['app'] };
}

type Op =
  | { kind: 'add'; namespace: string; name: string; restarts: number }
  | { kind: 'change'; pick: number; restarts: number }
  | { kind: 'delete'; pick: number }
  | { kind: 'recreate'; pick: number }
  | { kind: 'replaceAll'; keep: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('add' as const), namespace: fc.constantFrom('a', 'b', 'kube-system', 'shop'), name: fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/), restarts: fc.nat(5) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('change' as const), pick: fc.nat(), restarts: fc.nat(5) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('recreate' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replaceAll' as const), keep: fc.nat(3) }) },
);

const byRestarts = (p: PodRow) => p.restarts;

test('listsStayExactlyInOrderWhateverTheClusterDoesBetweenUpdates', () => {
  fc.assert(
    fc.property(fc.array(fc.record({ ops: fc.array(op, { maxLength: 10 }), ms: fc.nat(1500) }), { minLength: 1, maxLength: 25 }), fc.boolean(), (batches, descending) => {
      const store = new RowStore(() => 0);
      store.applyReset('pods:', { items: [], generation: 1, seq: 1, resourceVersion: '1' });
      const orderWrites = new ChangeLog(store, 'pods:');
      const sortWrites = new ChangeLog(store, 'pods:');
      orderWrites.attach();
      sortWrites.attach();
      const ordered = new OrderedRows<PodRow>(podOrder);
      const sorter = new SortedOnABudget<PodRow>(1000);
      let generation = 1;
      let nextUid = 0;
      let now = 0;
      for (const batch of batches) {
        const changes: RowChange[] = [];
        for (const o of batch.ops) {
          const existing = store.rows<PodRow>('pods:');
          const target = 'pick' in o && existing.length > 0 ? existing[o.pick % existing.length]! : null;
          if (o.kind === 'add') changes.push({ op: 'upsert', row: pod(`u${nextUid++}`, o.namespace, o.name, o.restarts) });
          else if (target && o.kind === 'change') changes.push({ op: 'upsert', row: pod(target.uid, target.namespace, target.name, o.restarts) });
          else if (target && o.kind === 'delete') changes.push({ op: 'delete', uid: target.uid });
          // A StatefulSet pod: a new uid under the same name, for a while beside the old one.
          else if (target && o.kind === 'recreate') changes.push({ op: 'upsert', row: pod(`u${nextUid++}`, target.namespace, target.name) });
          else if (o.kind === 'replaceAll') {
            generation++;
            store.applyReset('pods:', { items: existing.filter((_, i) => i % (o.keep + 1) === 0), generation, seq: generation, resourceVersion: String(generation) });
          }
          if (changes.length > 0 && o.kind !== 'replaceAll') {
            generation++;
            store.applyUpdate('pods:', { changes: changes.splice(0), generation, seq: generation, resourceVersion: String(generation) });
          }
        }
        now += batch.ms;
        const current = store.collection('pods:')!.rows as ReadonlyMap<string, PodRow>;
        const inOrder = ordered.update(current, orderWrites.take());
        expect(inOrder.map((r) => r.uid)).toEqual([...current.values()].sort(podOrder).map((r) => r.uid));
        // The rows themselves are the current objects, not the ones seen when first placed.
        inOrder.forEach((r) => expect(r).toBe(current.get(r.uid)));

        const sorted = sorter.update(inOrder, current, sortWrites.take(), byRestarts, descending, 'restarts', now);
        expect(sorted.rows.map((r) => r.uid).sort()).toEqual([...current.keys()].sort());
        sorted.rows.forEach((r) => expect(r).toBe(current.get(r.uid)));
        if (sorted.staleForMs === null) expect(sorted.rows.map((r) => r.uid)).toEqual(sortByKey(inOrder, byRestarts, descending).map((r) => r.uid));
        else expect(sorted.staleForMs).toBeLessThanOrEqual(1000);
      }
    }),
    { numRuns: 300 },
  );
});

test('theStoreSourceGivesOneArrayPerVersionInOrderAndStartsAfreshForARecreatedCollection', () => {
  const store = new RowStore(() => 0);
  const source = orderedRowsSource<PodRow>(store, 'pods:', podOrder);
  expect(source.getSnapshot()).toHaveLength(0);
  store.applyReset('pods:', { items: [pod('1', 'shop', 'web'), pod('2', 'auth', 'api'), pod('3', 'shop', 'cart')], generation: 1, seq: 1, resourceVersion: '1' });
  const first = source.getSnapshot();
  expect(first.map((p) => p.name)).toEqual(['api', 'cart', 'web']);
  // Nothing changed, so React sees the same array and does not render again.
  expect(source.getSnapshot()).toBe(first);

  store.applyUpdate('pods:', {
    changes: [
      { op: 'delete', uid: '3' },
      { op: 'upsert', row: pod('4', 'auth', 'login') },
      { op: 'upsert', row: pod('1', 'shop', 'web', 2) },
    ],
    generation: 2,
    seq: 2,
    resourceVersion: '2',
  });
  const second = source.getSnapshot();
  expect(second).not.toBe(first);
  expect(second.map((p) => `${p.name}@${p.restarts}`)).toEqual(['api@0', 'login@0', 'web@2']);

  // Scope left and came back: a new collection, read from scratch.
  store.drop('pods:');
  expect(source.getSnapshot()).toHaveLength(0);
  store.applyReset('pods:', { items: [pod('9', 'zeta', 'z')], generation: 1, seq: 1, resourceVersion: '1' });
  expect(source.getSnapshot().map((p) => p.name)).toEqual(['z']);
});

describe('sorting by a column that changes, on a budget', () => {
  const byRestarts = (p: PodRow) => p.restarts;
  const mapOf = (rows: PodRow[]) => new Map(rows.map((p) => [p.uid, p]));

  test('aFullSortIsByTheKeyWithTiesInTheDefaultOrder', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ name: fc.stringMatching(/^[a-z]{1,4}$/), restarts: fc.nat(3) }), { maxLength: 60 }), fc.boolean(), (specs, descending) => {
        const rows = specs.map((s, i) => pod(`u${i}`, 'ns', s.name, s.restarts)).sort(podOrder);
        const sorter = new SortedOnABudget<PodRow>(1000);
        const { rows: got, staleForMs } = sorter.update(rows, mapOf(rows), 'all', byRestarts, descending, 'restarts', 0);
        // Array.prototype.sort is stable: ties keep the default order.
        const expected = [...rows].sort((a, b) => (descending ? b.restarts - a.restarts : a.restarts - b.restarts));
        expect(got.map((p) => p.uid)).toEqual(expected.map((p) => p.uid));
        expect(staleForMs).toBeNull();
      }),
    );
  });

  test('betweenSortsRowsKeepTheirPlacesWithCurrentValuesThenTheOrderCatchesUp', () => {
    const sorter = new SortedOnABudget<PodRow>(1000);
    const first = [pod('a', 'ns', 'a', 5), pod('b', 'ns', 'b', 1), pod('c', 'ns', 'c', 3)];
    const sorted = sorter.update(first, mapOf(first), 'all', byRestarts, true, 'restarts', 0);
    expect(sorted.rows.map((p) => p.uid)).toEqual(['a', 'c', 'b']);

    // 400 ms later: b crash-loops past a, c is deleted, d is new. Nobody's row jumps under the
    // pointer; b shows its new count in its old place; d waits at the end.
    const second = [pod('a', 'ns', 'a', 5), pod('b', 'ns', 'b', 9), pod('d', 'ns', 'd', 7)];
    const between = sorter.update(second, mapOf(second), new Set(['b', 'c', 'd']), byRestarts, true, 'restarts', 400);
    expect(between.rows.map((p) => `${p.uid}@${p.restarts}`)).toEqual(['a@5', 'b@9', 'd@7']);
    expect(between.staleForMs).toBe(600);

    // The budget spent, the next pass sorts.
    const caughtUp = sorter.update(second, mapOf(second), new Set(), byRestarts, true, 'restarts', 1000);
    expect(caughtUp.rows.map((p) => p.uid)).toEqual(['b', 'd', 'a']);
    expect(caughtUp.staleForMs).toBeNull();

    // Another sort asked for is applied at once, whatever the budget.
    const ascending = sorter.update(second, mapOf(second), new Set(), byRestarts, false, 'restarts:asc', 1001);
    expect(ascending.rows.map((p) => p.uid)).toEqual(['a', 'd', 'b']);
  });
});
