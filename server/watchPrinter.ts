/**
 * watchPrinter says what `kubelive watch` prints: a domain's rows as a table the way `kubectl get`
 * prints it, then each change as one line naming its time, event, kind and object. Pure: rows,
 * columns and a clock reading in; text out.
 *
 * A resource domain prints the columns the API server gave (priority 0, as `kubectl get` without
 * `-o wide`), preceded by NAMESPACE across all namespaces (as `-A`). The Age cell is computed from
 * the object's creation time at print time: the server's cell was true when the row was projected
 * and is frozen from then on. The built-in domains print kubectl's columns for their kind from
 * their richer rows.
 */
import type {
  ApiResourceRow,
  ColumnDefinition,
  EventRow,
  HelmReleaseRow,
  LogLineRow,
  NamespaceRow,
  NodeRow,
  PodRow,
  ResourceRow,
  Row,
  WorkloadRow,
} from '../adapters/rows.js';
import { humanAge } from '../demo-cluster/columns.js';
import type { Domain } from '../machines/domains.js';
import { isResourceDomain } from '../machines/domains.js';
import { podDeletedEnd } from '../machines/types.js';

/** What is being watched, as far as printing goes. */
export interface WatchView {
  readonly domain: Domain;
  readonly scope: string;
  /** The kind of a resource domain (from discovery), e.g. `Widget`; null for the built-in domains. */
  readonly kind: string | null;
  /** Whether the rows span every namespace of a namespaced kind: a NAMESPACE column leads. */
  readonly allNamespaces: boolean;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One printed column: its header and how a row reads in it at `now`. */
export interface PrintColumn {
  readonly header: string;
  /** The name and namespace columns identify the row; change lines name them apart from the cells. */
  readonly identity?: boolean;
  cell(row: Row, now: number): string;
}

const ageOf = (createdAt: string | null, now: number): string => {
  const at = createdAt ? Date.parse(createdAt) : Number.NaN;
  return Number.isFinite(at) ? humanAge(now - at) : '<unknown>';
};

const column = <R extends Row>(header: string, cell: (row: R, now: number) => string, identity = false): PrintColumn => ({
  header,
  identity,
  cell: cell as (row: Row, now: number) => string,
});

const nameColumn = column('NAME', (r) => r.name, true);
const namespaceColumn = column<Row & { namespace?: string }>('NAMESPACE', (r) => r.namespace ?? '', true);

/** A cell as kubectl writes it: nothing for null, the text up to a line break then `...`. */
export function cellText(cell: ResourceRow['cells'][number] | undefined): string {
  if (cell === null || cell === undefined) return '';
  const text = String(cell);
  const lineBreak = text.search(/[\n\r\f]/);
  return lineBreak < 0 ? text : `${text.slice(0, lineBreak)}...`;
}

function nodeStatus(r: NodeRow): string {
  const ready = r.ready === 'True' ? 'Ready' : r.ready === 'False' ? 'NotReady' : 'Unknown';
  return r.unschedulable ? `${ready},SchedulingDisabled` : ready;
}

/** kubectl's columns for the built-in domains, from their rows. */
const builtinColumns: Partial<Record<Domain, PrintColumn[]>> = {
  pods: [
    nameColumn,
    column<PodRow>('READY', (r) => r.ready),
    column<PodRow>('STATUS', (r) => r.status ?? r.phase),
    column<PodRow>('RESTARTS', (r) => String(r.restarts)),
    column<PodRow>('AGE', (r, now) => ageOf(r.createdAt, now)),
  ],
  nodes: [
    nameColumn,
    column<NodeRow>('STATUS', nodeStatus),
    column<NodeRow>('ROLES', (r) => (r.roles.length > 0 ? r.roles.join(',') : '<none>')),
    column<NodeRow>('AGE', (r, now) => ageOf(r.createdAt, now)),
    column<NodeRow>('VERSION', (r) => r.kubeletVersion),
  ],
  namespaces: [nameColumn, column<NamespaceRow>('STATUS', (r) => r.phase), column<NamespaceRow>('AGE', (r, now) => ageOf(r.createdAt, now))],
  events: [
    column<EventRow>('LAST SEEN', (r, now) => ageOf(r.lastTimestamp, now)),
    column<EventRow>('TYPE', (r) => r.type),
    column<EventRow>('REASON', (r) => r.reason),
    column<EventRow>('OBJECT', (r) => `${r.involvedObject.kind.toLowerCase()}/${r.involvedObject.name}`),
    column<EventRow>('MESSAGE', (r) => cellText(r.message)),
  ],
  workloads: [
    column<WorkloadRow>('KIND', (r) => r.kind),
    nameColumn,
    column<WorkloadRow>('DESIRED', (r) => String(r.desired)),
    column<WorkloadRow>('READY', (r) => String(r.ready)),
    column<WorkloadRow>('AVAILABLE', (r) => String(r.available)),
    column<WorkloadRow>('AGE', (r, now) => ageOf(r.createdAt, now)),
  ],
  'helm-releases': [
    column<HelmReleaseRow>('NAME', (r) => r.release, true),
    column<HelmReleaseRow>('REVISION', (r) => String(r.revision)),
    column<HelmReleaseRow>('UPDATED', (r) => r.updated ?? ''),
    column<HelmReleaseRow>('STATUS', (r) => r.status),
    column<HelmReleaseRow>('CHART', (r) => `${r.chart}-${r.chartVersion}`),
    column<HelmReleaseRow>('APP VERSION', (r) => r.appVersion),
  ],
  // A log line's uid is its name; the container names it better in a change line.
  'pod-logs': [column<LogLineRow>('TIME', (r) => r.time ?? ''), column<LogLineRow>('CONTAINER', (r) => r.container, true), column<LogLineRow>('LINE', (r) => cellText(r.line))],
  'api-resources': [
    column<ApiResourceRow>('NAME', (r) => r.resource, true),
    column<ApiResourceRow>('SHORTNAMES', (r) => r.shortNames.join(',')),
    column<ApiResourceRow>('APIVERSION', (r) => (r.group ? `${r.group}/${r.version}` : r.version)),
    column<ApiResourceRow>('NAMESPACED', (r) => String(r.namespaced)),
    column<ApiResourceRow>('KIND', (r) => r.kind),
  ],
};

/** A resource domain's printed columns: the server's priority-0 ones, Age live, NAMESPACE first across namespaces. */
function resourceColumns(definitions: readonly ColumnDefinition[]): PrintColumn[] {
  const columns: PrintColumn[] = [];
  definitions.forEach((definition, index) => {
    if (definition.priority !== 0) return;
    const header = definition.name.toUpperCase();
    // The server's Name cell can say more than the name: `standard (default)` for a StorageClass.
    if (definition.format === 'name') columns.push(column<ResourceRow>(header, (r) => (typeof r.cells[index] === 'string' && r.cells[index] !== '' ? cellText(r.cells[index]) : r.name), true));
    else if (definition.name.toLowerCase() === 'age') columns.push(column<ResourceRow>(header, (r, now) => ageOf(r.createdAt, now)));
    else columns.push(column<ResourceRow>(header, (r) => cellText(r.cells[index])));
  });
  if (!columns.some((c) => c.identity)) columns.unshift(nameColumn); // a server that printed no Name column
  return columns;
}

/** The columns `view` prints; `definitions` are a resource domain's columns (null until its first answer). */
export function printColumns(view: WatchView, definitions: readonly ColumnDefinition[] | null): PrintColumn[] {
  const own = isResourceDomain(view.domain) ? resourceColumns(definitions ?? []) : (builtinColumns[view.domain] ?? [nameColumn]);
  return view.allNamespaces ? [namespaceColumn, ...own] : own;
}

/** kubectl's tab writer: every column but the last padded to its widest cell plus 3, at least 6 wide. */
export function formatTable(columns: readonly PrintColumn[], rows: readonly Row[], now: number): string[] {
  if (rows.length === 0) return [];
  const lines = [columns.map((c) => c.header), ...rows.map((row) => columns.map((c) => c.cell(row, now)))];
  const widths = columns.map((_, i) => Math.max(6, ...lines.map((l) => l[i]!.length + 3)));
  return lines.map((l) => l.map((cell, i) => (i === l.length - 1 ? cell : cell.padEnd(widths[i]!))).join(''));
}

/** The order rows print in: log lines by time, everything else as the API server lists it. */
export function rowOrder(view: WatchView): (a: Row, b: Row) => number {
  if (view.domain !== 'pod-logs') return listOrder;
  return (a, b) => {
    const at = (a as LogLineRow).time ?? '';
    const bt = (b as LogLineRow).time ?? '';
    return at < bt ? -1 : at > bt ? 1 : listOrder(a, b);
  };
}

/** The list's order as the API server lists it: by namespace, then name. */
export function listOrder(a: Row, b: Row): number {
  const an = (a as { namespace?: string }).namespace ?? '';
  const bn = (b as { namespace?: string }).namespace ?? '';
  return an < bn ? -1 : an > bn ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0;
}

const builtinKinds: Partial<Record<Domain, string>> = {
  pods: 'Pod',
  nodes: 'Node',
  namespaces: 'Namespace',
  events: 'Event',
  'helm-releases': 'HelmRelease',
  'pod-logs': 'LogLine',
  'api-resources': 'APIResource',
};

/** The kind a change line names: the resource's, a workload row's own, or the built-in domain's. */
export function kindOf(view: WatchView, row: Row): string {
  if (view.kind) return view.kind;
  if (view.domain === 'workloads') return (row as WorkloadRow).kind;
  return builtinKinds[view.domain] ?? view.domain;
}

/** `namespace/name`, or `name` for a cluster-wide object; a log line's container. */
export function objectName(row: Row): string {
  if ('line' in row && 'container' in row) return row.container;
  const namespace = (row as { namespace?: string }).namespace;
  const name = (row as HelmReleaseRow).release ?? row.name;
  return namespace ? `${namespace}/${name}` : name;
}

/**
 * One change as a line: `TIME EVENT KIND NAMESPACE/NAME`, then for an add or a change the row's
 * other cells as `HEADER=value` (empty ones left out). A delete names the object as it last was.
 */
export function changeLine(type: WatchEventType, row: Row, view: WatchView, columns: readonly PrintColumn[], at: number): string {
  const head = `${new Date(at).toISOString()}  ${type.padEnd(8)}  ${kindOf(view, row)}  ${objectName(row)}`;
  if (type === 'DELETED') return head;
  const cells = columns
    .filter((c) => !c.identity)
    .map((c) => [c.header, c.cell(row, at)] as const)
    .filter(([, value]) => value !== '')
    .map(([header, value]) => `${header}=${value}`);
  return cells.length > 0 ? `${head}  ${cells.join(' ')}` : head;
}

/**
 * One change as JSON: `{type, key, row}` as before, plus `time` (ISO 8601), `kind`, `namespace`
 * ('' when cluster-wide) and `name`, and for a resource domain `columns`, the names of `row.cells`.
 */
export function changeJson(type: WatchEventType, key: string, row: Row, view: WatchView, definitions: readonly ColumnDefinition[] | null, at: number): string {
  const namespace = (row as { namespace?: string }).namespace ?? '';
  const name = (row as HelmReleaseRow).release ?? row.name;
  const columns = isResourceDomain(view.domain) && definitions ? { columns: definitions.map((d) => d.name) } : {};
  return JSON.stringify({ type, key, row, time: new Date(at).toISOString(), kind: kindOf(view, row), namespace, name, ...columns });
}

/**
 * What a person is told when a followed log ends for good (`ended`, from the upstream report), or
 * when, after that, a new pod under the name is followed instead (`ended` null). Said once each.
 */
export function endedLine(view: WatchView, ended: string | null): string {
  const [namespace = '', pod = ''] = view.scope.split('/');
  if (ended === null) return `a new pod took the name ${namespace}/${pod}: its log is read afresh and followed (lines stamped before it started were the deleted pod's)`;
  if (ended === podDeletedEnd) return `pod ${namespace}/${pod} was deleted: its log is complete, the lines above are all there will be`;
  return `the log of ${view.scope} ended (${ended}): the lines above are all there will be`;
}
