/**
 * The dashboard's lists stay in order without re-sorting on every change. Driven through a real
 * RowStore and the change log the UI uses: whatever a cluster does between two updates (pods
 * added, changed, deleted, re-created under the same name, all rows replaced), OrderedRows gives
 * exactly the full sort of the current rows, and so does SortedRows by a value, whether the
 * rows or the values behind the key (metrics) moved.
 */
import fc from 'fast-check';
import { ChangeLog } from '../../adapters/engine/changeLog.js';
import type { RowChange } from '../../adapters/protocol.js';
import type { PodRow } from '../../adapters/rows.js';
import { RowStore } from '../../adapters/engine/store.js';
import { OrderedRows, SortedRows, sortByKey } from '../../ui/lib/order.js';
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
  | { kind: 'replaceAll'; keep: number }
  | { kind: 'values'; pick: number; bonus: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('add' as const), namespace: fc.constantFrom('a', 'b', 'kube-system', 'shop'), name: fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/), restarts: fc.nat(5) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('change' as const), pick: fc.nat(), restarts: fc.nat(5) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('recreate' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replaceAll' as const), keep: fc.nat(3) }) },
  // Values the key reads outside the rows, as a pod's CPU: they move with a version, as metrics do.
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('values' as const), pick: fc.nat(), bonus: fc.integer({ min: -3, max: 3 }) }) },
);

test('listsStayExactlyInOrderWhateverTheClusterDoesBetweenUpdates', () => {
  fc.assert(
    fc.property(fc.array(fc.array(op, { maxLength: 10 }), { minLength: 1, maxLength: 25 }), fc.boolean(), fc.constantFrom('number', 'text'), (batches, descending, keyKind) => {
      const store = new RowStore(() => 0);
      store.applyReset('pods:', { items: [], generation: 1, seq: 1, resourceVersion: '1' });
      const orderWrites = new ChangeLog(store, 'pods:');
      const sortWrites = new ChangeLog(store, 'pods:');
      orderWrites.attach();
      sortWrites.attach();
      const ordered = new OrderedRows<PodRow>(podOrder);
      const sorter = new SortedRows<PodRow>(podOrder);
      // A key that reads the row and a value kept beside it, as the CPU column reads metrics.
      const bonus = new Map<string, number>();
      let valuesVersion = 0;
      const byNumber = (p: PodRow) => p.restarts + (bonus.get(p.name) ?? 0);
      const byText = (p: PodRow) => `r${byNumber(p)}`;
      const key = keyKind === 'number' ? byNumber : byText;
      let generation = 1;
      let nextUid = 0;
      for (const batch of batches) {
        const changes: RowChange[] = [];
        for (const o of batch) {
          const existing = store.rows<PodRow>('pods:');
          const target = 'pick' in o && existing.length > 0 ? existing[o.pick % existing.length]! : null;
          if (o.kind === 'add') changes.push({ op: 'upsert', row: pod(`u${nextUid++}`, o.namespace, o.name, o.restarts) });
          else if (target && o.kind === 'change') changes.push({ op: 'upsert', row: pod(target.uid, target.namespace, target.name, o.restarts) });
          else if (target && o.kind === 'delete') changes.push({ op: 'delete', uid: target.uid });
          // A StatefulSet pod: a new uid under the same name, for a while beside the old one.
          else if (target && o.kind === 'recreate') changes.push({ op: 'upsert', row: pod(`u${nextUid++}`, target.namespace, target.name) });
          else if (target && o.kind === 'values') {
            bonus.set(target.name, o.bonus);
            valuesVersion++;
          } else if (o.kind === 'replaceAll') {
            generation++;
            store.applyReset('pods:', { items: existing.filter((_, i) => i % (o.keep + 1) === 0), generation, seq: generation, resourceVersion: String(generation) });
          }
          if (changes.length > 0 && o.kind !== 'replaceAll') {
            generation++;
            store.applyUpdate('pods:', { changes: changes.splice(0), generation, seq: generation, resourceVersion: String(generation) });
          }
        }
        const current = store.collection('pods:')!.rows as ReadonlyMap<string, PodRow>;
        const inOrder = ordered.update(current, orderWrites.take());
        expect(inOrder.map((r) => r.uid)).toEqual([...current.values()].sort(podOrder).map((r) => r.uid));
        // The rows themselves are the current objects, not the ones seen when first placed.
        inOrder.forEach((r) => expect(r).toBe(current.get(r.uid)));

        const sorted = sorter.update(inOrder, current, sortWrites.take(), key, descending, 'restarts', valuesVersion);
        expect(sorted.map((r) => r.uid)).toEqual(sortByKey(inOrder, key, descending).map((r) => r.uid));
        sorted.forEach((r) => expect(r).toBe(current.get(r.uid)));
      }
    }),
    { numRuns: 300 },
  );
});

