/**
 * RowStore.applyChanges: a poll's changes since a generation apply only onto that state or a
 * later one the stream brought, and say whether the store then holds the view they describe.
 */
import { digestOf } from '../../../adapters/digest.js';
import { RowStore } from '../../../adapters/engine/store.js';
import type { Row } from '../../../adapters/protocol.js';

const row = (uid: string, resourceVersion: string): Row => ({ uid, resourceVersion, name: uid }) as Row;

function storeAt(generation: number, source: 'cache' | 'api', rows: Row[]): RowStore {
  const store = new RowStore();
  store.applySnapshot('k', { items: rows, generation, resourceVersion: '1', source });
  return store;
}

const view = (rows: Row[]) => ({ count: rows.length, digest: digestOf(rows) });

test('changesSinceTheStoresGenerationApplyAndAgree', () => {
  const store = storeAt(10, 'cache', [row('a', '1'), row('b', '1')]);
  const after = [row('a', '2'), row('c', '3')];
  const result = store.applyChanges('k', { since: 10, changes: [{ op: 'upsert', row: row('a', '2') }, { op: 'delete', uid: 'b' }, { op: 'upsert', row: row('c', '3') }], generation: 14, resourceVersion: '3', ...view(after) });
  expect(result).toEqual({ applied: true, count: 2, agrees: true });
  expect(store.summary('k')).toMatchObject({ generation: 14, resourceVersion: '3', source: 'cache', digest: digestOf(after) });
});

test('aStoreTheStreamMovedOnStillAgreesForChangesItAlreadyHas', () => {
  const store = storeAt(10, 'cache', [row('a', '1')]);
  store.applyUpdate('k', { changes: [{ op: 'upsert', row: row('a', '2') }], generation: 12, seq: 1, resourceVersion: '2' });
  const after = [row('a', '2'), row('b', '4')];
  expect(store.applyChanges('k', { since: 10, changes: [{ op: 'upsert', row: row('a', '2') }, { op: 'upsert', row: row('b', '4') }], generation: 15, resourceVersion: '4', ...view(after) }).agrees).toBe(true);
  // An answer older than what the stream brought changes nothing.
  expect(store.applyChanges('k', { since: 10, changes: [{ op: 'upsert', row: row('a', '1') }], generation: 11, resourceVersion: '1', ...view([row('a', '1')]) })).toEqual({ applied: false, count: 2, agrees: true });
  expect(store.summary('k')!.generation).toBe(15);
});

test('changesAreNotAppliedWhereTheRingDoesNotStart', () => {
  // Rows read from the API server: their generation is not a state of the ring.
  const fresh = storeAt(10, 'api', [row('a', '1')]);
  expect(fresh.applyChanges('k', { since: 10, changes: [], generation: 12, resourceVersion: '1', ...view([row('a', '1')]) })).toEqual({ applied: false, count: 1, agrees: false });
  // A store behind `since` (dropped and refilled meanwhile) misses changes before it.
  const behind = storeAt(8, 'cache', [row('a', '1')]);
  expect(behind.applyChanges('k', { since: 10, changes: [], generation: 12, resourceVersion: '1', ...view([row('a', '1')]) }).agrees).toBe(false);
  expect(behind.summary('k')!.generation).toBe(8);
});

test('changesThatLeaveADifferentDigestDisagree', () => {
  const store = storeAt(10, 'cache', [row('a', '1'), row('ghost', '1')]);
  const after = [row('a', '2')];
  expect(store.applyChanges('k', { since: 10, changes: [{ op: 'upsert', row: row('a', '2') }], generation: 11, resourceVersion: '2', ...view(after) }).agrees).toBe(false);
});
