/**
 * ChangeLog hands incremental readers the uids written to one key, and says 'all' whenever it
 * may have missed a write: a reader that trusted a partial log would show stale rows.
 */
import { ChangeLog } from '../../../adapters/engine/changeLog.js';
import { RowStore } from '../../../adapters/engine/store.js';
import type { PodRow } from '../../../adapters/rows.js';

function pod(uid: string, namespace: string, name: string): PodRow {
  return { uid, namespace, name, resourceVersion: '1', phase: 'Running', ready: '1/1', restarts: 0, nodeName: 'node-1', owner: null, createdAt: null, deleting: false, containers: ['app'] };
}

test('aChangeLogSaysAllWhenItMayHaveMissedSomething', () => {
  const store = new RowStore(() => 0);
  const log = new ChangeLog(store, 'pods:');
  store.applyReset('pods:', { items: [pod('1', 'a', 'web')], generation: 1, seq: 1, resourceVersion: '1' });
  expect(log.take()).toBe('all'); // never attached
  const detach = log.attach();
  expect(log.take()).toBe('all'); // attached after writes it did not see
  store.applyUpdate('pods:', { changes: [{ op: 'upsert', row: pod('2', 'a', 'api') }], generation: 2, seq: 2, resourceVersion: '2' });
  store.applyUpdate('nodes:', { changes: [{ op: 'upsert', row: pod('9', 'a', 'other key') }], generation: 2, seq: 2, resourceVersion: '2' });
  expect([...(log.take() as ReadonlySet<string>)]).toEqual(['2']);
  expect([...(log.take() as ReadonlySet<string>)]).toEqual([]);
  store.applySnapshot('pods:', { items: [pod('3', 'b', 'db')], generation: 3, resourceVersion: '3' });
  expect(log.take()).toBe('all'); // rows replaced
  detach();
  store.applyUpdate('pods:', { changes: [{ op: 'delete', uid: '3' }], generation: 4, seq: 4, resourceVersion: '4' });
  expect(log.take()).toBe('all'); // detached: unseen
});

test('twoReadersAttachAndDetachIndependently', () => {
  const store = new RowStore(() => 0);
  const log = new ChangeLog(store, 'pods:');
  const first = log.attach();
  const second = log.attach();
  log.take();
  first();
  first(); // twice from one attachment counts once
  store.applyReset('pods:', { items: [], generation: 1, seq: 1, resourceVersion: '1' });
  store.applyUpdate('pods:', { changes: [{ op: 'upsert', row: pod('1', 'a', 'web') }], generation: 2, seq: 2, resourceVersion: '2' });
  expect(log.attached).toBe(true);
  expect(log.take()).toBe('all'); // the reset
  store.applyUpdate('pods:', { changes: [{ op: 'upsert', row: pod('2', 'a', 'api') }], generation: 3, seq: 3, resourceVersion: '3' });
  expect([...(log.take() as ReadonlySet<string>)]).toEqual(['2']);
  second();
  expect(log.attached).toBe(false);
});