test('theStoreSourceGivesOneListPerVersionInOrderAndStartsAfreshForARecreatedCollection', () => {
  const store = new RowStore(() => 0);
  const source = orderedRowsSource<PodRow>(store, 'pods:', podOrder);
  expect(source.getSnapshot().rows).toHaveLength(0);
  store.applyReset('pods:', { items: [pod('1', 'shop', 'web'), pod('2', 'auth', 'api'), pod('3', 'shop', 'cart')], generation: 1, seq: 1, resourceVersion: '1' });
  const first = source.getSnapshot();
  expect(first.rows.map((p) => p.name)).toEqual(['api', 'cart', 'web']);
  // Nothing changed, so React sees the same list and does not render again.
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
  expect(second.version).not.toBe(first.version);
  expect(second.rows.map((p) => `${p.name}@${p.restarts}`)).toEqual(['api@0', 'login@0', 'web@2']);

  // Scope left and came back: a new collection, read from scratch.
  store.drop('pods:');
  expect(source.getSnapshot().rows).toHaveLength(0);
  store.applyReset('pods:', { items: [pod('9', 'zeta', 'z')], generation: 1, seq: 1, resourceVersion: '1' });
  expect(source.getSnapshot().rows.map((p) => p.name)).toEqual(['z']);
});

test('anUpdateOfAFewRowsWritesTheListInPlaceAndMovesItsVersion', () => {
  // A new 50,000-row array per update, twice in a sorted view, was garbage enough to bring V8's
  // major collections into the scroll (bench row 9s): an update costs what it changed.
  const store = new RowStore(() => 0);
  const items = Array.from({ length: 500 }, (_, i) => pod(`u${i}`, i % 2 ? 'shop' : 'auth', `p${i}`, i % 7));
  store.applyReset('pods:', { items, generation: 1, seq: 1, resourceVersion: '1' });
  const orderWrites = new ChangeLog(store, 'pods:');
  const sortWrites = new ChangeLog(store, 'pods:');
  orderWrites.attach();
  sortWrites.attach();
  const rows = () => store.collection('pods:')!.rows as ReadonlyMap<string, PodRow>;
  const ordered = new OrderedRows<PodRow>(podOrder);
  const sorter = new SortedRows<PodRow>(podOrder);
  const byRestarts = (p: PodRow) => p.restarts;
  const inOrder = ordered.update(rows(), orderWrites.take());
  const sorted = sorter.update(inOrder, rows(), sortWrites.take(), byRestarts, true, 'restarts', 0);
  const versions = [ordered.version, sorter.version];

  store.applyUpdate('pods:', {
    changes: [{ op: 'delete', uid: 'u3' }, { op: 'upsert', row: pod('u10', 'auth', 'p10', 40) }, { op: 'upsert', row: pod('new', 'shop', 'a-new', 9) }],
    generation: 2,
    seq: 2,
    resourceVersion: '2',
  });
  const inOrderNext = ordered.update(rows(), orderWrites.take());
  const sortedNext = sorter.update(inOrderNext, rows(), sortWrites.take(), byRestarts, true, 'restarts', 0);
  expect(inOrderNext).toBe(inOrder);
  expect(sortedNext).toBe(sorted);
  expect([ordered.version, sorter.version]).toEqual([versions[0]! + 1, versions[1]! + 1]);
  expect(inOrderNext.map((r) => r.uid)).toEqual([...rows().values()].sort(podOrder).map((r) => r.uid));
  expect(sortedNext.map((r) => r.uid)).toEqual(sortByKey([...inOrderNext], byRestarts, true).map((r) => r.uid));
  expect(sortedNext[0]!.uid).toBe('u10');

  // A metrics tick sorts afresh, into the same array too.
  expect(sorter.update(inOrderNext, rows(), sortWrites.take(), byRestarts, false, 'restarts:asc', 1)).toBe(sorted);
  expect(sorter.version).toBe(versions[1]! + 2);
});

