/**
 * A resource domain's columns live beside its rows: they arrive with a snapshot or a reset, stay
 * through updates, and go with the rows when the subscription is dropped.
 */
import { RowStore } from '../../../adapters/engine/store.js';
import type { ColumnDefinition, ResourceRow } from '../../../adapters/protocol.js';

const column = (name: string, type = 'string', priority = 0): ColumnDefinition => ({ name, type, format: name === 'Name' ? 'name' : '', description: '', priority });

function configMap(name: string, rv: string, keys: number): ResourceRow {
  return { uid: `uid-${name}`, resourceVersion: rv, name, namespace: 'shop', createdAt: null, owner: null, deleting: false, cells: [name, keys, '5m'] };
}

const key = 'core/v1/configmaps:shop';
const columns = [column('Name'), column('Data', 'integer'), column('Age')];

test('columnsFromASnapshotStayThroughUpdates', () => {
  const store = new RowStore(() => 0);
  store.applySnapshot(key, { items: [configMap('a', '1', 2)], generation: 3, resourceVersion: '1', source: 'cache', columns });
  expect(store.columns(key)).toEqual(columns);
  store.applyUpdate(key, { changes: [{ op: 'upsert', row: configMap('a', '2', 3) }], generation: 4, seq: 1, resourceVersion: '2' });
  expect(store.columns(key)).toEqual(columns);
  expect(store.collection(key)?.columns).toEqual(columns);
});

test('aResetBringsItsOwnColumns', () => {
  const store = new RowStore(() => 0);
  store.applySnapshot(key, { items: [configMap('a', '1', 2)], generation: 3, resourceVersion: '1', columns });
  const wider = [...columns, column('Immutable', 'boolean', 1)];
  store.applyReset(key, { items: [configMap('a', '2', 2)], generation: 5, seq: 1, resourceVersion: '2', columns: wider });
  expect(store.columns(key)?.map((c) => c.name)).toEqual(['Name', 'Data', 'Age', 'Immutable']);
});

test('aSnapshotThatIsNotAppliedLeavesTheColumnsAlone', () => {
  const store = new RowStore(() => 0);
  store.applyReset(key, { items: [configMap('a', '2', 2)], generation: 9, seq: 1, resourceVersion: '2', columns });
  const older = store.applySnapshot(key, { items: [], generation: 8, resourceVersion: '1', columns: [column('Name')] });
  expect(older.applied).toBe(false);
  expect(store.columns(key)).toEqual(columns);
});

test('builtInDomainsHaveNoColumnsAndDroppedOnesForgetThem', () => {
  const store = new RowStore(() => 0);
  store.applySnapshot('namespaces:', { items: [], generation: 1, resourceVersion: '1' });
  expect(store.columns('namespaces:')).toBeNull();
  store.applySnapshot(key, { items: [configMap('a', '1', 2)], generation: 1, resourceVersion: '1', columns });
  store.drop(key);
  expect(store.columns(key)).toBeNull();
});
