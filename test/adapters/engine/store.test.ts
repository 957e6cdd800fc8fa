import fc from 'fast-check';
import { digestOf } from '../../../adapters/digest.js';
import { RowStore } from '../../../adapters/engine/store.js';
import { workloadUsage } from '../../../adapters/engine/workloadMetrics.js';
import type { MetricsRow, NodeRow, PodRow, WorkloadRow } from '../../../adapters/protocol.js';

function node(name: string, rv: string, extra: Partial<NodeRow> = {}): NodeRow {
  return {
    uid: `uid-${name}`,
    resourceVersion: rv,
    name,
    roles: ['worker'],
    ready: 'True',
    unschedulable: false,
    taints: [],
    kubeletVersion: 'v1.31.0',
    createdAt: null,
    conditions: [{ type: 'Ready', status: 'True' }],
    capacity: { cpuMillicores: 4000, memoryBytes: 8e9 },
    allocatable: { cpuMillicores: 3800, memoryBytes: 7e9 },
    ...extra,
  };
}

const sample = (name: string, time: string, cpu: number, namespace?: string): MetricsRow => ({
  name,
  ...(namespace ? { namespace } : {}),
  timestamp: time,
  window: '15s',
  usage: { cpuMillicores: cpu, memoryBytes: cpu * 1e6 },
});

