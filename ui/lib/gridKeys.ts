/**
 * The data grid's keyboard model, as arithmetic: which row a key makes active. Arrows move one
 * row, PageUp/PageDown a screenful less one (so the row you were on stays in sight), Home/End
 * the ends. Keys it does not know return null, so the browser keeps them (Tab, letters).
 */
export type GridMove = 'ArrowDown' | 'ArrowUp' | 'PageDown' | 'PageUp' | 'Home' | 'End';

export function isGridMove(key: string): key is GridMove {
  return key === 'ArrowDown' || key === 'ArrowUp' || key === 'PageDown' || key === 'PageUp' || key === 'Home' || key === 'End';
}

/**
 * The row `key` moves to from `current` (-1: none active yet, so any move starts at the top) in
 * a list of `count` rows of which `pageRows` fit on screen; null when the list is empty.
 */
export function nextActiveRow(key: GridMove, current: number, count: number, pageRows: number): number | null {
  if (count <= 0) return null;
  const last = count - 1;
  const page = Math.max(1, pageRows - 1);
  if (current < 0) return key === 'End' ? last : 0;
  const from = Math.min(current, last);
  switch (key) {
    case 'ArrowDown':
      return Math.min(last, from + 1);
    case 'ArrowUp':
      return Math.max(0, from - 1);
    case 'PageDown':
      return Math.min(last, from + page);
    case 'PageUp':
      return Math.max(0, from - page);
    case 'Home':
      return 0;
    case 'End':
      return last;
  }
}

/** The scrollTop that shows row `index` whole, moving as little as possible from `scrollTop`. */
export function scrollToShow(index: number, rowHeight: number, scrollTop: number, viewport: number): number {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewport) return Math.max(0, top + rowHeight - viewport);
  return scrollTop;
}
