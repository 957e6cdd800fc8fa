/**
 * The several-clusters logic, no browser: the address's choice of clusters, one list across
 * clusters, and the pool that runs one engine per cluster and stops those no longer shown after
 * their linger. The pool runs real engines (against a port nobody listens on); only its linger
 * timer is driven by hand.
 */
import WebSocket from 'ws';
import type { SocketLike } from '../../adapters/engine/engine.js';
import { createEngine } from '../../adapters/engine/engine.js';
import type { ClusterSummary } from '../../adapters/protocol.js';
import { clusterSearch, createClusterMerger, maxChosenClusters, mergeClusterRows, parseClusterChoice, toggleCluster, unknownClusters, withCluster } from '../../ui/lib/clusters.js';
import { parseRoute, routeHash } from '../../ui/lib/route.js';
import { createEnginePool, type PoolTimers } from '../../ui/state/enginePool.js';

test('theAddressNamesOneClusterOrSeveralOrNone', () => {
  expect(parseClusterChoice('')).toEqual({ names: [], refused: [] });
  expect(parseClusterChoice('?cluster=prod')).toEqual({ names: ['prod'], refused: [] });
  expect(parseClusterChoice('?clusters=a,b,,a, c ')).toEqual({ names: ['a', 'b', 'c'], refused: [] });
  // `clusters` wins over `cluster` when both are there.
  expect(parseClusterChoice('?cluster=x&clusters=a,b').names).toEqual(['a', 'b']);
  expect(parseClusterChoice('?cluster=arn:aws:eks:eu-west-1:123:cluster/prod').names).toEqual(['arn:aws:eks:eu-west-1:123:cluster/prod']);
  expect(parseClusterChoice('?cluster=admin@kind-dev').names).toEqual(['admin@kind-dev']);
  // kubeconfig puts no rule on a context's name: a space, or a comma shown alone, is a name.
  expect(parseClusterChoice(`?cluster=${encodeURIComponent('my cluster, eu')}`).names).toEqual(['my cluster, eu']);
});

test('anAddressCannotOpenUnboundedOrMalformedClusters', () => {
  const many = Array.from({ length: 50 }, (_, i) => `c${i}`).join(',');
  expect(parseClusterChoice(`?clusters=${many}`).names).toHaveLength(maxChosenClusters);
  const bad = parseClusterChoice(`?clusters=ok,${encodeURIComponent('bell\u0007')},${'x'.repeat(300)}`);
  expect(bad.names).toEqual(['ok']);
  expect(bad.refused).toHaveLength(2);
  expect(bad.refused.every((r) => r.length <= 80)).toBe(true);
});

test('theQueryForAChoiceKeepsTheRestAndReadsBack', () => {
  expect(clusterSearch('?inspect', ['prod'])).toBe('?inspect=&cluster=prod');
  expect(clusterSearch('?cluster=prod', ['a', 'b'])).toBe('?clusters=a,b');
  expect(clusterSearch('?clusters=a,b', [])).toBe('');
  for (const names of [['a'], ['a', 'b', 'c'], ['arn:aws:eks:x:1:cluster/p', 'admin@dev']]) {
    expect(parseClusterChoice(clusterSearch('', names)).names).toEqual(names);
  }
});

test('everyRequestNamesItsClusterAndTheDefaultNamesNone', () => {
  expect(withCluster('api/v1/actions', 'prod')).toBe('api/v1/actions?cluster=prod');
  expect(withCluster('api/v1/counts?scope=shop', 'a/b')).toBe('api/v1/counts?scope=shop&cluster=a%2Fb');
  expect(withCluster('api/v1/actions', null)).toBe('api/v1/actions');
});

test('theOpenPodsClusterIsInTheScreensAddress', () => {
  const route = parseRoute('#/pods?sel=shop/web-1&in=demo-2');
  expect(route.selectedCluster).toBe('demo-2');
  expect(parseRoute(routeHash(route))).toEqual(route);
  expect(parseRoute('#/pods?sel=shop/web-1&in=a%07b').selectedCluster).toBeUndefined();
});

test('tickingAClusterAddsOrRemovesItButNeverTheLastOne', () => {
  expect(toggleCluster(['a'], 'b')).toEqual(['a', 'b']);
  expect(toggleCluster(['a', 'b'], 'a')).toEqual(['b']);
  expect(toggleCluster(['a'], 'a')).toEqual(['a']);
});

test('rowsOfSeveralClustersAreKeyedByClusterAndUid', () => {
  const rows = mergeClusterRows([
    { cluster: 'a', rows: [{ uid: 'u1', name: 'web' }, { uid: 'u2', name: 'db' }] },
    { cluster: 'b', rows: [{ uid: 'u1', name: 'web' }] }, // the same uid in another cluster is another pod
  ]);
  expect(rows.map((r) => r.clusterKey)).toEqual(['a/u1', 'a/u2', 'b/u1']);
  expect(new Set(rows.map((r) => r.clusterKey)).size).toBe(3);
  expect(rows.map((r) => `${r.cluster}:${r.name}`)).toEqual(['a:web', 'a:db', 'b:web']);
});

