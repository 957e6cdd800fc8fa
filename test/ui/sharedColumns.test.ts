/**
 * The generic view across clusters: columns of API servers that print different ones are matched
 * by name, those all print first, and a row's cell is read from its own cluster's definitions,
 * never by position from another's.
 */
import type { ColumnDefinition, ResourceRow } from '../../adapters/rows.js';
import { cellText, sharedColumns } from '../../ui/lib/resourceTable.js';

const def = (name: string, priority = 0, format = ''): ColumnDefinition => ({ name, type: 'string', format, description: '', priority });
const now = Date.parse('2026-11-30T12:00:00Z');

// An older server printing Deployments without Up-to-date, and a newer one with it, in another place.
const older = [def('Name', 0, 'name'), def('Ready'), def('Available'), def('Age'), def('Images', 1)];
const newer = [def('Name', 0, 'name'), def('Ready'), def('Up-to-date'), def('Available'), def('Age'), def('Containers', 1)];

function row(cells: ResourceRow['cells']): ResourceRow {
  return { uid: 'u', resourceVersion: '1', name: 'web', namespace: 'shop', createdAt: null, owner: null, deleting: false, cells };
}

test('columnsEveryClusterPrintsComeFirstInTheFirstClustersOrderThenTheRest', () => {
  const shown = sharedColumns(['old', 'new'], { old: older, new: newer }, false);
  expect(shown.map((c) => c.id)).toEqual(['Name', 'Ready', 'Available', 'Age', 'Up-to-date']);
  expect([...shown.find((c) => c.id === 'Up-to-date')!.byCluster.keys()]).toEqual(['new']);
});

test('aCellIsReadFromItsOwnClustersDefinitionsByName', () => {
  const shown = sharedColumns(['old', 'new'], { old: older, new: newer }, false);
  const available = shown.find((c) => c.id === 'Available')!;
  // Available is index 2 on the older server and index 3 on the newer one.
  expect(cellText(row(['web', '2/2', 2, '1d']), available.byCluster.get('old')!, now)).toBe('2');
  expect(cellText(row(['web', '1/1', 1, 5, '1d']), available.byCluster.get('new')!, now)).toBe('5');
  expect(shown.find((c) => c.id === 'Up-to-date')!.byCluster.get('old')).toBeUndefined();
});

test('wideAddsEachServersOwnExtraColumnsAndAClusterNotAnsweredYetIsLeftOut', () => {
  const wide = sharedColumns(['old', 'new', 'slow'], { old: older, new: newer, slow: null }, true);
  expect(wide.map((c) => c.id)).toEqual(['Name', 'Ready', 'Available', 'Age', 'Images', 'Up-to-date', 'Containers']);
  expect(sharedColumns(['slow'], { slow: null }, false)).toEqual([]);
});
