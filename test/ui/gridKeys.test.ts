/** The data grid's keys as arithmetic (ui/lib/gridKeys.ts): where each key takes the active row. */
import fc from 'fast-check';
import { isGridMove, nextActiveRow, scrollToShow, type GridMove } from '../../ui/lib/gridKeys.js';
import { minimumWidth } from '../../ui/components/VirtualTable.js';

const moves: readonly GridMove[] = ['ArrowDown', 'ArrowUp', 'PageDown', 'PageUp', 'Home', 'End'];

test('arrowsMoveOneRowPagesAScreenLessOneAndTheEndsAreTheEnds', () => {
  expect(nextActiveRow('ArrowDown', 4, 120, 20)).toBe(5);
  expect(nextActiveRow('ArrowUp', 4, 120, 20)).toBe(3);
  expect(nextActiveRow('PageDown', 4, 120, 20)).toBe(23);
  expect(nextActiveRow('PageUp', 30, 120, 20)).toBe(11);
  expect(nextActiveRow('Home', 30, 120, 20)).toBe(0);
  expect(nextActiveRow('End', 30, 120, 20)).toBe(119);
  // Nothing active yet: any move starts at the top, End at the bottom.
  expect(nextActiveRow('ArrowDown', -1, 120, 20)).toBe(0);
  expect(nextActiveRow('End', -1, 120, 20)).toBe(119);
  expect(nextActiveRow('ArrowDown', 0, 0, 20)).toBeNull();
  expect(isGridMove('Tab')).toBe(false);
  expect(isGridMove('PageDown')).toBe(true);
});

test('everyMoveStaysInTheListAndAPageMovesAtLeastOneRow', () => {
  fc.assert(
    fc.property(fc.constantFrom(...moves), fc.integer({ min: -1, max: 60_000 }), fc.integer({ min: 1, max: 50_000 }), fc.integer({ min: 0, max: 100 }), (key, current, count, page) => {
      const next = nextActiveRow(key, current, count, page)!;
      expect(next).toBeGreaterThanOrEqual(0);
      expect(next).toBeLessThan(count);
      const from = Math.min(current, count - 1);
      if (current >= 0 && key === 'PageDown' && from < count - 1) expect(next).toBeGreaterThan(from);
      if (current >= 0 && key === 'PageUp' && from > 0) expect(next).toBeLessThan(from);
    }),
  );
});

test('theActiveRowIsScrolledIntoViewMovingAsLittleAsPossible', () => {
  expect(scrollToShow(5, 30, 0, 300)).toBe(0); // already in view
  expect(scrollToShow(12, 30, 0, 300)).toBe(90); // below: its bottom at the bottom edge
  expect(scrollToShow(2, 30, 200, 300)).toBe(60); // above: its top at the top edge
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 50_000 }), fc.integer({ min: 10, max: 60 }), fc.integer({ min: 0, max: 2_000_000 }), fc.integer({ min: 60, max: 2000 }), (index, height, top, viewport) => {
      const at = scrollToShow(index, height, top, viewport);
      expect(index * height).toBeGreaterThanOrEqual(at);
      expect((index + 1) * height).toBeLessThanOrEqual(at + viewport);
    }),
  );
});

test('aTableIsAsNarrowAsItsColumnsMinimumsAndNoNarrower', () => {
  expect(minimumWidth(['minmax(14rem, 3fr)', '8rem', '1fr', 'minmax(6rem, 1.5fr)'])).toBe('calc(14rem + 8rem + 6rem)');
  expect(minimumWidth(['1fr'])).toBe('0px');
});
