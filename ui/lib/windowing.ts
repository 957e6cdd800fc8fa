/**
 * Windowing: which rows of a long list are worth putting in the DOM. Only the rows in view, and
 * a few either side so a fast scroll does not show blank space, are rendered; a spacer of the
 * full height keeps the scrollbar true. With fixed row heights this is arithmetic.
 */
export interface RowWindow {
  /** First row to render (inclusive). */
  readonly start: number;
  /** Last row to render (exclusive). */
  readonly end: number;
}

export function visibleWindow(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  count: number,
  overscan = 8,
): RowWindow {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const visible = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, Math.min(first, count - 1) - overscan);
  const end = Math.min(count, first + visible + overscan);
  return { start, end: Math.max(start, end) };
}
