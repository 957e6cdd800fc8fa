/**
 * A table that renders only the rows in view (see lib/windowing.ts), so 50,000 pods cost the
 * DOM what 40 do. Rows have one fixed height; columns are CSS grid tracks shared by the header
 * and every row, so they line up without measuring anything.
 */
import { useEffect, useLayoutEffect, useRef, useState, type CSSProperties, type ReactNode } from 'react';
import type { SortKey, SortSpec } from '../lib/order.js';
import { visibleWindow } from '../lib/windowing.js';

export interface Column<T> {
  readonly id: string;
  readonly header: string;
  /** A CSS grid track, e.g. `minmax(12rem, 2fr)` or `6rem`. */
  readonly width: string;
  readonly align?: 'left' | 'right';
  readonly render: (row: T) => ReactNode;
  /** Full text for a tooltip when the cell may be truncated. */
  readonly title?: (row: T) => string;
  /**
   * Sortable from its header. `key` orders by a value; without one the column follows the list's
   * own order (namespace, name), reversed when descending. `descendingFirst` for the columns
   * read biggest-first (restarts, CPU).
   */
  readonly sort?: { readonly key?: SortKey<T>; readonly descendingFirst?: boolean };
}

export interface VirtualTableProps<T> {
  readonly rows: readonly T[];
  readonly columns: readonly Column<T>[];
  readonly rowKey: (row: T) => string;
  readonly rowHeight?: number;
  readonly onRowClick?: (row: T) => void;
  readonly selectedKey?: string | null;
  readonly rowClassName?: (row: T) => string;
  readonly label: string;
  readonly empty?: ReactNode;
  readonly sort?: SortSpec | null;
  readonly onSort?: (sort: SortSpec) => void;
}

export function VirtualTable<T>(props: VirtualTableProps<T>) {
  const { rows, columns, rowKey, rowHeight = 30, onRowClick, selectedKey, rowClassName, label, empty, sort, onSort } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    setViewport(element.clientHeight);
    const observer = new ResizeObserver(() => setViewport(element.clientHeight));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  // A list that shrank below the scroll position (a namespace with fewer pods) starts at its top.
  useEffect(() => {
    const element = scroller.current;
    if (element && element.scrollTop > rows.length * rowHeight) {
      element.scrollTop = 0;
      setScrollTop(0);
    }
  }, [rows.length, rowHeight]);

  // A selection made elsewhere (a link, Back/Forward) brings its row into view, once per selection:
  // following it on every update would fight the user's own scrolling.
  const revealed = useRef<string | null>(null);
  useEffect(() => {
    const element = scroller.current;
    if (!element || !selectedKey || revealed.current === selectedKey) return;
    const at = rows.findIndex((row) => rowKey(row) === selectedKey);
    if (at < 0) return; // not arrived yet: try again when the rows do
    revealed.current = selectedKey;
    const top = at * rowHeight;
    if (top < element.scrollTop || top + rowHeight > element.scrollTop + element.clientHeight) {
      element.scrollTop = Math.max(0, top - element.clientHeight / 3);
      setScrollTop(element.scrollTop);
    }
  }, [selectedKey, rows, rowKey, rowHeight]);

  const template = columns.map((c) => c.width).join(' ');
  const gridStyle: CSSProperties = { gridTemplateColumns: template };
  const { start, end } = visibleWindow(scrollTop, viewport, rowHeight, rows.length);
  const visible: ReactNode[] = [];
  for (let i = start; i < end; i++) {
    const row = rows[i]!;
    const key = rowKey(row);
    const classes = ['vt-row', i % 2 === 1 ? 'odd' : '', key === selectedKey ? 'selected' : '', onRowClick ? 'clickable' : '', rowClassName?.(row) ?? '']
      .filter(Boolean)
      .join(' ');
    visible.push(
      <div
        key={key}
        role="row"
        aria-rowindex={i + 2}
        aria-selected={key === selectedKey ? true : undefined}
        data-key={key}
        className={classes}
        style={{ ...gridStyle, height: rowHeight, transform: `translateY(${i * rowHeight}px)` }}
        onClick={onRowClick ? () => onRowClick(row) : undefined}
        // Clickable rows are reachable from the keyboard too: Tab to a row, Enter or Space opens it.
        tabIndex={onRowClick ? 0 : undefined}
        onKeyDown={
          onRowClick
            ? (e) => {
                if (e.target !== e.currentTarget || (e.key !== 'Enter' && e.key !== ' ')) return;
                e.preventDefault();
                onRowClick(row);
              }
            : undefined
        }
      >
        {columns.map((c) => (
          <div key={c.id} role="gridcell" data-col={c.id} className={`vt-cell ${c.align === 'right' ? 'right' : ''}`} title={c.title?.(row)}>
            {c.render(row)}
          </div>
        ))}
      </div>,
    );
  }

  return (
    <div className="vt" role="grid" aria-label={label} aria-rowcount={rows.length + 1}>
      <div className="vt-header" role="row" style={gridStyle}>
        {columns.map((c) => {
          const sorted = sort?.column === c.id ? (sort.descending ? 'descending' : 'ascending') : undefined;
          return (
            <div key={c.id} role="columnheader" aria-sort={c.sort && onSort ? (sorted ?? 'none') : undefined} className={`vt-cell ${c.align === 'right' ? 'right' : ''}`} data-col={c.id}>
              {c.sort && onSort && c.header ? (
                <button
                  type="button"
                  className="vt-sort"
                  title={`Sort by ${c.header.toLowerCase()}`}
                  onClick={() => onSort({ column: c.id, descending: sorted ? sorted === 'ascending' : (c.sort?.descendingFirst ?? false) })}
                >
                  {c.header}
                  <span className="vt-sort-mark" aria-hidden="true">
                    {sorted === 'ascending' ? ' ▲' : sorted === 'descending' ? ' ▼' : ''}
                  </span>
                </button>
              ) : (
                c.header
              )}
            </div>
          );
        })}
      </div>
      <div className="vt-body" ref={scroller} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)} data-testid="vt-body">
        {rows.length === 0 && empty ? <div className="vt-empty">{empty}</div> : null}
        <div className="vt-spacer" style={{ height: rows.length * rowHeight }}>
          {visible}
        </div>
      </div>
    </div>
  );
}
