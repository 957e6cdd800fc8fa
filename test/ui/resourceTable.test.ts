/**
 * The generic view's table: the columns kubectl shows (and -o wide), cells read live, sorting by
 * any column with numbers as numbers and ages by creation time, the filter over name, namespace
 * and cells; plus routes that carry the whole screen and Helm releases at their newest revision.
 */
import fc from 'fast-check';
import type { ColumnDefinition, HelmReleaseRow, ResourceRow } from '../../adapters/rows.js';
import { filterReleases, helmLines, helmReleases } from '../../ui/lib/helm.js';
import { sortByKey } from '../../ui/lib/order.js';
import { cellText, filterRows, hasWideColumns, resourceOrder, sortKeyOf, tableColumns, withNumericCells } from '../../ui/lib/resourceTable.js';
import { defaultRoute, objectId, openView, parseRoute, routeHash, type Route } from '../../ui/lib/route.js';

const def = (name: string, type = 'string', priority = 0, format = ''): ColumnDefinition => ({ name, type, format, description: '', priority });
// As the API server prints Services, and a CRD with a date printer column.
const serviceColumns = [def('Name', 'string', 0, 'name'), def('Type'), def('Cluster-IP'), def('External-IP'), def('Port(s)'), def('Age'), def('Selector', 'string', 1)];
const now = Date.parse('2026-11-30T12:00:00Z');

function row(name: string, namespace: string, cells: ResourceRow['cells'], createdAt: string | null = null): ResourceRow {
  return { uid: `uid-${namespace}-${name}`, resourceVersion: '1', name, namespace, createdAt, owner: null, deleting: false, cells };
}

test('priorityZeroColumnsUnlessWideAndNamespaceFirstAcrossNamespaces', () => {
  expect(tableColumns(serviceColumns, { wide: false, withNamespace: false }).map((c) => c.id)).toEqual(['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age']);
  const wide = tableColumns(serviceColumns, { wide: true, withNamespace: true });
  expect(wide.map((c) => c.id)).toEqual(['Namespace', 'Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector']);
  // Cells keep their place in the row whatever is hidden.
  expect(wide.find((c) => c.id === 'Selector')?.index).toBe(6);
  expect(hasWideColumns(serviceColumns)).toBe(true);
  expect(hasWideColumns(serviceColumns.slice(0, 6))).toBe(false);
  // A CRD may name two columns alike; each still has its own id.
  expect(tableColumns([def('Name', 'string', 0, 'name'), def('Ready'), def('Ready')], { wide: false, withNamespace: false }).map((c) => c.id)).toEqual(['Name', 'Ready', 'Ready (2)']);
});

test('ageIsComputedFromCreationTimeAndDatesFromTheirCellNotTheFrozenText', () => {
  const [name, , , , , age] = tableColumns(serviceColumns, { wide: false, withNamespace: false });
  const web = row('web', 'shop', ['web', 'ClusterIP', '10.0.0.1', '<none>', '80/TCP', '3d', 'app=web'], '2026-11-30T11:55:00Z');
  expect(cellText(web, name!, now)).toBe('web');
  expect(cellText(web, age!, now)).toBe('5m');
  expect(cellText(web, age!, now + 60_000)).toBe('6m');
  const [, started] = tableColumns([def('Name', 'string', 0, 'name'), def('Started', 'date')], { wide: false, withNamespace: false });
  expect(cellText(row('w', 'shop', ['w', '2026-11-30T02:00:00Z']), started!, now)).toBe('10h');
  const [, , missing] = tableColumns([def('Name', 'string', 0, 'name'), def('Type'), def('Note')], { wide: false, withNamespace: false });
  expect(cellText(row('w', 'shop', ['w', 'A', null]), missing!, now)).toBe('<none>');
});

test('numbersSortAsNumbersAndAgeByCreationTime', () => {
  const columns = tableColumns([def('Name', 'string', 0, 'name'), def('Data', 'integer'), def('Age')], { wide: false, withNamespace: false });
  const rows = [row('a', 'x', ['a', 10, '1m'], '2026-11-30T11:00:00Z'), row('b', 'x', ['b', 9, '9m'], '2026-11-30T11:59:00Z'), row('c', 'x', ['c', 100, '2d'], '2026-11-28T12:00:00Z')];
  const by = (id: string, descending = false) => sortByKey(rows, sortKeyOf(columns.find((c) => c.id === id)!), descending).map((r) => r.name);
  expect(by('Data')).toEqual(['b', 'a', 'c']);
  expect(by('Data', true)).toEqual(['c', 'a', 'b']);
  // Youngest first, whatever the server's (frozen, text) Age cell says.
  expect(by('Age')).toEqual(['b', 'a', 'c']);
  expect(by('Name', true)).toEqual(['c', 'b', 'a']);
});

test('numericSortIsATotalOrderOverAnyCells', () => {
  const [, data] = tableColumns([def('Name', 'string', 0, 'name'), def('Data', 'integer')], { wide: false, withNamespace: false });
  const key = sortKeyOf(data!);
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.integer(), fc.constant(null), fc.string(), fc.double({ noNaN: true }))), (cells) => {
      const rows = cells.map((c, i) => row(`r${i}`, 'x', [`r${i}`, c]));
      const sorted = sortByKey(rows, key, false).map(key);
      for (let i = 1; i < sorted.length; i++) expect(sorted[i - 1]! <= sorted[i]!).toBe(true);
    }),
  );
});

