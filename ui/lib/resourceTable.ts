/**
 * The generic resource view's table logic: which of the API server's columns to show (priority 0,
 * or all of them for the wide view, like `kubectl get -o wide`), what a cell reads now, how a
 * column sorts and what the filter searches. Pure, so it is tested without a browser.
 *
 * Ages are the one thing the server's Table cannot print for us: its Age cell was true when the
 * row was projected and is frozen from then on. Age is computed from the row's creation time on
 * every tick, and `date` columns (a CRD's printer columns) from the time in the cell, the way
 * kubectl prints them.
 */
import type { Cell, ColumnDefinition, ResourceRow } from '../../adapters/rows.js';
import { ageKey, ageSince, formatAge } from './format.js';
import { compareText, type SortKey } from './order.js';

export type CellKind = 'name' | 'age' | 'date' | 'number' | 'boolean' | 'text';

export interface TableColumn {
  /** The column's id in the view and the URL: its name as the server prints it. */
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** Where its cell is in each row's `cells`; -1 for the Namespace column kubectl adds for -A. */
  readonly index: number;
  readonly kind: CellKind;
  readonly priority: number;
}

export const namespaceColumnId = 'Namespace';

function kindOf(column: ColumnDefinition): CellKind {
  if (column.format === 'name') return 'name';
  if (column.name.toLowerCase() === 'age') return 'age';
  if (column.type === 'date' || column.format === 'date-time') return 'date';
  if (column.type === 'integer' || column.type === 'number') return 'number';
  if (column.type === 'boolean') return 'boolean';
  return 'text';
}

/**
 * The columns to show: priority 0, or every one when `wide`. A list across all namespaces of a
 * namespaced kind starts with Namespace, as `kubectl get -A` does.
 */
export function tableColumns(definitions: readonly ColumnDefinition[], options: { wide: boolean; withNamespace: boolean }): TableColumn[] {
  const columns: TableColumn[] = [];
  if (options.withNamespace) columns.push({ id: namespaceColumnId, name: 'Namespace', description: 'The namespace of the object', index: -1, kind: 'text', priority: 0 });
  const seen = new Set(columns.map((c) => c.id));
  definitions.forEach((definition, index) => {
    if (definition.priority > 0 && !options.wide) return;
    // Two columns of one name (a CRD can declare that) still need distinct ids.
    let id = definition.name;
    for (let n = 2; seen.has(id); n++) id = `${definition.name} (${n})`;
    seen.add(id);
    columns.push({ id, name: definition.name, description: definition.description, index, kind: kindOf(definition), priority: definition.priority });
  });
  return columns;
}

/**
 * Columns whose cells are numbers, whatever type the column claims: kube-apiserver declares some
 * counts `string` (a ConfigMap's and a Secret's Data, a Deployment's Up-to-date), so a column is
 * numeric when the rows looked at hold a number in it and nothing but numbers or nothing.
 */
export function withNumericCells(columns: readonly TableColumn[], rows: readonly ResourceRow[], sample = 50): TableColumn[] {
  const looked = rows.slice(0, sample);
  return columns.map((column) => {
    if (column.kind !== 'text' || column.index < 0 || looked.length === 0) return column;
    let numbers = 0;
    for (const row of looked) {
      const cell = row.cells[column.index];
      if (typeof cell === 'number') numbers++;
      else if (cell !== null && cell !== undefined) return column;
    }
    return numbers > 0 ? { ...column, kind: 'number' as const } : column;
  });
}

/** Whether the server prints columns that only the wide view shows. */
export function hasWideColumns(definitions: readonly ColumnDefinition[]): boolean {
  return definitions.some((d) => d.priority > 0);
}

function cellOf(row: ResourceRow, column: TableColumn): Cell {
  return column.index < 0 ? row.namespace : (row.cells[column.index] ?? null);
}

function timeOf(cell: Cell): number {
  const at = typeof cell === 'string' ? Date.parse(cell) : Number.NaN;
  return Number.isFinite(at) ? at : Number.NaN;
}

