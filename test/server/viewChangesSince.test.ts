/**
 * viewChangesSince answers a poll `since` a generation from the rings of every cache behind a
 * view: the changes, applied to what the view held at that generation, must give what it holds
 * now; and once any ring no longer reaches back, there is no answer.
 */
import fc from 'fast-check';
import type { PodRow, Row, RowChange } from '../../adapters/protocol.js';
import { GenerationCounter, ResourceCache, viewChangesSince } from '../../server/cache.js';
import { viewRows, viewState } from '../../server/views.js';

function pod(uid: string, namespace: string, resourceVersion: string): PodRow {
  return { uid, name: uid, namespace, resourceVersion, phase: 'Running', ready: '1/1', restarts: 0, nodeName: null, owner: null, createdAt: null, deleting: false, containers: ['c'] };
}

function versions(rows: Iterable<Row>): Map<string, string> {
  return new Map([...rows].map((row) => [row.uid, row.resourceVersion]));
}

function applied(rows: Map<string, string>, changes: readonly RowChange[]): Map<string, string> {
  const result = new Map(rows);
  for (const change of changes) {
    if (change.op === 'delete') result.delete(change.uid);
    else result.set(change.row.uid, change.row.resourceVersion);
  }
  return result;
}

const step = fc.record({
  cache: fc.integer({ min: 0, max: 1 }),
  type: fc.constantFrom('ADDED' as const, 'MODIFIED' as const, 'DELETED' as const),
  uid: fc.integer({ min: 0, max: 5 }),
  namespace: fc.constantFrom('x', 'y'),
});

test('theChangesSinceAGenerationTurnTheViewThenIntoTheViewNow', () => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 20 }), fc.array(step, { maxLength: 20 }), fc.constantFrom(null, 'x', 'y'), (before, after, namespace) => {
      const generations = new GenerationCounter();
      // Two resources behind one view (as workloads has six), numbered by one counter.
      const caches = [new ResourceCache('a', generations, { ringSize: 100 }), new ResourceCache('b', generations, { ringSize: 100 })];
      let version = 0;
      const play = (steps: typeof before) => {
        for (const s of steps) caches[s.cache]!.apply(s.type, pod(`${s.cache}-${s.uid}`, s.namespace, String(++version)), String(version));
      };
      play(before);
      const then = versions(viewRows(caches, namespace));
      const mark = viewState(caches, namespace).generation;
      play(after);
      const changes = viewChangesSince(caches, mark, namespace);
      expect(changes).not.toBeNull();
      expect(applied(then, changes!)).toEqual(versions(viewRows(caches, namespace)));
      expect(changes!.length).toBeLessThanOrEqual(after.length);
    }),
  );
});

test('noAnswerOnceAnyRingNoLongerReachesBack', () => {
  const generations = new GenerationCounter();
  const short = new ResourceCache('a', generations, { ringSize: 2 });
  const long = new ResourceCache('b', generations, { ringSize: 100 });
  short.replace([pod('a', 'x', '1')], '1');
  long.replace([pod('b', 'x', '1')], '1');
  const mark = viewState([short, long], null).generation;
  short.apply('MODIFIED', pod('a', 'x', '2'), '2');
  short.apply('MODIFIED', pod('a', 'x', '3'), '3');
  expect(viewChangesSince([short, long], mark, null)).toEqual([{ op: 'upsert', row: pod('a', 'x', '3') }]);
  short.apply('MODIFIED', pod('a', 'x', '4'), '4'); // the ring of two has dropped the change after the mark
  expect(viewChangesSince([short, long], mark, null)).toBeNull();
  expect(viewChangesSince([long], mark, null)).toEqual([]);
});
