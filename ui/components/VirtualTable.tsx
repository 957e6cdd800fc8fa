/**
 * A table that renders only the rows in view (see lib/windowing.ts), so 50,000 pods cost the
 * DOM what 40 do. Rows have one fixed height; columns are CSS grid tracks shared by the header
 * and every row, so they line up without measuring anything.
 *
 * It is a data grid for the keyboard (lib/gridKeys.ts): the list is one Tab stop, the active row
 * (roving tabindex: the only row with tabIndex 0), and Up/Down/PageUp/PageDown/Home/End move it,
 * scrolling it into view; Enter opens it. The active row is always rendered, even scrolled out of
 * the window, so focus is never lost to virtualization. Controls inside rows (Cordon) are Tab
 * stops only in the active row. aria-rowcount and aria-rowindex tell a screen reader where it is
 * in the whole list, not just the rendered part.
 */
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState, type CSSProperties, type KeyboardEvent, type ReactElement, type ReactNode } from 'react';
import { isGridMove, nextActiveRow, scrollToShow } from '../lib/gridKeys.js';
import type { RowList, SortKey, SortSpec } from '../lib/order.js';
import { visibleWindow } from '../lib/windowing.js';

/**
 * The narrowest the columns may get: each track's minimum (`minmax(12rem, 2fr)` → 12rem, a bare
 * `fr` → nothing). Below it the table scrolls sideways inside its own box, header and rows
 * together, and the page does not.
 */