describe('sorting by a column that changes', () => {
  const byRestarts = (p: PodRow) => p.restarts;
  const mapOf = (rows: PodRow[]) => new Map(rows.map((p) => [p.uid, p]));

  test('aSortIsByTheKeyWithTiesInTheGivenOrderForNumbersAndText', () => {
    const number = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.5, 1e12));
    fc.assert(
      fc.property(fc.array(fc.oneof(number, fc.constantFrom('a', 'b', 'B', '')), { maxLength: 80 }), fc.boolean(), (keys, descending) => {
        // Numbers alone take the native sort; text (or a mix) the comparator. Both are stable.
        for (const list of [keys.filter((k) => typeof k === 'number'), keys.filter((k) => typeof k === 'string'), keys]) {
          const rows = list.map((k, i) => ({ i, k }));
          const got = sortByKey(rows, (r) => r.k, descending);
          const expected = [...rows].sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0) * (descending ? -1 : 1));
          expect(got.map((r) => r.i)).toEqual(expected.map((r) => r.i));
        }
      }),
    );
  });

  test('aWrittenRowMovesToItsPlaceAtOnceAndANewValueVersionSortsAfresh', () => {
    const sorter = new SortedRows<PodRow>(podOrder);
    const first = [pod('a', 'ns', 'a', 5), pod('b', 'ns', 'b', 1), pod('c', 'ns', 'c', 3)];
    expect(sorter.update(first, mapOf(first), 'all', byRestarts, true, 'restarts', 0).map((p) => p.uid)).toEqual(['a', 'c', 'b']);

    // b crash-loops past a, c is deleted, d is new: the order is right in the same update.
    const second = [pod('a', 'ns', 'a', 5), pod('b', 'ns', 'b', 9), pod('d', 'ns', 'd', 7)];
    const next = sorter.update(second, mapOf(second), new Set(['b', 'c', 'd']), byRestarts, true, 'restarts', 0);
    expect(next.map((p) => `${p.uid}@${p.restarts}`)).toEqual(['b@9', 'd@7', 'a@5']);
    // Nothing written: the same array, so React has nothing to do.
    expect(sorter.update(second, mapOf(second), new Set(), byRestarts, true, 'restarts', 0)).toBe(next);

    // Values behind the key moved (a metrics tick) with no row written: sorted afresh.
    const extra = new Map([['a', 10]]);
    const withExtra = (p: PodRow) => p.restarts + (extra.get(p.uid) ?? 0);
    expect(sorter.update(second, mapOf(second), new Set(), withExtra, true, 'restarts', 1).map((p) => p.uid)).toEqual(['a', 'b', 'd']);

    // Another sort asked for is applied at once.
    expect(sorter.update(second, mapOf(second), new Set(), byRestarts, false, 'restarts:asc', 1).map((p) => p.uid)).toEqual(['a', 'd', 'b']);
  });
});
