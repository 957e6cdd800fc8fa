/**
 * Rows of any resource, as the API server prints them: a list or watch asked for in Table form
 * (`as=Table;g=meta.k8s.io;v=v1`, `includeObject=Metadata`) carries, for each object, the cells
 * `kubectl get` shows and the object's metadata. tableRows turns one such answer into
 * `ResourceRow`s and the columns they are printed under.
 *
 * What kube-apiserver does (staging/src/k8s.io/apiserver, pkg/endpoints/handlers): a list answers
 * one Table with `columnDefinitions`; a watch encodes each event's object as a one-row Table, and
 * only the first event it encodes carries `columnDefinitions` (the encoder sets `NoHeaders` after
 * it), even when that first event is a BOOKMARK. A BOOKMARK's Table has one row printed from an
 * object that holds nothing but a resourceVersion: it is no row of ours. ERROR events carry a
 * Status untouched. Where conversion to a Table fails, the server sends the object as it is; and
 * a server (or aggregated API) that cannot print Tables answers plain JSON. Then we print Name and
 * Created At ourselves, as kube-apiserver's default printer does for resources without columns.
 *
 * Nothing but identity and cells is kept: no labels, annotations or data (a Secret's Table prints
 * its type and key count; its last-applied annotation, which holds its data, is never read).
 */
import type { Cell, ColumnDefinition, OwnerRef, ResourceRow } from '../rows.js';

/** Table form with metadata-only objects; plain JSON when the server cannot print Tables. */
export const tableAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

/** What kube-apiserver's default printer shows for a resource without printer columns. */
export const defaultColumns: readonly ColumnDefinition[] = [
  { name: 'Name', type: 'string', format: 'name', description: 'Name of the object.', priority: 0 },
  { name: 'Created At', type: 'date', format: '', description: 'When the object was created.', priority: 0 },
];

interface Metadata {
  name?: unknown;
  namespace?: unknown;
  uid?: unknown;
  resourceVersion?: unknown;
  creationTimestamp?: unknown;
  deletionTimestamp?: unknown;
  ownerReferences?: unknown;
}

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function metadataOf(object: unknown): Metadata {
  return isRecord(object) && isRecord(object.metadata) ? (object.metadata as Metadata) : {};
}

function controllerOf(metadata: Metadata): OwnerRef | null {
  const refs = Array.isArray(metadata.ownerReferences) ? metadata.ownerReferences.filter(isRecord) : [];
  const ref = refs.find((r) => r.controller === true);
  return ref ? { kind: str(ref.kind), name: str(ref.name), uid: str(ref.uid) } : null;
}

/** A cell as the server printed it; anything that is not a scalar (it should not happen) becomes its JSON. */
function cellOf(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  return JSON.stringify(value);
}

/**
 * A row's cells as printed, made scalars in place: the parsed answer is read once and dropped, so
 * its arrays can be the rows' own (a new array per row was 20,345 more allocations of a
 * ConfigMap list, whose cells are all scalars already).
 */
function cellsOf(value: unknown): Cell[] {
  if (!Array.isArray(value)) return [];
  for (let i = 0; i < value.length; i++) {
    const cell = cellOf(value[i]);
    if (cell !== value[i]) value[i] = cell;
  }
  return value as Cell[];
}

function rowFrom(metadata: Metadata, cells: readonly Cell[]): ResourceRow {
  return {
    uid: str(metadata.uid),
    resourceVersion: str(metadata.resourceVersion),
    name: str(metadata.name),
    namespace: str(metadata.namespace),
    createdAt: str(metadata.creationTimestamp) || null,
    owner: controllerOf(metadata),
    deleting: typeof metadata.deletionTimestamp === 'string' && metadata.deletionTimestamp !== '',
    cells,
  };
}

/** A row for an object the server sent as it is: Name and Created At, like the default printer. */
export function plainRow(object: unknown): ResourceRow {
  const metadata = metadataOf(object);
  return rowFrom(metadata, [str(metadata.name), str(metadata.creationTimestamp) || null]);
}

function columnOf(value: unknown): ColumnDefinition | null {
  if (!isRecord(value) || typeof value.name !== 'string') return null;
  return {
    name: value.name,
    type: str(value.type) || 'string',
    format: str(value.format),
    description: str(value.description),
    priority: typeof value.priority === 'number' && Number.isFinite(value.priority) ? value.priority : 0,
  };
}

