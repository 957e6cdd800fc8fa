/**
 * The bench's load source (demo-cluster/load.ts) makes real changes: each one recorded through
 * the store with a new resourceVersion, seen by watchers and kept in the history as any other
 * write, every pod in turn, and following pods that come and go.
 */
import { beatAnnotation, LoadSource } from '../../demo-cluster/load.js';
import { ObjectStore, Revision, type Change, type KubeObject } from '../../demo-cluster/store.js';

function pod(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'shop', uid: `uid-${name}`, resourceVersion: '', creationTimestamp: '2026-11-30T00:00:00Z', annotations: { team: 'checkout' } }, spec: { containers: [{ name: 'app' }] } };
}

function storeOf(names: string[]): ObjectStore {
  const store = new ObjectStore('pods', new Revision());
  store.bulkLoad(names.map(pod));
  return store;
}

test('recordsEachChangeThroughTheStoreAsAWatcherSeesIt', () => {
  const store = storeOf(['a', 'b', 'c']);
  const seen: Change[] = [];
  store.subscribe((c) => seen.push(c));
  const from = store.currentRevision();
  expect(new LoadSource(store).change(5)).toBe(5);
  expect(seen.map((c) => c.type)).toEqual(['MODIFIED', 'MODIFIED', 'MODIFIED', 'MODIFIED', 'MODIFIED']);
  // Every pod once before any twice.
  expect(seen.map((c) => c.object.metadata.name)).toEqual(['a', 'b', 'c', 'a', 'b']);
  expect(seen.map((c) => Number(c.object.metadata.resourceVersion))).toEqual([from + 1, from + 2, from + 3, from + 4, from + 5]);
  expect(store.changesSince(from)).toHaveLength(5);
  expect(store.get('shop', 'a')!.metadata.annotations).toEqual({ team: 'checkout', [beatAnnotation]: '4' });
});

test('leavesTheStoredObjectsItReplacedAsTheyWere', () => {
  const store = storeOf(['a']);
  const before = store.get('shop', 'a')!;
  const rv = before.metadata.resourceVersion;
  new LoadSource(store).change(1);
  expect(before.metadata.resourceVersion).toBe(rv);
  expect(before.metadata.annotations).toEqual({ team: 'checkout' });
  expect(store.get('shop', 'a')!.metadata.uid).toBe('uid-a');
});

test('followsPodsThatComeAndGo', () => {
  const store = storeOf(['a', 'b']);
  const source = new LoadSource(store);
  const names: string[] = [];
  store.subscribe((c) => names.push(`${c.type} ${c.object.metadata.name}`));
  source.change(1);
  store.delete('shop', 'b');
  store.create(pod('c'));
  source.change(3);
  expect(names).toEqual(['MODIFIED a', 'DELETED b', 'ADDED c', 'MODIFIED a', 'MODIFIED c', 'MODIFIED a']);
  expect(new LoadSource(storeOf([])).change(10)).toBe(0);
});