test('aColumnDeclaredStringThatHoldsNumbersSortsAsNumbers', () => {
  // As kube-apiserver prints ConfigMaps: Data is declared a string and holds integers.
  const declared = tableColumns([def('Name', 'string', 0, 'name'), def('Data'), def('Age')], { wide: false, withNamespace: false });
  const rows = [row('a', 'x', ['a', 10, '1m']), row('b', 'x', ['b', 9, '1m']), row('c', 'x', ['c', 100, '1m'])];
  const [, data] = withNumericCells(declared, rows);
  expect(data!.kind).toBe('number');
  expect(sortByKey(rows, sortKeyOf(data!), false).map((r) => r.name)).toEqual(['b', 'a', 'c']);
  // Text stays text: a column with any text in it, or with nothing in it.
  const mixed = [row('a', 'x', ['a', '10', null]), row('b', 'x', ['b', 9, null])];
  expect(withNumericCells(declared, mixed).map((c) => c.kind)).toEqual(['name', 'text', 'age']);
});

test('theFilterSearchesNameNamespaceAndEveryCellForEveryWord', () => {
  const rows = [row('web', 'shop', ['web', 'ClusterIP', '10.0.0.1', '80/TCP']), row('db', 'data', ['db', 'NodePort', '10.0.0.9', '5432:30001/TCP']), row('cache', 'shop', ['cache', 'ClusterIP', null, '6379/TCP'])];
  expect(filterRows(rows, '').map((r) => r.name)).toEqual(['web', 'db', 'cache']);
  expect(filterRows(rows, 'nodeport').map((r) => r.name)).toEqual(['db']);
  expect(filterRows(rows, 'SHOP clusterip').map((r) => r.name)).toEqual(['web', 'cache']);
  expect(filterRows(rows, '6379').map((r) => r.name)).toEqual(['cache']);
  expect(filterRows(rows, 'shop 5432')).toEqual([]);
  expect([...rows].sort(resourceOrder).map((r) => r.name)).toEqual(['db', 'cache', 'web']);
});

test('aRouteCarriesTheWholeScreenAndReadsBackTheSame', () => {
  const route: Route = { tab: 'resource', domain: 'core/v1/configmaps', namespace: 'shop', filter: 'nginx conf', sort: { column: 'Age', descending: true }, selected: 'shop/nginx-conf', wide: true };
  const hash = routeHash(route);
  expect(hash).toBe('#/r/core/v1/configmaps?ns=shop&q=nginx+conf&sort=-Age&sel=shop%2Fnginx-conf&wide=1');
  expect(parseRoute(hash)).toEqual(route);
  // Routes from before keep working.
  expect(parseRoute('#/pods?ns=shop')).toEqual({ ...defaultRoute, tab: 'pods', namespace: 'shop' });
  expect(parseRoute('#/diagnostics').tab).toBe('diagnostics');
  expect(parseRoute('')).toEqual(defaultRoute);
  // Nonsense is ignored, not subscribed to.
  expect(parseRoute('#/r/not a domain').tab).toBe('nodes');
  expect(parseRoute('#/r/core/v1/configmaps?ns=Bad_NS&sel=../../x').namespace).toBe('');
  expect(parseRoute('#/r/core/v1/configmaps?sel=../../x').selected).toBeNull();
  expect(parseRoute('#/r/example.com/v1/widgets?sel=w1').selected).toBe('w1');
  // Opening another view keeps the namespace only.
  expect(openView(route, 'resource', 'core/v1/secrets')).toEqual({ ...defaultRoute, tab: 'resource', domain: 'core/v1/secrets', namespace: 'shop' });
  expect(objectId('', 'admin')).toBe('admin');
});

test('routesRoundTripForAnyFilterAndSort', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.startsWith('-')), fc.boolean(), (filter, column, descending) => {
      const route: Route = { ...defaultRoute, tab: 'resource', domain: 'apps/v1/deployments', filter, sort: { column, descending } };
      expect(parseRoute(routeHash(route))).toEqual(route);
    }),
  );
});

function revision(release: string, namespace: string, n: number, status: string): HelmReleaseRow {
  return { uid: `${namespace}-${release}-${n}`, resourceVersion: '1', name: `sh.helm.release.v1.${release}.v${n}`, namespace, release, revision: n, chart: 'web', chartVersion: `1.${n}.0`, appVersion: '2.0', status, updated: null, description: '' };
}

test('aHelmReleaseShowsItsNewestRevisionAndItsHistoryWhenOpen', () => {
  const rows = [revision('web', 'shop', 1, 'superseded'), revision('web', 'shop', 3, 'deployed'), revision('web', 'shop', 2, 'superseded'), revision('db', 'data', 1, 'failed')];
  const releases = helmReleases(rows);
  expect(releases.map((r) => [r.id, r.latest.revision, r.latest.status])).toEqual([
    ['data/db', 1, 'failed'],
    ['shop/web', 3, 'deployed'],
  ]);
  expect(helmLines(releases, new Set()).map((l) => l.key)).toEqual(['data/db', 'shop/web']);
  expect(helmLines(releases, new Set(['shop/web'])).map((l) => l.key)).toEqual(['data/db', 'shop/web', 'shop/web#2', 'shop/web#1']);
  expect(filterReleases(releases, 'failed').map((r) => r.id)).toEqual(['data/db']);
  expect(filterReleases(releases, 'web 1.3').map((r) => r.id)).toEqual(['shop/web']);
});
