/**
 * The store keeps one copy of the values many rows repeat (SharedValues): rows read back equal
 * to what arrived, while pods of one owner hold the very same owner and containers.
 */
import { RowStore } from '../../../adapters/engine/store.js';
import { SharedValues, sharedValuesLimit } from '../../../adapters/engine/sharedValues.js';
import type { PodRow } from '../../../adapters/protocol.js';

/** A pod as it arrives in a frame: parsed from JSON, so every value is its own copy. */
function arriving(uid: string, owner: { kind: string; name: string; uid: string } | null, nodeName: string, containers: string[]): PodRow {
  const pod: PodRow = { uid, name: `web-${uid}`, namespace: 'payments-production', resourceVersion: '1', phase: 'Running', ready: '1/1', restarts: 0, nodeName, owner, createdAt: '2026-11-30T17:24:14Z', deleting: false, containers };
  return JSON.parse(JSON.stringify(pod)) as PodRow;
}

test('podsOfOneOwnerHoldOneOwnerAndOneContainerListAndReadBackUnchanged', () => {
  const store = new RowStore();
  const owner = { kind: 'ReplicaSet', name: 'web-5d9c7', uid: 'rs-1' };
  const items = [arriving('a', owner, 'demo-worker-01', ['web', 'sidecar']), arriving('b', owner, 'demo-worker-01', ['web', 'sidecar']), arriving('c', null, 'demo-worker-02', ['web'])];
  const expected = JSON.parse(JSON.stringify(items)) as PodRow[];
  store.applySnapshot('pods:', { items, generation: 1, resourceVersion: '1', source: 'cache' });
  const [a, b, c] = store.rows<PodRow>('pods:');
  expect([a, b, c]).toEqual(expected);
  expect(a!.owner).toBe(b!.owner);
  expect(a!.containers).toBe(b!.containers);
  expect(c!.containers).not.toBe(a!.containers);
  expect(Object.isFrozen(a!.owner)).toBe(true);

  // An update's row shares with what the store holds already.
  store.applyUpdate('pods:', { changes: [{ op: 'upsert', row: arriving('d', owner, 'demo-worker-01', ['web', 'sidecar']) }], generation: 2, seq: 1, resourceVersion: '2' });
  const d = store.collection('pods:')!.rows.get('d') as PodRow;
  expect(d.owner).toBe(a!.owner);
  expect(d.containers).toBe(a!.containers);
});

test('onlyEqualValuesAreShared', () => {
  const shared = new SharedValues();
  const first = shared.share(arriving('a', { kind: 'ReplicaSet', name: 'web-1', uid: 'rs-1' }, 'node-one-long', ['web']));
  // The same uid under another name (a table reused after a recreate, or a lie) is not merged.
  const second = shared.share(arriving('b', { kind: 'ReplicaSet', name: 'web-2', uid: 'rs-1' }, 'node-two-long', ['web', 'x']));
  expect(second.owner).toEqual({ kind: 'ReplicaSet', name: 'web-2', uid: 'rs-1' });
  expect(second.containers).toEqual(['web', 'x']);
  expect(second.nodeName).toBe('node-two-long');
  expect(first.owner?.name).toBe('web-1');
});

test('theTableIsBoundedUnderValuesThatNeverRepeat', () => {
  const shared = new SharedValues();
  for (let i = 0; i < sharedValuesLimit + 10; i++) shared.share(arriving(`u${i}`, { kind: 'ReplicaSet', name: `rs-${i}`, uid: `rs-${i}` }, `node-${i}-long-name`, ['web']));
  expect(shared.size).toBeLessThanOrEqual(sharedValuesLimit);
});

test('aRowTakesTheReplacedRowsCopiesOnlyWhereTheyAreEqual', () => {
  const shared = new SharedValues();
  const owner = { kind: 'ReplicaSet', name: 'web-5d9c7', uid: 'rs-1' };
  const previous = shared.share(arriving('a', owner, 'demo-worker-01', ['web', 'sidecar']));
  // The same pod, changed in another field: its equal values are the very ones it held.
  const next = shared.share({ ...arriving('a', owner, 'demo-worker-01', ['web', 'sidecar']), resourceVersion: '2' }, previous);
  expect(next.owner).toBe(previous.owner);
  expect(next.containers).toBe(previous.containers);
  expect(next.nodeName).toBe(previous.nodeName);
  expect(next.uid).toBe(previous.uid);
  expect(next.name).toBe(previous.name);
  expect(next.resourceVersion).toBe('2');
  // Rescheduled, renamed containers, another owner: its own values, never the replaced row's.
  const moved = shared.share(arriving('a', { kind: 'ReplicaSet', name: 'web-5d9c7', uid: 'rs-2' }, 'demo-worker-02', ['web', 'sidecar', 'x']), previous);
  expect(moved.owner).toEqual({ kind: 'ReplicaSet', name: 'web-5d9c7', uid: 'rs-2' });
  expect(moved.containers).toEqual(['web', 'sidecar', 'x']);
  expect(moved.nodeName).toBe('demo-worker-02');
  const renamed = shared.share({ ...arriving('a', owner, 'demo-worker-01', ['web', 'sidecar']), name: 'web-renamed' }, previous);
  expect(renamed.name).toBe('web-renamed');
  const reordered = shared.share(arriving('a', owner, 'demo-worker-01', ['sidecar', 'web']), previous);
  expect(reordered.containers).toEqual(['sidecar', 'web']);
  // An owner with more than kind, name and uid is no owner to share: it keeps what it has.
  const extra = shared.share({ ...arriving('a', null, 'demo-worker-01', ['web', 'sidecar']), owner: { ...owner, controller: true } as unknown as PodRow['owner'] }, previous);
  expect(extra.owner).toEqual({ ...owner, controller: true });
  // A list the previous row holds unshared (not frozen: not the table's) is not handed on.
  const unshared = { ...arriving('b', owner, 'demo-worker-01', ['web']), containers: ['web', 1] as unknown as string[] };
  const after = shared.share(arriving('b', owner, 'demo-worker-01', ['web', 1] as unknown as string[]), shared.share(unshared));
  expect(after.containers).not.toBe(unshared.containers);
  expect(after.containers).toEqual(['web', 1]);
});
