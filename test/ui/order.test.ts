/**
 * OrderedRows keeps a list in order across updates without re-sorting it: whatever a cluster
 * does between two updates (pods added, changed, deleted, re-created under the same name), the
 * list it gives is exactly the full sort of the current rows, holding the current row objects.
 */
import fc from 'fast-check';
import type { PodRow } from '../../adapters/rows.js';
import { RowStore } from '../../adapters/engine/store.js';
import { mergeSorted, OrderedRows } from '../../ui/lib/order.js';
import { podOrder } from '../../ui/lib/pods.js';
import { orderedRowsSource } from '../../ui/state/storeSources.js';

function pod(uid: string, namespace: string, name: string, restarts = 0): PodRow {
  return { uid, namespace, name, resourceVersion: String(restarts), phase: 'Running', ready: '1/1', restarts, nodeName: 'node-1', owner: null, createdAt: null, deleting: false, containers: ['app'] };
}

type Op = { kind: 'add'; namespace: string; name: string } | { kind: 'change'; pick: number } | { kind: 'delete'; pick: number } | { kind: 'recreate'; pick: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), namespace: fc.constantFrom('a', 'b', 'kube-system', 'shop'), name: fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/) }),
  fc.record({ kind: fc.constant('change' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('recreate' as const), pick: fc.nat() }),
);

test('theListIsAlwaysTheFullSortOfTheCurrentRows', () => {
  fc.assert(
    fc.property(fc.array(fc.array(op, { maxLength: 12 }), { minLength: 1, maxLength: 25 }), (batches) => {
      const rows = new Map<string, PodRow>();
      const ordered = new OrderedRows<PodRow>(podOrder);
      let nextUid = 0;
      for (const batch of batches) {
        for (const o of batch) {
          const existing = [...rows.values()];
          const target = 'pick' in o && existing.length > 0 ? existing[o.pick % existing.length]! : null;
          if (o.kind === 'add') {
            const row = pod(`u${nextUid++}`, o.namespace, o.name);
            rows.set(row.uid, row);
          } else if (target && o.kind === 'change') {
            rows.set(target.uid, pod(target.uid, target.namespace, target.name, target.restarts + 1));
          } else if (target && o.kind === 'delete') {
            rows.delete(target.uid);
          } else if (target && o.kind === 'recreate') {
            // A StatefulSet pod: a new uid under the same name, for a while beside the old one.
            const row = pod(`u${nextUid++}`, target.namespace, target.name);
            rows.set(row.uid, row);
          }
        }
        const got = ordered.update(rows);
        const expected = [...rows.values()].sort(podOrder);
        expect(got.map((r) => r.uid)).toEqual(expected.map((r) => r.uid));
        // The rows themselves are the current objects, not the ones seen when first placed.
        got.forEach((r) => expect(r).toBe(rows.get(r.uid)));
      }
    }),
    { numRuns: 300 },
  );
});

test('aSnapshotThatReplacesTheMapKeepsKnownRowsAndDropsTheRest', () => {
  const ordered = new OrderedRows<PodRow>(podOrder);
  ordered.update(new Map([pod('1', 'a', 'web'), pod('2', 'a', 'api'), pod('3', 'b', 'db')].map((p) => [p.uid, p])));
  const replaced = new Map([pod('3', 'b', 'db', 4), pod('4', 'a', 'cache')].map((p) => [p.uid, p]));
  expect(ordered.update(replaced).map((p) => `${p.namespace}/${p.name}@${p.restarts}`)).toEqual(['a/cache@0', 'b/db@4']);
});

test('mergingKeepsBothListsInOrder', () => {
  const byNumber = (x: number, y: number) => x - y;
  expect(mergeSorted([1, 4, 9], [0, 4, 5, 10], byNumber)).toEqual([0, 1, 4, 4, 5, 9, 10]);
  expect(mergeSorted([], [2, 3], byNumber)).toEqual([2, 3]);
  expect(mergeSorted([2, 3], [], byNumber)).toEqual([2, 3]);
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