export function minimumWidth(widths: readonly string[]): string {
  const mins = widths.map((w) => {
    const minmax = /^minmax\(\s*([^,]+),/.exec(w.trim());
    const min = minmax ? minmax[1]!.trim() : w.trim();
    return /fr$|^auto$|^$/.test(min) ? null : min;
  });
  const sum = mins.filter((m) => m !== null);
  return sum.length === 0 ? '0px' : `calc(${sum.join(' + ')})`;
}

/** How far either side of its last place a row is looked for before the whole list is searched. */
const nearbyRows = 64;

/**
 * Where the row with `key` is now, looking out from where it was: rows added or removed above it
 * move it a few places per update, and building 50,000 keys to find it on every update of a
 * churning list would cost milliseconds. -1 when it is gone.
 */
function findNear<T>(rows: readonly T[], rowKey: (row: T) => string, key: string, was: number): number {
  const from = Math.min(Math.max(was, 0), rows.length - 1);
  for (let d = 0; d <= nearbyRows; d++) {
    if (from + d < rows.length && rowKey(rows[from + d]!) === key) return from + d;
    if (d > 0 && from - d >= 0 && rowKey(rows[from - d]!) === key) return from - d;
  }
  return rows.findIndex((row) => rowKey(row) === key);
}

/** What can take focus inside a row; outside the active row these leave the Tab order. */
const rowControls = 'button, a[href], input, select, textarea, [tabindex]:not([role=row])';

export interface Column<T> {
  readonly id: string;
  readonly header: string;
  /** A CSS grid track, e.g. `minmax(12rem, 2fr)` or `6rem`. */
  readonly width: string;
  readonly align?: 'left' | 'right';
  readonly render: (row: T) => ReactNode;
  /** Full text for a tooltip when the cell may be truncated (or says how old a number is). */
  readonly title?: (row: T) => string | undefined;
  /** A class for the cell: `stale-metric` dims a number older than the metrics interval. */
  readonly cellClass?: (row: T) => string | undefined;
  /**
   * Sortable from its header. `key` orders by a value; without one the column follows the list's
   * own order (namespace, name), reversed when descending. `descendingFirst` for the columns
   * read biggest-first (restarts, CPU).
   */
  readonly sort?: { readonly key?: SortKey<T>; readonly descendingFirst?: boolean };
}

export interface VirtualTableProps<T> {
  readonly rows: readonly T[];
  /** The list `rows` is read from when its array is written in place (lib/order.ts): it moves when the array alone does not. */
  readonly rowsFrom?: RowList<T>;
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
  const { rows, rowsFrom, columns, rowKey, rowHeight = 30, onRowClick, selectedKey, rowClassName, label, empty, sort, onSort } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const head = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  /** The body's vertical scrollbar, 0 where scrollbars overlay: the header leaves as much at its end, so its columns sit over the rows'. */
  const [gutter, setGutter] = useState(0);
  /** The active row's key: the one Tab reaches and the keys move. */
  const [activeKey, setActiveKey] = useState<string | null>(null);
  /** Where the active row was last seen: found there again without a search, kept when it leaves. */
  const activeAt = useRef(-1);
  /** Set by a key that moved the active row: focus follows it once it is rendered. */
  const focusActive = useRef(false);

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const measure = () => {
      setViewport(element.clientHeight);
      setGutter(element.offsetWidth - element.clientWidth);
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  // A list that shrank below the scroll position (a namespace with fewer pods) starts at its top.
  // Compared with the position last scrolled to, not the element's: reading its scrollTop after
  // an update forces a layout, once per update of a churning list.
  useEffect(() => {
    const element = scroller.current;
    if (element && scrollTop > rows.length * rowHeight) {
      element.scrollTop = 0;
      setScrollTop(0);
    }
  }, [rows.length, rowHeight, scrollTop]);

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
  }, [selectedKey, rows, rowsFrom, rowKey, rowHeight]);

  // The selected row is the active one too, wherever the selection came from.
  useEffect(() => {
    if (selectedKey) setActiveKey(selectedKey);
  }, [selectedKey]);

  // The active row's place. Rows move as they sort and churn, so it is looked up by key: first
  // where it was (no search for 50,000 rows on every update), then everywhere. A row that left
  // (a deleted pod) hands the place to whichever row took it, so focus stays where the user was.
  let activeIndex = -1;
  if (activeKey !== null && rows.length > 0) {
    const was = activeAt.current;
    activeIndex = findNear(rows, rowKey, activeKey, was);
    if (activeIndex < 0) activeIndex = Math.min(Math.max(was, 0), rows.length - 1);
  }
  activeAt.current = activeIndex;
  const activeRowKey = activeIndex >= 0 ? rowKey(rows[activeIndex]!) : null;
  useEffect(() => {
    if (activeRowKey !== null && activeRowKey !== activeKey) setActiveKey(activeRowKey);
  }, [activeRowKey, activeKey]);

  const { start, end } = visibleWindow(scrollTop, viewport, rowHeight, rows.length);
  // With nothing active yet, Tab lands on the first row in view.
  const tabStop = activeIndex >= 0 ? activeIndex : Math.min(Math.floor(scrollTop / rowHeight), rows.length - 1);

  // Focus follows a key's move once its row is in the DOM.
  useLayoutEffect(() => {
    if (!focusActive.current) return;
    focusActive.current = false;
    scroller.current?.querySelector<HTMLElement>(`[role=row][aria-rowindex="${tabStop + 2}"]`)?.focus({ preventScroll: true });
  });

  // What rows call back with: the same functions every render, so an unchanged row stays unrendered.
  const latest = useRef({ activeKey, onRowClick });
  useLayoutEffect(() => {
    latest.current = { activeKey, onRowClick };
  });
  const rowEvents = useMemo<RowEvents<T>>(
    () => ({
      focused(key, index) {
        if (key === latest.current.activeKey) return;
        activeAt.current = index;
        setActiveKey(key);
      },
      clicked: (row) => latest.current.onRowClick?.(row),
    }),
    [],
  );

  const onRowsKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const target = event.target as HTMLElement;
    if (target.getAttribute('role') !== 'row' || event.altKey || event.ctrlKey || event.metaKey) return; // a control in a row has its own keys
    const at = Number(target.getAttribute('aria-rowindex')) - 2;
    if ((event.key === 'Enter' || event.key === ' ') && onRowClick && rows[at]) {
      event.preventDefault();
      onRowClick(rows[at]);
      return;
    }
    if (!isGridMove(event.key)) return;
    const element = scroller.current;
    const next = nextActiveRow(event.key, at, rows.length, Math.floor((element?.clientHeight ?? viewport) / rowHeight));
    event.preventDefault(); // the keys move the row, not the scrollbar
    if (next === null || !element) return;
    if (next !== at) {
      activeAt.current = next;
      setActiveKey(rowKey(rows[next]!));
      focusActive.current = true; // only with a render to come, or a later one would steal focus
    }
    element.scrollTop = scrollToShow(next, rowHeight, element.scrollTop, element.clientHeight);
    setScrollTop(element.scrollTop);
  };

  const template = columns.map((c) => c.width).join(' ');
  // One object while the columns' widths stay (the columns themselves are new every second).
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const gridStyle = useMemo((): CSSProperties => ({ gridTemplateColumns: template, minWidth: minimumWidth(columns.map((c) => c.width)) }), [template]);
  const indexes: number[] = [];
  for (let i = start; i < end; i++) indexes.push(i);
  if (tabStop >= 0 && (tabStop < start || tabStop >= end)) indexes.push(tabStop);
  const visible = indexes.map((i) => {
    const row = rows[i]!;
    const key = rowKey(row);
    const classes = ['vt-row', i % 2 === 1 ? 'odd' : '', key === selectedKey ? 'selected' : '', i === activeIndex ? 'active' : '', onRowClick ? 'clickable' : '', rowClassName?.(row) ?? '']
      .filter(Boolean)
      .join(' ');
    return (
      <TableRow<T>
        key={key}
        row={row}
        rowKey={key}
        index={i}
        columns={columns}
        gridStyle={gridStyle}
        height={rowHeight}
        className={classes}
        selected={key === selectedKey}
        tabStop={i === tabStop}
        clickable={Boolean(onRowClick)}
        events={rowEvents}
      />
    );
  });

  return (
    <div className="vt" role="grid" aria-label={label} aria-rowcount={rows.length + 1} aria-colcount={columns.length} data-active-row={activeIndex >= 0 ? activeIndex : undefined}>
      <div className="vt-head" ref={head}>
        <div className="vt-header" role="row" aria-rowindex={1} style={{ ...gridStyle, paddingRight: gutter, minWidth: `calc(${String(gridStyle.minWidth)} + ${gutter}px)` }}>
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
                  // A column of buttons has no visible header; a screen reader still hears one.
                  c.header || <span className="visually-hidden">Actions</span>
                )}
              </div>
            );
          })}
        </div>
      </div>
      <div
        className="vt-body"
        ref={scroller}
        onScroll={(e) => {
          setScrollTop(e.currentTarget.scrollTop);
          if (head.current) head.current.scrollLeft = e.currentTarget.scrollLeft; // the header scrolls sideways with the rows
        }}
        onKeyDown={onRowsKeyDown}
        data-testid="vt-body"
      >
        {rows.length === 0 && empty ? <div className="vt-empty">{empty}</div> : null}
        <div className="vt-spacer" style={{ height: rows.length * rowHeight }}>
          {visible}
        </div>
      </div>
    </div>
  );
}

