import { defaultColumns, readResourceEvent, readResourcePage, sameColumns, tableColumns } from '../../../adapters/kube/tableRows.js';

const columns = [
  { name: 'Name', type: 'string', format: 'name', description: 'Name', priority: 0 },
  { name: 'Ready', type: 'string', format: '', description: 'ready', priority: 0 },
  { name: 'Age', type: 'date', format: '', description: 'age', priority: 0 },
];

const meta = (name: string, extra: Record<string, unknown> = {}) => ({
  kind: 'PartialObjectMetadata',
  apiVersion: 'meta.k8s.io/v1',
  metadata: { name, namespace: 'shop', uid: `uid-${name}`, resourceVersion: '12', creationTimestamp: '2026-11-30T10:00:00Z', ...extra },
});

describe('Table projection', () => {
  test('a listed Table becomes rows keyed by their metadata, with the cells kubectl prints and the columns', () => {
    const page = readResourcePage({
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: '40', continue: 'next', remainingItemCount: 7 },
      columnDefinitions: columns,
      rows: [
        {
          cells: ['web', '1/1', '3d'],
          object: meta('web', {
            ownerReferences: [{ kind: 'ReplicaSet', name: 'web-1', uid: 'rs', controller: true }],
            deletionTimestamp: '2026-11-30T11:00:00Z',
            annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"password":"c2VjcmV0"}}' },
            labels: { app: 'web' },
          }),
        },
        { cells: ['ghost'] }, // no object: nothing to key it by
      ],
    });
    expect(page.columns).toEqual(columns);
    expect(page).toMatchObject({ resourceVersion: '40', continueToken: 'next', remainingItemCount: 7 });
    expect(page.rows).toEqual([
      {
        uid: 'uid-web',
        resourceVersion: '12',
        name: 'web',
        namespace: 'shop',
        createdAt: '2026-11-30T10:00:00Z',
        owner: { kind: 'ReplicaSet', name: 'web-1', uid: 'rs' },
        deleting: true,
        cells: ['web', '1/1', '3d'],
      },
    ]);
    // Nothing of the annotations or labels is kept: a Secret's last-applied annotation holds its data.
    expect(JSON.stringify(page.rows)).not.toContain('c2VjcmV0');
  });

  test('a server that answers plain JSON gets Name and Created At printed for it', () => {
    const page = readResourcePage({ kind: 'WidgetList', metadata: { resourceVersion: '5' }, items: [{ metadata: { name: 'a', uid: 'u', resourceVersion: '4', creationTimestamp: 't' }, spec: { x: 1 } }] });
    expect(page.columns).toEqual(defaultColumns);
    expect(page.rows[0]).toMatchObject({ uid: 'u', name: 'a', namespace: '', cells: ['a', 't'], owner: null, deleting: false });
  });

  test('a watch carries columns on its first event only, as kube-apiserver sets NoHeaders after it', () => {
    const first = readResourceEvent('ADDED', { kind: 'Table', metadata: { resourceVersion: '13' }, columnDefinitions: columns, rows: [{ cells: ['web', '0/1', '1s'], object: meta('web') }] });
    expect(first.columns).toEqual(columns);
    expect(first.row?.cells).toEqual(['web', '0/1', '1s']);
    const later = readResourceEvent('MODIFIED', { kind: 'Table', metadata: { resourceVersion: '14' }, rows: [{ cells: ['web', '1/1', '2s'], object: meta('web', { resourceVersion: '14' }) }] });
    expect(later.columns).toBeNull();
    expect(later).toMatchObject({ resourceVersion: '14', row: { resourceVersion: '14' } });
  });

  test('a bookmark in a Table watch is a one-row Table printed from an empty object: its resourceVersion, never a row', () => {
    // What kube-apiserver sends: the Table's metadata copies the bookmark's resourceVersion; its
    // one row's object carries nothing else; as the first event it also carries the columns.
    const bookmark = readResourceEvent('BOOKMARK', {
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: '99' },
      columnDefinitions: columns,
      rows: [{ cells: ['', '0/0', '<unknown>'], object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '99' } } }],
    });
    expect(bookmark).toMatchObject({ row: null, resourceVersion: '99', columns });
    // A server that leaves the Table's own metadata empty: the row's object says it.
    const bare = readResourceEvent('BOOKMARK', { kind: 'Table', metadata: {}, rows: [{ cells: [], object: { metadata: { resourceVersion: '100' } } }] });
    expect(bare).toMatchObject({ row: null, resourceVersion: '100' });
    // A plain-JSON watch's bookmark.
    expect(readResourceEvent('BOOKMARK', { kind: 'Widget', metadata: { resourceVersion: '7' } })).toMatchObject({ row: null, resourceVersion: '7', plain: true });
  });

  test('an object the server could not print arrives as it is, and is printed as Name and Created At', () => {
    const event = readResourceEvent('ADDED', { kind: 'Widget', metadata: { name: 'w', uid: 'uw', resourceVersion: '3', creationTimestamp: 't' } });
    expect(event).toMatchObject({ plain: true, row: { uid: 'uw', cells: ['w', 't'] } });
  });

  test('cells that are not scalars become their JSON; numbers that are not finite become null', () => {
    const page = readResourcePage({ kind: 'Table', columnDefinitions: columns, rows: [{ cells: [{ a: 1 }, Number.NaN, null, true, 3], object: meta('x') }] });
    expect(page.rows[0]!.cells).toEqual(['{"a":1}', null, null, true, 3]);
  });

  test('columns compare by name, type, format and priority', () => {
    expect(sameColumns(columns, columns.map((c) => ({ ...c, description: 'other words' })))).toBe(true);
    expect(sameColumns(columns, [...columns, { name: 'Extra', type: 'string', format: '', description: '', priority: 1 }])).toBe(false);
    expect(sameColumns(columns, columns.map((c, i) => (i === 1 ? { ...c, priority: 1 } : c)))).toBe(false);
    expect(sameColumns(null, null)).toBe(true);
    expect(tableColumns({ kind: 'Table', columnDefinitions: [] })).toBeNull();
  });
});