test('aChangeInOneClusterReTagsOnlyThatClustersRows', () => {
  const merge = createClusterMerger<{ uid: string; v: number }>();
  const a = [{ uid: 'u1', v: 1 }];
  const first = merge([{ cluster: 'a', rows: a }, { cluster: 'b', rows: [{ uid: 'u9', v: 1 }] }]);
  const second = merge([{ cluster: 'a', rows: a }, { cluster: 'b', rows: [{ uid: 'u9', v: 2 }] }]);
  expect(second[0]).toBe(first[0]); // cluster a's row is the same object
  expect(second[1]).not.toBe(first[1]);
  expect(second[1]!.v).toBe(2);
  // Within a changed cluster, a row the store kept (the same object) keeps its tagged copy.
  const kept = { uid: 'u7', v: 1 };
  const third = merge([{ cluster: 'a', rows: [kept, { uid: 'u8', v: 1 }] }]);
  const fourth = merge([{ cluster: 'a', rows: [kept, { uid: 'u8', v: 2 }] }]);
  expect(fourth[0]).toBe(third[0]);
  expect(fourth[1]).not.toBe(third[1]);
});

test('sortedPartsMergeInOrderWithTiesByCluster', () => {
  const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const merge = createClusterMerger<{ uid: string; name: string }>(byName);
  const rows = merge([
    { cluster: 'b', rows: [{ uid: '1', name: 'api' }, { uid: '2', name: 'web' }] },
    { cluster: 'a', rows: [{ uid: '3', name: 'db' }, { uid: '4', name: 'web' }, { uid: '5', name: 'zed' }] },
    { cluster: 'c', rows: [] },
  ]);
  expect(rows.map((r) => `${r.name}@${r.cluster}`)).toEqual(['api@b', 'db@a', 'web@a', 'web@b', 'zed@a']);
  // The same as sorting the whole list, on a larger random case.
  const random = (n: number, seed: number) => Array.from({ length: n }, (_, i) => ({ uid: `${seed}-${i}`, name: `p${(i * 7919 + seed * 104729) % 1000}` })).sort(byName);
  const parts = [0, 1, 2].map((c) => ({ cluster: `c${c}`, rows: random(300 + c * 50, c + 1) }));
  const expected = parts.flatMap((p) => p.rows.map((r) => `${r.name}@${p.cluster}`)).sort((x, y) => byName({ name: x.split('@')[0]! }, { name: y.split('@')[0]! }) || (x < y ? -1 : x > y ? 1 : 0));
  expect(merge(parts).map((r) => `${r.name}@${r.cluster}`)).toEqual(expected);
});

test('anUnknownClusterIsNamedOnlyOnceTheBackendHasAnswered', () => {
  const known = [{ name: 'a' }, { name: 'b' }] as unknown as ClusterSummary[];
  expect(unknownClusters(['a', 'nope'], known)).toEqual(['nope']);
  expect(unknownClusters(['nope'], null)).toEqual([]);
});

/** A linger timer run by hand. */
function handTimers(): PoolTimers & { fire(): void; pending(): number } {
  const timers = new Map<number, () => void>();
  let next = 1;
  return {
    setTimeout: (run) => {
      const id = next++;
      timers.set(id, run);
      return id as unknown as ReturnType<typeof setTimeout>;
    },
    clearTimeout: (id) => void timers.delete(id as unknown as number),
    fire() {
      const runs = [...timers.values()];
      timers.clear();
      for (const run of runs) run();
    },
    pending: () => timers.size,
  };
}

test('thePoolRunsOneEnginePerClusterAndStopsThoseLeftBehindAfterTheirLinger', () => {
  const timers = handTimers();
  const nobody = 'http://127.0.0.1:9/'; // the discard port: nothing answers
  const pool = createEnginePool((cluster) => createEngine({ server: nobody, socket: (url) => new WebSocket(url) as unknown as SocketLike, ...(cluster === null ? {} : { cluster }) }), { timers });
  let notified = 0;
  pool.subscribe(() => notified++);
  try {
    const a1 = pool.hold('a');
    const a2 = pool.hold('a');
    const b = pool.hold('b');
    const fallback = pool.hold(null);
    expect(a1.engine).toBe(a2.engine);
    expect(pool.get('a')).toBe(a1.engine);
    expect(pool.engines().map((e) => e.cluster)).toEqual(['a', 'b', null]);
    expect(notified).toBe(3);

    a1.release();
    a1.release(); // a second release of the same hold counts once
    expect(timers.pending()).toBe(0); // still held by a2
    a2.release();
    expect(timers.pending()).toBe(1);
    // Taken again within the linger: the same warm engine, nothing stopped.
    const again = pool.hold('a');
    expect(again.engine).toBe(a1.engine);
    expect(timers.pending()).toBe(0);
    again.release();
    b.release();
    timers.fire();
    expect(pool.engines().map((e) => e.cluster)).toEqual([null]);
    expect(pool.peek('a')).toBeUndefined();
    // A stopped engine leaves nothing ticking.
    expect(a1.engine.clock.active).toBe(0);
    expect(b.engine.clock.active).toBe(0);
    fallback.release();
    // Asked for and never held (a render whose effect never ran): it lingers and stops too.
    const unheld = pool.get('c');
    timers.fire();
    expect(pool.peek('c')).toBeUndefined();
    expect(unheld.clock.active).toBe(0);
  } finally {
    pool.stop();
  }
  expect(pool.engines()).toEqual([]);
});
