import fc from 'fast-check';
import { digestOf } from '../../adapters/digest.js';
import type { PodRow } from '../../adapters/protocol.js';
import { GenerationCounter, ResourceCache, type CacheChange } from '../../server/cache.js';
import { viewState } from '../../server/views.js';

function pod(uid: string, namespace: string, resourceVersion: string): PodRow {
  return { uid, name: uid, namespace, resourceVersion, phase: 'Running', ready: '1/1', restarts: 0, nodeName: null, owner: null, createdAt: null, deleting: false, containers: ['c'] };
}

function setup(ringSize = 100, maxRows?: number) {
  const cache = new ResourceCache('pods', new GenerationCounter(), { ringSize, ...(maxRows !== undefined ? { maxRows } : {}) });
  const seen: CacheChange[] = [];
  cache.subscribe((changes) => seen.push(...changes));
  return { cache, seen };
}

describe('ResourceCache', () => {
  test('a relist emits only the difference, and the per-namespace digests stay equal to a recomputation', () => {
    const { cache, seen } = setup();
    cache.replace([pod('a', 'x', '1'), pod('b', 'x', '1'), pod('c', 'y', '1')], '10');
    expect(seen).toHaveLength(3);
    seen.length = 0;
    cache.replace([pod('a', 'x', '1'), pod('b', 'x', '2'), pod('d', 'y', '3')], '20');
    expect(seen.map((c) => (c.change.op === 'delete' ? `-${c.change.uid}` : `+${c.change.row.uid}`)).sort()).toEqual(['+b', '+d', '-c']);
    const x = viewState([cache], 'x');
    expect(x.count).toBe(2);
    expect(x.digest).toBe(digestOf([...cache.rowsIn('x')]));
    expect(viewState([cache], null).digest).toBe(digestOf([...cache.rowsIn(null)]));
    expect(viewState([cache], null).resourceVersion).toBe('20');
  });

  test('generations only grow, and a view generation moves only when its own rows change', () => {
    const { cache } = setup();
    cache.replace([pod('a', 'x', '1'), pod('c', 'y', '1')], '10');
    const x = viewState([cache], 'x').generation;
    const y = viewState([cache], 'y').generation;
    cache.apply('MODIFIED', pod('c', 'y', '2'), '11');
    expect(viewState([cache], 'x').generation).toBe(x);
    expect(viewState([cache], 'y').generation).toBeGreaterThan(y);
    cache.apply('MODIFIED', pod('c', 'y', '2'), '11'); // same resourceVersion: not a change
    expect(viewState([cache], 'y').resourceVersion).toBe('11');
  });

  test('the ring replays what a client missed, and refuses once it no longer holds it all', () => {
    const { cache } = setup(3);
    cache.replace([pod('a', 'x', '1')], '1');
    const mark = viewState([cache], null).generation;
    cache.apply('MODIFIED', pod('a', 'x', '2'), '2');
    cache.apply('ADDED', pod('b', 'y', '3'), '3');
    const replay = cache.changesSince(mark, 'x');
    expect(replay.ok && replay.changes.map((c) => c.resourceVersion)).toEqual(['2']);
    cache.apply('MODIFIED', pod('a', 'x', '4'), '4');
    cache.apply('MODIFIED', pod('a', 'x', '5'), '5');
    expect(cache.changesSince(mark, null).ok).toBe(false);
    expect(cache.changesSince(viewState([cache], null).generation, null)).toEqual({ ok: true, changes: [] });
  });

  test('a bounded cache (a log tail) drops its oldest rows as deletes', () => {
    const { cache, seen } = setup(100, 2);
    cache.replace([], '');
    for (const uid of ['l1', 'l2', 'l3']) cache.apply('ADDED', pod(uid, '', '1'), '');
    expect([...cache.rowsIn(null)].map((r) => r.uid)).toEqual(['l2', 'l3']);
    expect(seen.some((c) => c.change.op === 'delete' && c.change.uid === 'l1')).toBe(true);
  });
});

describe('ResourceCache, generated histories', () => {
  const uid = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
  const namespace = fc.constantFrom('x', 'y', 'z');
  const version = fc.integer({ min: 1, max: 9 }).map(String);
  const step = fc.oneof(
    fc.record({ kind: fc.constant('apply' as const), type: fc.constantFrom('ADDED' as const, 'MODIFIED' as const, 'DELETED' as const), uid, namespace, version }),
    fc.record({ kind: fc.constant('relist' as const), rows: fc.uniqueArray(fc.record({ uid, namespace, version }), { selector: (r) => r.uid, maxLength: 6 }) }),
  );

  test('digests, counts and resumes always equal a recomputation from the rows', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), fc.nat(), (steps, cut) => {
        const { cache, seen } = setup(1000);
        cache.replace([], '0');
        // A client that stops listening at some point and later resumes from where it was.
        const client = new Map<string, PodRow>();
        let clientGeneration = viewState([cache], 'x').generation;
        const stopAt = cut % (steps.length + 1);
        steps.forEach((s, i) => {
          if (s.kind === 'apply') cache.apply(s.type, pod(s.uid, s.namespace, s.version), s.version);
          else cache.replace(s.rows.map((r) => pod(r.uid, r.namespace, r.version)), 'list');
          if (i < stopAt) {
            for (const c of seen.splice(0)) {
              if (c.namespace !== 'x') continue;
              if (c.change.op === 'delete') client.delete(c.change.uid);
              else client.set(c.change.row.uid, c.change.row as PodRow);
            }
            clientGeneration = viewState([cache], 'x').generation;
          }
        });
        for (const ns of ['x', 'y', 'z', null]) {
          const state = viewState([cache], ns);
          const rows = [...cache.rowsIn(ns)];
          expect(state.count).toBe(rows.length);
          expect(state.digest).toBe(digestOf(rows));
        }
        const replay = cache.changesSince(clientGeneration, 'x');
        expect(replay.ok).toBe(true);
        if (replay.ok) {
          for (const c of replay.changes) {
            if (c.change.op === 'delete') client.delete(c.change.uid);
            else client.set(c.change.row.uid, c.change.row as PodRow);
          }
        }
        expect(digestOf(client.values())).toBe(viewState([cache], 'x').digest);
      }),
    );
  });
});

test('aViewThatFollowsTheFirstListLateIsHandedEveryPageSoFarInOrderThenEachNewOne', () => {
  const { cache } = setup();
  cache.listPage([], true, null);
  cache.listPage([pod('a', 'x', '1'), pod('b', 'y', '2')], false, null);
  cache.listPage([], false, null); // a page with no rows adds none
  cache.listPage([pod('c', 'x', '3')], false, null);
  const told: string[] = [];
  const stop = cache.followFirstList((progress) => told.push(progress.kind === 'page' ? progress.rows.map((row) => row.uid).join(',') : progress.kind));
  expect(stop).not.toBe(false);
  cache.listPage([pod('d', 'y', '4')], false, null);
  cache.listRead('9');
  // A list that started over voids what came before it: a view following from then on has only the new pages.
  cache.listPage([pod('e', 'x', '5')], true, null);
  const afterRestart: string[] = [];
  cache.followFirstList((progress) => afterRestart.push(progress.kind === 'page' ? progress.rows.map((row) => row.uid).join(',') : progress.kind));
  expect(told).toEqual(['a,b,c', 'd', 'read', 'restarted', 'e']);
  expect(afterRestart).toEqual(['e']);
});
