/**
 * The Status filter's counts kept pod by pod (lib/statusTally.ts), driven through a real RowStore
 * and its change log as statusCountsSource drives it: after any history of pods added, changed,
 * deleted and replaced, the counts are statusCounts' over every pod; and an update reads only the
 * pods written, not all of them.
 */
import fc from 'fast-check';
import { ChangeLog } from '../../adapters/engine/changeLog.js';
import { RowStore } from '../../adapters/engine/store.js';
import type { PodRow } from '../../adapters/rows.js';
import { statusCounts } from '../../ui/lib/pods.js';
import { StatusTally } from '../../ui/lib/statusTally.js';

const statuses = ['Running', 'Pending', 'CrashLoopBackOff', 'Completed', 'Terminating'] as const;

function pod(uid: string, name: string, status: string): PodRow {
  return { uid, namespace: 'shop', name, resourceVersion: status, phase: 'Running', status, ready: '1/1', restarts: 0, nodeName: 'n', owner: null, createdAt: null, deleting: false, containers: ['app'] };
}

type Op = { kind: 'add'; status: number } | { kind: 'change'; pick: number; status: number } | { kind: 'delete'; pick: number } | { kind: 'replaceAll'; keep: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('add' as const), status: fc.nat(statuses.length - 1) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('change' as const), pick: fc.nat(), status: fc.nat(statuses.length - 1) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replaceAll' as const), keep: fc.nat(3) }) },
);

test('theTalliedCountsAreAlwaysACountOfEveryPod', () => {
  fc.assert(
    fc.property(fc.array(fc.array(op, { maxLength: 8 }), { minLength: 1, maxLength: 20 }), (batches) => {
      const store = new RowStore(() => 0);
      store.applyReset('pods:', { items: [], generation: 1, seq: 1, resourceVersion: '1' });
      const log = new ChangeLog(store, 'pods:');
      log.attach();
      const tally = new StatusTally();
      let generation = 1;
      let next = 0;
      for (const batch of batches) {
        for (const o of batch) {
          const existing = store.rows<PodRow>('pods:');
          const target = 'pick' in o && existing.length > 0 ? existing[o.pick % existing.length]! : null;
          const update = (change: Parameters<RowStore['applyUpdate']>[1]['changes'][number]) =>
            store.applyUpdate('pods:', { changes: [change], generation: ++generation, seq: generation, resourceVersion: String(generation) });
          if (o.kind === 'add') update({ op: 'upsert', row: pod(`u${next}`, `p${next++}`, statuses[o.status]!) });
          else if (target && o.kind === 'change') update({ op: 'upsert', row: pod(target.uid, target.name, statuses[o.status]!) });
          else if (target && o.kind === 'delete') update({ op: 'delete', uid: target.uid });
          else if (o.kind === 'replaceAll') {
            generation++;
            store.applyReset('pods:', { items: existing.filter((_, i) => i % (o.keep + 1) === 0), generation, seq: generation, resourceVersion: String(generation) });
          }
        }
        const rows = store.collection('pods:')!.rows as ReadonlyMap<string, PodRow>;
        expect(tally.update(rows, log.take())).toEqual(statusCounts([...rows.values()]));
      }
    }),
    { numRuns: 300 },
  );
});

test('anUpdateReadsOnlyThePodsWrittenAndKeepsItsArrayWhenNoCountMoved', () => {
  const store = new RowStore(() => 0);
  const pods = Array.from({ length: 2000 }, (_, i) => pod(`u${i}`, `p${i}`, statuses[i % 3]!));
  store.applyReset('pods:', { items: pods, generation: 1, seq: 1, resourceVersion: '1' });
  const log = new ChangeLog(store, 'pods:');
  log.attach();
  // The rows as the store holds them, with every read of a pod counted.
  let reads = 0;
  const rows = () => {
    const held = store.collection('pods:')!.rows as ReadonlyMap<string, PodRow>;
    return {
      get: (uid: string) => (reads++, held.get(uid)),
      [Symbol.iterator]: function* () {
        for (const entry of held) {
          reads++;
          yield entry;
        }
      },
    } as unknown as ReadonlyMap<string, PodRow>;
  };
  const tally = new StatusTally();
  tally.update(rows(), log.take());
  const first = tally.update(rows(), log.take());
  reads = 0;
  store.applyUpdate('pods:', { changes: [{ op: 'upsert', row: pod('u5', 'p5', 'CrashLoopBackOff') }, { op: 'delete', uid: 'u6' }], generation: 2, seq: 2, resourceVersion: '2' });
  const second = tally.update(rows(), log.take());
  expect(reads).toBe(2);
  expect(second).toEqual(statusCounts(store.rows<PodRow>('pods:')));
  expect(second).not.toBe(first);
  // A write that moves no count (a restart of a Running pod): the same array, so React sees nothing new.
  store.applyUpdate('pods:', { changes: [{ op: 'upsert', row: { ...pod('u0', 'p0', 'Running'), restarts: 1, resourceVersion: 'r1' } }], generation: 3, seq: 3, resourceVersion: '3' });
  expect(tally.update(rows(), log.take())).toBe(second);
});
