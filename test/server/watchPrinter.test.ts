/**
 * What `kubelive watch` prints, without a cluster: the table kubectl's tab writer would lay out,
 * live ages, and change lines that name time, event, kind and object, deletes included.
 */
import type { ColumnDefinition, ResourceRow } from '../../adapters/rows.js';
import { changeJson, changeLine, endedLine, formatTable, printColumns, rowOrder, type WatchView } from '../../server/watchPrinter.js';

const column = (name: string, more: Partial<ColumnDefinition> = {}): ColumnDefinition => ({ name, type: 'string', format: '', description: '', priority: 0, ...more });
const definitions = [column('Name', { format: 'name' }), column('Data', { type: 'integer' }), column('Age'), column('Labels', { priority: 1 })];

const now = Date.parse('2026-11-30T12:00:00Z');
const row = (namespace: string, name: string, data: number, createdAt: string): ResourceRow => ({
  uid: `${namespace}/${name}`,
  resourceVersion: '1',
  name,
  namespace,
  createdAt,
  owner: null,
  deleting: false,
  // The Age the server printed is frozen at projection: the printer reads createdAt instead.
  cells: [name, data, '1s', 'app=x'],
});

const view: WatchView = { domain: 'core/v1/configmaps', scope: '', kind: 'ConfigMap', allNamespaces: true };

test('aTableIsLaidOutAsKubectlsTabWriterDoesWithNamespaceFirstAndOnlyPriorityZeroColumns', () => {
  const rows = [row('shop', 'frontend-config', 3, '2026-11-30T11:55:00Z'), row('kube-system', 'coredns', 12, '2026-11-28T12:00:00Z')];
  expect(formatTable(printColumns(view, definitions), rows, now)).toEqual([
    'NAMESPACE     NAME              DATA   AGE',
    'shop          frontend-config   3      5m',
    'kube-system   coredns           12     2d',
  ]);
  expect(formatTable(printColumns({ ...view, allNamespaces: false }, definitions), [], now)).toEqual([]);
});

test('aChangeLineNamesTimeEventKindAndObjectThenTheOtherCells', () => {
  const columns = printColumns(view, definitions);
  const r = row('shop', 'frontend-config', 4, '2026-11-30T11:55:00Z');
  expect(changeLine('MODIFIED', r, view, columns, now)).toBe('2026-11-30T12:00:00.000Z  MODIFIED  ConfigMap  shop/frontend-config  DATA=4 AGE=5m');
  expect(changeLine('DELETED', r, view, columns, now)).toBe('2026-11-30T12:00:00.000Z  DELETED   ConfigMap  shop/frontend-config');
  const nodes: WatchView = { domain: 'nodes', scope: '', kind: null, allNamespaces: false };
  const node = { uid: 'n1', resourceVersion: '2', name: 'worker-1', roles: ['worker'], ready: 'True', unschedulable: true, taints: [], kubeletVersion: 'v1.31.4', createdAt: '2026-11-30T09:00:00Z', conditions: [], capacity: { cpuMillicores: 1, memoryBytes: 1 }, allocatable: { cpuMillicores: 1, memoryBytes: 1 } };
  expect(changeLine('ADDED', node, nodes, printColumns(nodes, null), now)).toBe('2026-11-30T12:00:00.000Z  ADDED     Node  worker-1  STATUS=Ready,SchedulingDisabled ROLES=worker AGE=3h VERSION=v1.31.4');
});

test('aJsonLineKeepsTypeKeyAndRowAndAddsTimeKindNamespaceNameAndColumns', () => {
  const r = row('shop', 'frontend-config', 4, '2026-11-30T11:55:00Z');
  expect(JSON.parse(changeJson('DELETED', 'core/v1/configmaps:', r, view, definitions, now))).toEqual({
    type: 'DELETED',
    key: 'core/v1/configmaps:',
    row: r,
    time: '2026-11-30T12:00:00.000Z',
    kind: 'ConfigMap',
    namespace: 'shop',
    name: 'frontend-config',
    columns: ['Name', 'Data', 'Age', 'Labels'],
  });
});

test('aCellWithALineBreakIsCutThereAsKubectlCutsIt', () => {
  const r = { ...row('shop', 'x', 1, '2026-11-30T11:59:00Z'), cells: ['x', 'two\nlines', null, null] };
  const lines = formatTable(printColumns({ ...view, allNamespaces: false }, definitions), [r], now);
  expect(lines[1]).toBe('x      two...   60s');
});

test('theNameColumnPrintsTheServersCellWhichCanSayMoreThanTheName', () => {
  const classes: WatchView = { domain: 'storage.k8s.io/v1/storageclasses', scope: '', kind: 'StorageClass', allNamespaces: false };
  const defs = [column('Name', { format: 'name' }), column('Provisioner')];
  const r = { ...row('', 'standard', 0, '2026-11-30T11:00:00Z'), cells: ['standard (default)', 'rancher.io/local-path'] };
  expect(formatTable(printColumns(classes, defs), [r], now)).toEqual(['NAME                 PROVISIONER', 'standard (default)   rancher.io/local-path']);
  expect(changeLine('ADDED', r, classes, printColumns(classes, defs), now)).toBe('2026-11-30T12:00:00.000Z  ADDED     StorageClass  standard  PROVISIONER=rancher.io/local-path');
});

test('logLinesPrintInTimeOrderAndAChangeLineNamesTheirContainer', () => {
  const logs: WatchView = { domain: 'pod-logs', scope: 'data/postgres-0', kind: null, allNamespaces: false };
  const line = (container: string, time: string, text: string) => ({ uid: `${container}@${time}#0`, resourceVersion: '1', name: `${container}@${time}#0`, container, time, line: text });
  const rows = [line('sidecar', '2026-11-30T11:00:02Z', 'b'), line('postgres', '2026-11-30T11:00:03Z', 'c'), line('postgres', '2026-11-30T11:00:01Z', 'a')];
  expect(rows.sort(rowOrder(logs)).map((r) => r.line)).toEqual(['a', 'b', 'c']);
  expect(changeLine('ADDED', rows[0]!, logs, printColumns(logs, null), now)).toBe('2026-11-30T12:00:00.000Z  ADDED     LogLine  postgres  TIME=2026-11-30T11:00:01Z LINE=a');
});

test('aLogThatEndedIsSaidInWordsNamingThePodAndACodeNotKnownHereIsNamedAsIs', () => {
  const view: WatchView = { domain: 'pod-logs', scope: 'shop/web-0/app', kind: null, allNamespaces: false };
  expect(endedLine(view, 'pod-deleted')).toBe('pod shop/web-0 was deleted: its log is complete, the lines above are all there will be');
  expect(endedLine(view, 'node-gone')).toBe('the log of shop/web-0/app ended (node-gone): the lines above are all there will be');
  expect(endedLine(view, null)).toMatch(/^a new pod took the name shop\/web-0: /);
});
