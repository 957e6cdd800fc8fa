/**
 * ObjectStore on its own: one revision across writes, lists in key order, paging read from the
 * past so deletes and adds during paging neither drop nor repeat objects, and the change window.
 */
import { ObjectStore, Revision } from '../../demo-cluster/store.js';
import type { KubeObject } from '../../demo-cluster/store.js';

function pod(ns: string, name: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, uid: `${ns}-${name}`, resourceVersion: '', creationTimestamp: '2026-01-01T00:00:00Z', labels } };
}

function names(items: KubeObject[]): string[] {
  return items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
}

test('everyWriteGetsTheNextClusterWideRevision', () => {
  const revision = new Revision();
  const pods = new ObjectStore('pods', revision);
  const nodes = new ObjectStore('nodes', revision);
  const a = pods.create(pod('a', 'one'));
  const n = nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n', uid: 'n', resourceVersion: '', creationTimestamp: '' } });
  const b = pods.create(pod('a', 'two'));
  expect([a.metadata.resourceVersion, n.metadata.resourceVersion, b.metadata.resourceVersion]).toEqual(['1', '2', '3']);
  expect(pods.list().revision).toBe(3);
});

test('pagingStaysAtTheFirstPagesRevisionWhileObjectsAreAddedAndDeleted', () => {
  const store = new ObjectStore('pods', new Revision());
  store.bulkLoad(['a', 'b', 'c', 'd', 'e', 'f'].map((n) => pod('ns', n)));
  const first = store.list({ limit: 2 });
  expect(names(first.items)).toEqual(['ns/a', 'ns/b']);
  store.delete('ns', 'c'); // not yet returned: must still appear
  store.create(pod('ns', 'cc')); // created after the first page: must not appear
  store.delete('ns', 'a'); // already returned: must not reappear
  store.mutate('ns', 'd', (d) => void (d.metadata.labels = { changed: 'yes' })); // must appear as it was
  const second = store.list({ limit: 2, continueToken: first.continueToken });
  const third = store.list({ limit: 2, continueToken: second.continueToken });
  expect(second.revision).toBe(first.revision);
  expect(names([...second.items, ...third.items])).toEqual(['ns/c', 'ns/d', 'ns/e', 'ns/f']);
  expect(second.items[1]?.metadata.labels).toEqual({});
  expect(third.continueToken).toBeUndefined();
  // A fresh list sees the present.
  expect(names(store.list().items)).toEqual(['ns/b', 'ns/cc', 'ns/d', 'ns/e', 'ns/f']);
});

test('aFilteredPageFillsUpToTheLimitAndANamespaceListStaysInItsNamespace', () => {
  const store = new ObjectStore('pods', new Revision());
  store.bulkLoad([pod('a', 'x', { app: 'web' }), pod('a', 'y'), pod('a', 'z', { app: 'web' }), pod('ab', 'w', { app: 'web' }), pod('b', 'v', { app: 'web' })]);
  const web = (o: KubeObject): boolean => o.metadata.labels?.app === 'web';
  const page = store.list({ filter: web, limit: 2 });
  expect(names(page.items)).toEqual(['a/x', 'a/z']);
  expect(names(store.list({ filter: web, continueToken: page.continueToken }).items)).toEqual(['ab/w', 'b/v']);
  expect(names(store.list({ namespace: 'a' }).items)).toEqual(['a/x', 'a/y', 'a/z']);
});

test('changesBeyondTheWindowAreExpired', () => {
  const store = new ObjectStore('pods', new Revision(), 10);
  store.create(pod('ns', 'p'));
  const start = store.list().revision;
  for (let i = 0; i < 5; i++) store.mutate('ns', 'p', (d) => void (d.metadata.labels = { i: String(i) }));
  expect(store.changesSince(start).map((c) => c.type)).toEqual(['MODIFIED', 'MODIFIED', 'MODIFIED', 'MODIFIED', 'MODIFIED']);
  for (let i = 0; i < 20; i++) store.mutate('ns', 'p', (d) => void (d.metadata.labels = { j: String(i) }));
  expect(() => store.changesSince(start)).toThrow(expect.objectContaining({ code: 410, reason: 'Expired' }));
  expect(store.canReplayFrom(store.list().revision)).toBe(true);
});

test('compactionExpiresEveryVersionHandedOutSoFarButNotTheNextList', () => {
  const store = new ObjectStore('pods', new Revision());
  store.create(pod('ns', 'p'));
  store.create(pod('ns', 'q'));
  const before = store.list({ limit: 1 });
  expect(before.continueToken).toBeDefined();
  store.compact();
  expect(store.canReplayFrom(before.revision)).toBe(false);
  expect(() => store.list({ continueToken: before.continueToken })).toThrow(expect.objectContaining({ code: 410 }));
  expect(store.canReplayFrom(store.list().revision)).toBe(true);
});

test('aTamperedContinueTokenIsABadRequest', () => {
  const store = new ObjectStore('pods', new Revision());
  expect(() => store.list({ continueToken: 'bm90IGpzb24' })).toThrow(expect.objectContaining({ code: 400 }));
  expect(() => store.list({ continueToken: Buffer.from('{"rv":"x","start":1}').toString('base64url') })).toThrow(expect.objectContaining({ code: 400 }));
});