/** A cell as an operator reads it, at `now`: ages live, `<none>` for an empty cell as kubectl prints it. */
export function cellText(row: ResourceRow, column: TableColumn, now: number): string {
  if (column.kind === 'name') return row.name;
  if (column.kind === 'age') return ageSince(row.createdAt, now);
  const cell = cellOf(row, column);
  if (column.kind === 'date') {
    const at = timeOf(cell);
    if (Number.isFinite(at)) return formatAge(now - at);
  }
  if (cell === null || cell === '') return column.index < 0 ? '' : '<none>';
  return String(cell);
}

/**
 * How a column sorts: names and text as text, numbers as numbers (empty cells first), Age and
 * dates by time with the youngest first when ascending, as the Age column reads.
 */
export function sortKeyOf(column: TableColumn): SortKey<ResourceRow> {
  switch (column.kind) {
    case 'name':
      return (row) => row.name;
    case 'age':
      return ageKey;
    case 'date':
      return (row) => {
        const at = timeOf(cellOf(row, column));
        return Number.isFinite(at) ? -at : Number.POSITIVE_INFINITY;
      };
    case 'number':
      return (row) => {
        const cell = cellOf(row, column);
        const value = typeof cell === 'number' ? cell : typeof cell === 'string' && cell.trim() !== '' ? Number(cell) : Number.NaN;
        return Number.isFinite(value) ? value : Number.NEGATIVE_INFINITY;
      };
    case 'boolean':
      return (row) => (cellOf(row, column) === true ? 1 : 0);
    default:
      return (row) => {
        const cell = cellOf(row, column);
        return cell === null ? '' : String(cell);
      };
  }
}

/** Numbers read biggest first on a first click (restarts, replicas), like the other views. */
export function descendingFirst(column: TableColumn): boolean {
  return column.kind === 'number';
}

/** The list's own order: namespace, then name, then uid, so every row has one place. */
export function resourceOrder(a: ResourceRow, b: ResourceRow): number {
  return compareText(a.namespace, b.namespace) || compareText(a.name, b.name) || compareText(a.uid, b.uid);
}

/** What the filter searches in a row: its name, namespace and every cell, lowercased. Rows are immutable, so it is kept per row. */
const haystacks = new WeakMap<ResourceRow, string>();

function haystack(row: ResourceRow): string {
  let text = haystacks.get(row);
  if (text === undefined) {
    text = [row.name, row.namespace, ...row.cells.map((c) => (c === null ? '' : String(c)))].join('\u0000').toLowerCase();
    haystacks.set(row, text);
  }
  return text;
}

/** Rows whose name, namespace or any cell holds every word of the filter (case-insensitive). */
export function filterRows<R extends ResourceRow>(rows: readonly R[], filter: string): readonly R[] {
  const words = filter.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return rows;
  return rows.filter((row) => {
    const text = haystack(row);
    return words.every((w) => text.includes(w));
  });
}

/** One shown column: its name, and where each cluster's server prints it (absent: not printed there). */
export interface SharedColumn {
  readonly id: string;
  readonly first: TableColumn;
  readonly byCluster: ReadonlyMap<string, TableColumn>;
}

/** The columns of several servers matched by name: those all print first (in the first's order), then the rest. */
export function sharedColumns(clusters: readonly string[], definitions: Readonly<Record<string, readonly ColumnDefinition[] | null>>, wide: boolean): SharedColumn[] {
  const answered = clusters.filter((c) => definitions[c]);
  const shown = new Map<string, { first: TableColumn; byCluster: Map<string, TableColumn> }>();
  for (const cluster of answered) {
    for (const column of tableColumns(definitions[cluster]!, { wide, withNamespace: false })) {
      const known = shown.get(column.id);
      if (known) known.byCluster.set(cluster, column);
      else shown.set(column.id, { first: column, byCluster: new Map([[cluster, column]]) });
    }
  }
  const all = [...shown.entries()].map(([id, c]) => ({ id, ...c }));
  const everywhere = all.filter((c) => c.byCluster.size === answered.length);
  return [...everywhere, ...all.filter((c) => c.byCluster.size !== answered.length)];
}