export function isTable(value: unknown): value is Record<string, unknown> & { kind: 'Table' } {
  return isRecord(value) && value.kind === 'Table';
}

/** The column definitions a Table carries, or null when it carries none (every watch event after the first). */
export function tableColumns(table: unknown): ColumnDefinition[] | null {
  if (!isTable(table) || !Array.isArray(table.columnDefinitions)) return null;
  const columns = table.columnDefinitions.map(columnOf).filter((c): c is ColumnDefinition => c !== null);
  return columns.length > 0 ? columns : null;
}

/** The rows of a Table (each from its row's metadata-only object), skipping rows without an object. */
export function tableRows(table: unknown): ResourceRow[] {
  if (!isTable(table) || !Array.isArray(table.rows)) return [];
  const rows: ResourceRow[] = [];
  for (const row of table.rows) {
    if (!isRecord(row) || !isRecord(row.object)) continue;
    const metadata = metadataOf(row.object);
    if (str(metadata.uid) === '') continue;
    rows.push(rowFrom(metadata, cellsOf(row.cells)));
  }
  return rows;
}

export interface ResourcePage {
  readonly rows: ResourceRow[];
  /** The columns the rows' cells follow: the Table's, or Name and Created At for plain JSON. */
  readonly columns: readonly ColumnDefinition[];
  readonly resourceVersion: string;
  readonly continueToken: string;
  /** Objects the server has beyond this page, when it says (`metadata.remainingItemCount`). */
  readonly remainingItemCount: number | null;
}

/** One list answer, Table or plain list, as rows and columns. */
export function readResourcePage(body: unknown): ResourcePage {
  const metadata = isRecord(body) && isRecord(body.metadata) ? body.metadata : {};
  const remaining = metadata.remainingItemCount;
  const common = {
    resourceVersion: str(metadata.resourceVersion),
    continueToken: str(metadata.continue),
    remainingItemCount: typeof remaining === 'number' && Number.isSafeInteger(remaining) && remaining >= 0 ? remaining : null,
  };
  if (isTable(body)) return { ...common, rows: tableRows(body), columns: tableColumns(body) ?? defaultColumns };
  const items = isRecord(body) && Array.isArray(body.items) ? body.items : [];
  return { ...common, rows: items.map(plainRow).filter((r) => r.uid !== ''), columns: defaultColumns };
}

export interface ResourceEvent {
  /** The object's row; null for a bookmark, or an event without an object we can key. */
  readonly row: ResourceRow | null;
  readonly resourceVersion: string;
  /** Columns the event carried (the first event of a Table watch), or null. */
  readonly columns: ColumnDefinition[] | null;
  /** The object was not a Table: the server printed nothing (plain JSON). */
  readonly plain: boolean;
}

/**
 * One watch event's object. A bookmark's resourceVersion is the Table's own (the server copies
 * it from the object) or, failing that, its one row's object's; it yields no row.
 */
export function readResourceEvent(type: string, object: unknown): ResourceEvent {
  if (!isTable(object)) {
    const row = type === 'BOOKMARK' ? null : plainRow(object);
    return { row: row && row.uid !== '' ? row : null, resourceVersion: str(metadataOf(object).resourceVersion), columns: null, plain: true };
  }
  const columns = tableColumns(object);
  const tableVersion = str(metadataOf(object).resourceVersion);
  const firstObject = Array.isArray(object.rows) && isRecord(object.rows[0]) ? object.rows[0].object : undefined;
  const resourceVersion = tableVersion || str(metadataOf(firstObject).resourceVersion);
  if (type === 'BOOKMARK') return { row: null, resourceVersion, columns, plain: false };
  const row = tableRows(object)[0] ?? null;
  return { row, resourceVersion: row?.resourceVersion || resourceVersion, columns, plain: false };
}

/** Two sets of columns are the same printer: same names, types, formats and priorities in the same order. */
export function sameColumns(a: readonly ColumnDefinition[] | null, b: readonly ColumnDefinition[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((c, i) => c.name === b[i]!.name && c.type === b[i]!.type && c.format === b[i]!.format && c.priority === b[i]!.priority);
}
