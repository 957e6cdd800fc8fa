/**
 * A list landing in pieces (`ResourceCache.land`): between its turns, every way a reader sees a
 * view (snapshot and reset rows, heartbeat count and digest, a `since` delta) sees the old view
 * whole or the new one whole, never a mix; writes that come meanwhile apply after the swap; a
 * list given up changes nothing.
 */
import { digestOf } from '../../adapters/digest.js';
import type { PodRow } from '../../adapters/protocol.js';
import { GenerationCounter, LandingAbandoned, ResourceCache, viewChangesSince, type CacheChange } from '../../server/cache.js';
import { viewRows, viewState } from '../../server/views.js';

function pod(uid: string, namespace: string, resourceVersion: string): PodRow {
  return { uid, name: uid, namespace, resourceVersion, phase: 'Running', ready: '1/1', restarts: 0, nodeName: null, owner: null, createdAt: null, deleting: false, containers: ['c'] };
}

/** Budget 0: each turn lands one piece of rows, so a few thousand rows take many turns. */
function setup() {
  const generations = new GenerationCounter();
  const cache = new ResourceCache('pods', generations, { ringSize: 100_000, landingBudgetMs: 0 });
  const seen: CacheChange[] = [];
  cache.subscribe((changes) => seen.push(...changes));
  return { cache, generations, seen };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** What a reader can see of the view, all namespaces and one. */
function read(cache: ResourceCache, since: number) {
  const all = viewState([cache], null);
  const one = viewState([cache], 'ns-1');
  const rows = viewRows([cache], null);
  const delta = viewChangesSince([cache], since, null);
  return {
    count: all.count,
    digest: all.digest,
    rowsDigest: digestOf(rows),
    rowCount: rows.length,
    oneCount: one.count,
    oneDigest: one.digest,
    resourceVersion: cache.resourceVersion,
    deltaSize: delta?.length ?? -1,
  };
}

describe('a list landing in pieces', () => {
  test('readers between its turns see the old view or the new one, never a mix', async () => {
    const { cache, generations } = setup();
    const old = Array.from({ length: 6_000 }, (_, i) => pod(`u${i}`, `ns-${i % 3}`, '1'));
    cache.replace(old, '100');
    const since = generations.current();
    const before = read(cache, since);
    expect(before.count).toBe(6_000);

    // The new list: a third of the rows changed, a third gone, 2,000 new ones.
    const fresh = [
      ...old.slice(0, 2_000),
      ...old.slice(2_000, 4_000).map((row) => pod(row.uid, row.namespace, '2')),
      ...Array.from({ length: 2_000 }, (_, i) => pod(`n${i}`, `ns-${i % 3}`, '2')),
    ];
    const landing = cache.land(fresh, '200');
    const samples: ReturnType<typeof read>[] = [];
    let turnsWhileLanding = 0;
    let landed = false;
    void landing.then(() => (landed = true));
    while (!landed) {
      if (cache.landingList) turnsWhileLanding++;
      samples.push(read(cache, since));
      await nextTurn();
    }
    await landing;
    const after = read(cache, since);
    expect(after.count).toBe(6_000);
    expect(after.digest).toBe(digestOf(fresh));
    expect(after.resourceVersion).toBe('200');
    // 2,000 changed, 2,000 new, 2,000 deleted since the old view.
    expect(after.deltaSize).toBe(6_000);

    // The landing took many turns (else this test proves nothing), and each reader saw one whole view.
    expect(turnsWhileLanding).toBeGreaterThan(5);
    for (const sample of samples) expect([before, after]).toContainEqual(sample);
    expect(samples.filter((s) => s.digest === before.digest).length).toBeGreaterThan(5);
  });

  test('a watch event during the landing applies after the swap, on top of the new view', async () => {
    const { cache, seen } = setup();
    cache.replace([pod('a', 'ns-1', '1')], '1');
    const fresh = Array.from({ length: 3_000 }, (_, i) => pod(`u${i}`, 'ns-1', '5'));
    const landing = cache.land(fresh, '5');
    cache.apply('MODIFIED', pod('u7', 'ns-1', '6'), '6');
    cache.apply('ADDED', pod('late', 'ns-2', '7'), '7');
    cache.bookmark('8');
    // Waiting: the live view is still the old one.
    expect(viewState([cache], null).count).toBe(1);
    expect(cache.resourceVersion).toBe('1');
    await landing;
    expect(viewState([cache], null).count).toBe(3_001);
    expect([...cache.rowsIn('ns-1')].find((r) => r.uid === 'u7')?.resourceVersion).toBe('6');
    expect(cache.resourceVersion).toBe('8');
    // The new rows' changes are numbered before the late write's.
    const late = seen.find((c) => c.change.op === 'upsert' && c.change.row.uid === 'late')!;
    expect(seen.filter((c) => c.change.op === 'upsert' && c.change.row.resourceVersion === '5').every((c) => c.generation < late.generation)).toBe(true);
  });

  test('a list given up, or overtaken by a newer one, changes nothing', async () => {
    const { cache, seen } = setup();
    cache.replace([pod('a', 'ns-1', '1')], '1');
    seen.length = 0;
    const abort = new AbortController();
    const given = cache.land(Array.from({ length: 3_000 }, (_, i) => pod(`g${i}`, 'ns-1', '2')), '2', null, abort.signal);
    await nextTurn();
    abort.abort();
    await expect(given).rejects.toBeInstanceOf(LandingAbandoned);
    expect(seen).toHaveLength(0);
    expect(viewRows([cache], null).map((r) => r.uid)).toEqual(['a']);

    const overtaken = cache.land(Array.from({ length: 3_000 }, (_, i) => pod(`o${i}`, 'ns-1', '3')), '3');
    const newer = cache.land([pod('b', 'ns-1', '4')], '4');
    await expect(overtaken).rejects.toBeInstanceOf(LandingAbandoned);
    await newer;
    expect(viewRows([cache], null).map((r) => r.uid)).toEqual(['b']);
    expect(seen.map((c) => (c.change.op === 'delete' ? `-${c.change.uid}` : `+${c.change.row.uid}`)).sort()).toEqual(['+b', '-a']);
  });

  test('an unchanged row keeps the object the cache held, and a namespace emptied by a relist keeps its generation moving', async () => {
    const { cache } = setup();
    const kept = pod('a', 'ns-1', '1');
    cache.replace([kept, pod('b', 'ns-2', '1')], '1');
    const emptied = viewState([cache], 'ns-2').generation;
    await cache.land([pod('a', 'ns-1', '1')], '2');
    expect([...cache.rowsIn('ns-1')][0]).toBe(kept);
    expect(viewState([cache], 'ns-2').count).toBe(0);
    expect(viewState([cache], 'ns-2').generation).toBeGreaterThan(emptied);
  });
});

describe('a first list larger than the resume ring', () => {
  test('lands under one generation: its listeners hear an empty batch, and no resume reaches back before it', async () => {
    const generations = new GenerationCounter();
    const cache = new ResourceCache('pods', generations, { ringSize: 100, landingBudgetMs: 0 });
    const batches: (readonly CacheChange[])[] = [];
    cache.subscribe((changes) => batches.push(changes));
    const before = generations.current();
    const rows = Array.from({ length: 1_000 }, (_, i) => pod(`u${i}`, `ns-${i % 2}`, '1'));
    await cache.land(rows, '9');
    expect(cache.listed).toBe(true);
    expect(batches).toEqual([[]]);
    const state = viewState([cache], null);
    expect(state.count).toBe(1_000);
    expect(state.digest).toBe(digestOf(rows));
    expect(state.generation).toBeGreaterThan(before);
    expect(viewState([cache], 'ns-1').generation).toBe(state.generation);
    expect(cache.changesSince(before, null).ok).toBe(false);
    expect(cache.changesSince(state.generation, null)).toEqual({ ok: true, changes: [] });
    // What comes after is numbered and replayed as usual.
    cache.apply('MODIFIED', pod('u1', 'ns-1', '2'), '10');
    const replay = cache.changesSince(state.generation, null);
    expect(replay.ok && replay.changes.map((c) => c.change.op)).toEqual(['upsert']);
  });
});

describe('viewRows', () => {
  test('gathers a view once while its generations stand, and again once a row changes', () => {
    const { cache } = setup();
    cache.replace([pod('a', 'ns-1', '1'), pod('b', 'ns-2', '1')], '1');
    const first = viewRows([cache], null);
    expect(viewRows([cache], null)).toBe(first);
    expect(viewRows([cache], 'ns-1').map((r) => r.uid)).toEqual(['a']);
    cache.apply('MODIFIED', pod('b', 'ns-2', '2'), '2');
    const after = viewRows([cache], null);
    expect(after).not.toBe(first);
    expect(after.map((r) => `${r.uid}@${r.resourceVersion}`).sort()).toEqual(['a@1', 'b@2']);
    // A namespace's rows stand while another namespace changes.
    const one = viewRows([cache], 'ns-1');
    cache.apply('ADDED', pod('c', 'ns-2', '3'), '3');
    expect(viewRows([cache], 'ns-1')).toBe(one);
    expect(viewRows([cache], null).map((r) => r.uid).sort()).toEqual(['a', 'b', 'c']);
  });
});