interface RowEvents<T> {
  focused(key: string, index: number): void;
  clicked(row: T): void;
}

interface TableRowProps<T> {
  readonly row: T;
  readonly rowKey: string;
  readonly index: number;
  readonly columns: readonly Column<T>[];
  readonly gridStyle: CSSProperties;
  readonly height: number;
  readonly className: string;
  readonly selected: boolean;
  /** The row Tab reaches; controls in the other rows leave the Tab order. */
  readonly tabStop: boolean;
  readonly clickable: boolean;
  readonly events: RowEvents<T>;
}

/**
 * One row, rendered again only when one of its props changes: a frame of scrolling brings in a
 * few rows and an update changes a few, and the rest are left alone. Rendering every row in view
 * each time was about a fifth of the page's main thread while the Pods view scrolled (bench row 9).
 */
const TableRow = memo(function TableRow<T>({ row, rowKey, index, columns, gridStyle, height, className, selected, tabStop, clickable, events }: TableRowProps<T>) {
  const element = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    for (const control of element.current?.querySelectorAll<HTMLElement>(rowControls) ?? []) control.tabIndex = tabStop ? 0 : -1;
  });
  return (
    <div
      ref={element}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected ? true : undefined}
      data-key={rowKey}
      className={className}
      style={{ ...gridStyle, height, transform: `translateY(${index * height}px)` }}
      tabIndex={tabStop ? 0 : -1}
      onFocus={(e) => {
        if (e.target === e.currentTarget) events.focused(rowKey, index);
      }}
      onClick={clickable ? () => events.clicked(row) : undefined}
    >
      {columns.map((c) => (
        <div key={c.id} role="gridcell" data-col={c.id} className={`vt-cell ${c.align === 'right' ? 'right' : ''} ${c.cellClass?.(row) ?? ''}`} title={c.title?.(row)}>
          {c.render(row)}
        </div>
      ))}
    </div>
  );
}) as <T>(props: TableRowProps<T>) => ReactElement;