describe('row store', () => {
  test('anAnswerShownWhileLoadingIsAppliedAsItsOwnRowsAndAnyOtherAnswerReplacesThem', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 25 }), fc.integer({ min: 1, max: 5 }), fc.boolean(), (ids, pieceSize, sameAnswer) => {
        const store = new RowStore(() => 0);
        const shown = ids.map((i) => node(`n${i}`, `${i}`));
        for (let i = 0; i < shown.length; i += pieceSize) store.showLoading('nodes:', shown.slice(i, i + pieceSize), shown.length);
        // The answer is the rows shown (the same objects), or equal rows parsed again, one of them changed.
        const answer = sameAnswer ? shown : shown.map((row, i) => (i === 0 ? { ...row, resourceVersion: 'changed' } : { ...row }));
        store.applySnapshot('nodes:', { items: answer, generation: 3, resourceVersion: '9' });
        const held = store.collection('nodes:')!;
        expect(held.loading).toBeNull();
        expect([...held.rows.values()].sort((a, b) => a.uid.localeCompare(b.uid))).toEqual([...answer].sort((a, b) => a.uid.localeCompare(b.uid)));
        expect(store.summary('nodes:')).toMatchObject({ count: answer.length, digest: digestOf(answer), generation: 3 });
      }),
    );
  });

  test('anAnswerThatDiffersFromTheRowsShownInOneRowAnywhereInTheirOrderOrByOneMoreIsAppliedAsItsOwnRows', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { minLength: 2, maxLength: 25 }), fc.nat(), fc.constantFrom('one changed', 'reordered', 'one more'), (ids, at, how) => {
        const store = new RowStore(() => 0);
        const shown = ids.map((i) => node(`n${i}`, `${i}`));
        store.showLoading('nodes:', shown, shown.length);
        const changed = at % shown.length;
        // The rows shown, the same objects, but one of them (anywhere) another version; or all of
        // them in another order, one of them a row not shown; or all of them and one more.
        const answer =
          how === 'reordered'
            ? [...shown.slice(1).reverse(), node('other', '1')]
            : how === 'one more'
              ? [...shown, node('other', '1')]
              : shown.map((row, i) => (i === changed ? { ...row, resourceVersion: 'changed' } : row));
        store.applySnapshot('nodes:', { items: answer, generation: 3, resourceVersion: '9' });
        const held = [...store.collection('nodes:')!.rows.values()];
        expect(held.map((row) => `${row.uid}@${row.resourceVersion}`).sort()).toEqual(answer.map((row) => `${row.uid}@${row.resourceVersion}`).sort());
        expect(store.summary('nodes:')).toMatchObject({ count: answer.length, digest: digestOf(answer) });
        expect(store.summary('nodes:')?.digest).toBe(digestOf(held));
      }),
    );
  });

  test('aStaleSnapshotNeverRollsBackWhatTheStreamApplied', () => {
    const store = new RowStore(() => 0);
    store.applyReset('nodes:', { items: [node('a', '5')], generation: 10, seq: 1, resourceVersion: '5' });
    store.applyUpdate('nodes:', { changes: [{ op: 'upsert', row: node('a', '7', { unschedulable: true }) }], generation: 12, seq: 2, resourceVersion: '7' });
    const stale = store.applySnapshot('nodes:', { items: [node('a', '5')], generation: 11, resourceVersion: '5' });
    expect(stale.applied).toBe(false);
    expect(store.rows<NodeRow>('nodes:')[0]).toMatchObject({ resourceVersion: '7', unschedulable: true });
  });

  test('anUpdateOlderThanAPolledSnapshotIsSkippedButCountsItsSeq', () => {
    const store = new RowStore(() => 0);
    store.applySnapshot('nodes:', { items: [node('a', '9')], generation: 20, resourceVersion: '9' });
    store.applyUpdate('nodes:', { changes: [{ op: 'upsert', row: node('a', '8') }], generation: 19, seq: 4, resourceVersion: '8' });
    expect(store.rows('nodes:')[0]?.resourceVersion).toBe('9');
    expect(store.summary('nodes:')?.seq).toBe(4);
  });

  test('aSnapshotAtTheSameGenerationRepairsADriftedStore', () => {
    const store = new RowStore(() => 0);
    store.applyReset('nodes:', { items: [node('a', '1'), node('b', '1')], generation: 5, seq: 1, resourceVersion: '1' });
    store.applyUpdate('nodes:', { changes: [{ op: 'delete', uid: 'uid-b' }], generation: 6, seq: 2, resourceVersion: '2' });
    // The backend says generation 6 holds both nodes (the delete above was a lost frame's doing).
    const items = [node('a', '1'), node('b', '1')];
    const repaired = store.applySnapshot('nodes:', { items, generation: 6, resourceVersion: '2', digest: digestOf(items) });
    expect(repaired.applied).toBe(true);
    expect(store.rows('nodes:')).toHaveLength(2);
  });

  test('theRunningDigestEqualsARecomputationAfterAnyUpdates', () => {
    const change = fc.oneof(
      fc.record({ op: fc.constant('upsert' as const), name: fc.constantFrom('a', 'b', 'c', 'd'), rv: fc.integer({ min: 1, max: 50 }) }),
      fc.record({ op: fc.constant('delete' as const), name: fc.constantFrom('a', 'b', 'c', 'd') }),
    );
    fc.assert(
      fc.property(fc.array(fc.array(change, { maxLength: 5 }), { maxLength: 20 }), (batches) => {
        const store = new RowStore(() => 0);
        store.applyReset('nodes:', { items: [node('a', '1')], generation: 1, seq: 1, resourceVersion: '1' });
        batches.forEach((batch, i) => {
          store.applyUpdate('nodes:', {
            changes: batch.map((c) => (c.op === 'upsert' ? { op: 'upsert' as const, row: node(c.name, String(c.rv)) } : { op: 'delete' as const, uid: `uid-${c.name}` })),
            generation: 2 + i,
            seq: 2 + i,
            resourceVersion: String(i),
          });
        });
        expect(store.summary('nodes:')?.digest).toBe(digestOf(store.rows('nodes:')));
        expect(store.summary('nodes:')?.count).toBe(store.rows('nodes:').length);
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  test('noMetricsUpdateEverChangesANonMetricField', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ name: fc.constantFrom('a', 'b', 'ghost'), second: fc.integer({ min: 0, max: 59 }), cpu: fc.integer({ min: 0, max: 5000 }) }),
          { maxLength: 30 },
        ),
        (samples) => {
          const store = new RowStore(() => 0);
          const rows = [node('a', '3', { unschedulable: true, taints: [{ key: 'k', effect: 'NoSchedule' }] }), node('b', '4', { ready: 'False' })];
          store.applyReset('nodes:', { items: rows, generation: 1, seq: 1, resourceVersion: '4' });
          const before = JSON.stringify(store.rows('nodes:'));
          const summary = JSON.stringify(store.summary('nodes:'));
          for (const s of samples) store.applyMetrics('node', [sample(s.name, `2026-11-26T10:00:${String(s.second).padStart(2, '0')}Z`, s.cpu)]);
          expect(JSON.stringify(store.rows('nodes:'))).toBe(before);
          expect(JSON.stringify(store.summary('nodes:'))).toBe(summary);
        },
      ),
      { numRuns: 200, seed: 11 },
    );
  });

  test('aRepeatedSampleWritesNothingAndNotifiesNobody', async () => {
    const store = new RowStore(() => 0);
    let notified = 0;
    store.subscribe(() => notified++);
    expect(store.applyMetrics('node', [sample('a', '2026-11-26T10:00:00Z', 100)]).changed).toBe(1);
    await Promise.resolve();
    const version = store.metricsVersion;
    const again = store.applyMetrics('node', [sample('a', '2026-11-26T10:00:00Z', 999)]);
    await Promise.resolve();
    expect(again.changed).toBe(0);
    expect(store.metricsVersion).toBe(version);
    expect(notified).toBe(1);
    expect(store.metricsFor('node', 'a')?.usage.cpuMillicores).toBe(100);
  });

  test('aStagedAnswerShowsNothingUntilCommittedThenEqualsOneApply', async () => {
    // Read in any slices, an answer changes no sample, version or listener until its commit; then
    // the store holds what one applyMetrics would have made, history included.
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.record({ name: fc.constantFrom('a', 'b', 'c'), namespace: fc.constantFrom('shop', 'auth'), second: fc.integer({ min: 0, max: 9 }), cpu: fc.integer({ min: 0, max: 5000 }) }), { maxLength: 8 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 4 }),
        (answers, cuts) => {
          const staged = new RowStore(() => 0);
          const whole = new RowStore(() => 0);
          const read = (store: RowStore) => ['a', 'b', 'c'].flatMap((name) => ['shop', 'auth'].map((ns) => JSON.stringify(store.metricsFor('pod', name, ns) ?? null)));
          for (const answer of answers) {
            const items = answer.map((s) => sample(s.name, `2026-11-26T10:00:0${s.second}Z`, s.cpu, s.namespace));
            const expected = whole.applyMetrics('pod', items);
            const before = read(staged);
            const version = staged.metricsVersion;
            const stage = staged.stageMetrics('pod');
            const bounds = [0, ...cuts.map((c) => Math.min(c, items.length)).sort((x, y) => x - y), items.length];
            for (let i = 1; i < bounds.length; i++) {
              stage.read(items, bounds[i - 1]!, bounds[i]!);
              expect(read(staged)).toEqual(before);
              expect(staged.metricsVersion).toBe(version);
            }
            expect(stage.commit()).toEqual(expected);
            expect(read(staged)).toEqual(read(whole));
          }
        },
      ),
      { numRuns: 200, seed: 5 },
    );
  });

  test('aRowsSampleIsItsNamesSampleThroughEveryLaterAnswer', () => {
    // Remembered per row object: a later answer is still seen (the sample is updated in place),
    // and a row first read before its pod had a sample finds the sample once there is one.
    const store = new RowStore(() => 0);
    const web = { name: 'web', namespace: 'shop' };
    const db = { name: 'db', namespace: 'shop' };
    expect(store.metricsOfRow('pod', db)).toBeUndefined();
    store.applyMetrics('pod', [sample('web', '2026-11-26T10:00:00Z', 1, 'shop'), sample('db', '2026-11-26T10:00:00Z', 2, 'shop')]);
    expect(store.metricsOfRow('pod', web)?.usage.cpuMillicores).toBe(1);
    expect(store.metricsOfRow('pod', db)?.usage.cpuMillicores).toBe(2);
    store.applyMetrics('pod', [sample('web', '2026-11-26T10:00:15Z', 3, 'shop')]);
    expect(store.metricsOfRow('pod', web)?.usage.cpuMillicores).toBe(3);
    expect(store.metricsOfRow('pod', web)).toBe(store.metricsFor('pod', 'web', 'shop'));
    expect(store.metricsOfRow('node', web)).toBeUndefined();
  });

  test('twoAnswersStagedTogetherCommitAsIfOneFollowedTheOther', () => {
    // A later answer committed while an earlier one was still being read: the earlier commit
    // writes only what moved past what the store now holds, and adds no sample twice.
    const store = new RowStore(() => 0);
    const first = store.stageMetrics('pod');
    const second = store.stageMetrics('pod');
    const items = [sample('web', '2026-11-26T10:00:00Z', 1, 'shop')];
    first.read(items, 0, 1);
    second.read(items, 0, 1);
    expect(second.commit().changed).toBe(1);
    expect(first.commit().changed).toBe(0);
    expect(store.metricsFor('pod', 'web', 'shop')?.history).toHaveLength(1);
  });

  test('eachSampleKeepsItsOwnTimeAndPlaceWhateverTheListMixes', () => {
    // One list mixing namespaces and scrape times, a node and pods of one name: each sample is
    // found under its own kind and namespace and carries its own timestamp.
    const store = new RowStore(() => 0);
    store.applyMetrics('pod', [
      sample('web', '2026-11-26T10:00:00Z', 1, 'shop'),
      sample('web', '2026-11-26T10:00:00Z', 2, 'auth'),
      sample('api', '2026-11-26T10:00:15Z', 3, 'shop'),
      sample('db', '2026-11-26T10:00:00Z', 4, 'shop'),
      sample('lone', '2026-11-26T10:00:30Z', 5),
    ]);
    store.applyMetrics('node', [sample('web', '2026-11-26T10:00:45Z', 6)]);
    const read = (kind: 'node' | 'pod', name: string, namespace?: string) => {
      const s = store.metricsFor(kind, name, namespace);
      return s ? [s.usage.cpuMillicores, new Date(s.sampleTime!).toISOString()] : null;
    };
    expect(read('pod', 'web', 'shop')).toEqual([1, '2026-11-26T10:00:00.000Z']);
    expect(read('pod', 'web', 'auth')).toEqual([2, '2026-11-26T10:00:00.000Z']);
    expect(read('pod', 'api', 'shop')).toEqual([3, '2026-11-26T10:00:15.000Z']);
    expect(read('pod', 'db', 'shop')).toEqual([4, '2026-11-26T10:00:00.000Z']);
    expect(read('pod', 'lone')).toEqual([5, '2026-11-26T10:00:30.000Z']);
    expect(read('node', 'web')).toEqual([6, '2026-11-26T10:00:45.000Z']);
    expect(read('pod', 'web')).toBeNull();
    expect(read('pod', 'api', 'auth')).toBeNull();
  });

  test('metricsForAnObjectNotYetPresentWaitAndApplyWhenItArrives', () => {
    const store = new RowStore(() => 0);
    store.applyMetrics('pod', [sample('web-1', '2026-11-26T10:00:00Z', 250, 'shop')]);
    expect(store.rows('pods:')).toHaveLength(0);
    const pod: PodRow = {
      uid: 'p1', resourceVersion: '1', name: 'web-1', namespace: 'shop', phase: 'Running', ready: '1/1', restarts: 0,
      nodeName: 'n1', owner: null, createdAt: null, deleting: false, containers: ['web'],
    };
    store.applyReset('pods:', { items: [pod], generation: 1, seq: 1, resourceVersion: '1' });
    expect(store.metricsFor('pod', 'web-1', 'shop')?.usage.cpuMillicores).toBe(250);
  });

  test('everyWriteToRowsIsToldAsItHappensAndAnIgnoredOneIsNot', () => {
    const store = new RowStore(() => 0);
    const told: string[] = [];
    const stop = store.onRowsChanged((c) => told.push(`${c.key} ${c.uids === 'all' ? 'all' : c.uids.join(',')}`));
    store.applyReset('nodes:', { items: [node('a', '1')], generation: 1, seq: 1, resourceVersion: '1' });
    store.applyUpdate('nodes:', { changes: [{ op: 'upsert', row: node('b', '2') }, { op: 'delete', uid: 'uid-a' }], generation: 2, seq: 2, resourceVersion: '2' });
    store.applyUpdate('nodes:', { changes: [{ op: 'upsert', row: node('c', '1') }], generation: 2, seq: 3, resourceVersion: '2' }); // not newer: ignored
    store.applySnapshot('nodes:', { items: [node('b', '2')], generation: 1, resourceVersion: '1' }); // stale: ignored
    store.applySnapshot('nodes:', { items: [node('b', '3')], generation: 3, resourceVersion: '3' });
    store.drop('nodes:');
    stop();
    store.applyReset('nodes:', { items: [], generation: 1, seq: 1, resourceVersion: '1' });
    expect(told).toEqual(['nodes: all', 'nodes: uid-b,uid-a', 'nodes: all', 'nodes: all']);
  });

  test('eachLoadingPieceIsToldWithItsUidsToWhoeverListensThen', () => {
    const store = new RowStore(() => 0);
    // Nobody listens to the first piece: it is shown all the same.
    expect(store.showLoading('nodes:', [node('a', '1'), node('b', '1')], 4)).toBe(true);
    const told: string[] = [];
    const stop = store.onRowsChanged((c) => told.push(`${c.key} ${c.uids === 'all' ? 'all' : c.uids.join(',')}`));
    store.showLoading('nodes:', [node('c', '1')], 4);
    store.showLoading('nodes:', [node('d', '1'), node('a', '2')], 4);
    stop();
    store.showLoading('nodes:', [node('e', '1')], 5);
    expect(told).toEqual(['nodes: uid-c', 'nodes: uid-d,uid-a']);
    expect(store.rows('nodes:').map((r) => `${r.uid}@${r.resourceVersion}`)).toEqual(['uid-a@2', 'uid-b@1', 'uid-c@1', 'uid-d@1', 'uid-e@1']);
  });

  test('workloadUsageSumsPodsThroughReplicaSetsToDeployments', () => {
    const store = new RowStore(() => 0);
    const wl = (uid: string, kind: WorkloadRow['kind'], owner: WorkloadRow['owner'] = null): WorkloadRow => ({
      uid, resourceVersion: '1', name: uid, kind, namespace: 'shop', desired: 2, ready: 2, available: 2, owner, createdAt: null,
    });
    store.applyReset('workloads:', {
      items: [wl('dep', 'Deployment'), wl('rs', 'ReplicaSet', { kind: 'Deployment', name: 'dep', uid: 'dep' }), wl('sts', 'StatefulSet')],
      generation: 1, seq: 1, resourceVersion: '1',
    });
    const pod = (name: string, owner: PodRow['owner']): PodRow => ({
      uid: name, resourceVersion: '1', name, namespace: 'shop', phase: 'Running', ready: '1/1', restarts: 0, nodeName: 'n', owner, createdAt: null, deleting: false, containers: ['c'],
    });
    store.applyReset('pods:', {
      items: [pod('w1', { kind: 'ReplicaSet', name: 'rs', uid: 'rs' }), pod('w2', { kind: 'ReplicaSet', name: 'rs', uid: 'rs' }), pod('s1', { kind: 'StatefulSet', name: 'sts', uid: 'sts' })],
      generation: 1, seq: 1, resourceVersion: '1',
    });
    store.applyMetrics('pod', [sample('w1', '2026-11-26T10:00:00Z', 100, 'shop'), sample('w2', '2026-11-26T10:00:00Z', 50, 'shop'), sample('s1', '2026-11-26T10:00:00Z', 7, 'shop')]);
    const usage = workloadUsage(store, 'pods:', 'workloads:');
    expect(usage.get('dep')).toEqual({ cpuMillicores: 150, memoryBytes: 150e6, pods: 2 });
    expect(usage.get('sts')).toEqual({ cpuMillicores: 7, memoryBytes: 7e6, pods: 1 });
  });

  describe('fresh reads win', () => {
    const fresh = [node('a', '9'), node('c', '9')];
    const cached = [node('a', '5'), node('b', '5')]; // b was deleted and c created after the cache stalled

    test('aResetBehindAReadFromTheApiServerIsRefusedCountedAndMovesOnlyTheSeq', () => {
      const store = new RowStore(() => 0);
      store.applySnapshot('nodes:', { items: fresh, generation: 20, resourceVersion: '9', source: 'api' });
      const result = store.applyReset('nodes:', { items: cached, generation: 15, seq: 1, resourceVersion: '5' });
      expect(result).toEqual({ applied: false, count: 2, refused: true });
      expect(store.rows('nodes:').map((r) => `${r.uid}@${r.resourceVersion}`).sort()).toEqual(['uid-a@9', 'uid-c@9']);
      expect(store.collection('nodes:')).toMatchObject({ seq: 1, generation: 20, source: 'api', refused: 1 });
    });

    test('anUpdateBehindAReadFromTheApiServerIsRefusedAndCounted', () => {
      const store = new RowStore(() => 0);
      store.applySnapshot('nodes:', { items: fresh, generation: 20, resourceVersion: '9', source: 'api' });
      const result = store.applyUpdate('nodes:', { changes: [{ op: 'upsert', row: node('b', '6') }], generation: 20, seq: 2, resourceVersion: '6' });
      expect(result.refused).toBe(true);
      expect(store.rows('nodes:').some((r) => r.uid === 'uid-b')).toBe(false);
      expect(store.collection('nodes:')?.refused).toBe(1);
    });

    test('aResetNewerThanTheReadIsApplied', () => {
      const store = new RowStore(() => 0);
      store.applySnapshot('nodes:', { items: fresh, generation: 20, resourceVersion: '9', source: 'api' });
      expect(store.applyReset('nodes:', { items: [node('a', '10')], generation: 21, seq: 1, resourceVersion: '10' }).applied).toBe(true);
      expect(store.collection('nodes:')).toMatchObject({ source: 'stream', generation: 21, refused: 0 });
    });

    test('aResetIsStillAppliedOverTheBackendsOwnCachedSnapshot', () => {
      // Only a read from the API server outranks the cache; the cache's own snapshot does not.
      const store = new RowStore(() => 0);
      store.applySnapshot('nodes:', { items: fresh, generation: 20, resourceVersion: '9', source: 'cache' });
      expect(store.applyReset('nodes:', { items: cached, generation: 15, seq: 1, resourceVersion: '5' }).applied).toBe(true);
    });

    test('interleavedPollsAndStaleFramesNeverFlipTheViewBackToTheStaleRows', () => {
      type Step = { kind: 'poll' } | { kind: 'staleReset' } | { kind: 'staleUpdate' } | { kind: 'churn' };
      const step = fc.constantFrom<Step>({ kind: 'poll' }, { kind: 'staleReset' }, { kind: 'staleUpdate' }, { kind: 'churn' });
      fc.assert(
        fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
          const store = new RowStore(() => 0);
          // The cluster moves on; the stalled cache stays at generation 10 with its own rows.
          let truth = [node('a', '1'), node('b', '1')];
          let generation = 10;
          let seq = 0;
          let lastRead: string[] | null = null;
          for (const s of steps) {
            if (s.kind === 'churn') {
              const rv = String(Number(truth[0]!.resourceVersion) + 1);
              truth = [node('a', rv), node(`n${rv}`, rv)];
            } else if (s.kind === 'poll') {
              generation++; // a read from the API server is stamped newer than anything the cache applied
              store.applySnapshot('nodes:', { items: truth, generation, resourceVersion: truth[0]!.resourceVersion, digest: digestOf(truth), source: 'api' });
              lastRead = truth.map((r) => `${r.uid}@${r.resourceVersion}`).sort();
            } else if (s.kind === 'staleReset') {
              store.applyReset('nodes:', { items: [node('a', '0'), node('old', '0')], generation: 10, seq: ++seq, resourceVersion: '0' });
            } else {
              store.applyUpdate('nodes:', { changes: [{ op: 'upsert', row: node('old', '0') }], generation: 10, seq: ++seq, resourceVersion: '0' });
            }
            if (lastRead) expect(store.rows('nodes:').map((r) => `${r.uid}@${r.resourceVersion}`).sort()).toEqual(lastRead);
          }
        }),
        { numRuns: 300, seed: 11 },
      );
    });
  });
});
