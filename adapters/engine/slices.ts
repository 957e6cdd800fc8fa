/**
 * Long work cut into slices, the thread handed back between them: on the page, one task much over
 * a frame's 16 ms makes a frame late, and a metrics answer for 50,000 pods was one such task
 * (bench row 9s). In Node nothing is paused for: without a `pause` the work runs in one go.
 */

/** Hands the thread back (to the page's frames) and resolves when the work may go on. */
export type Pause = () => Promise<void>;

/** How long a slice runs before it pauses: a quarter of a 60 Hz frame leaves room for the frame's own work. */
export const sliceBudgetMs = 4;

/** Items between two looks at the clock: reading it per item would cost more than small items do. */
const itemsPerLook = 512;

/**
 * Runs `work(from, to)` over the items [0, count) in order, in ranges of about `budgetMs` each,
 * calling `pause` between them; with no `pause`, as one range.
 */
export async function inSlices(count: number, work: (from: number, to: number) => void, pause?: Pause, now: () => number = () => performance.now(), budgetMs = sliceBudgetMs): Promise<void> {
  if (!pause) {
    work(0, count);
    return;
  }
  let from = 0;
  while (from < count) {
    const started = now();
    do {
      const to = Math.min(count, from + itemsPerLook);
      work(from, to);
      from = to;
    } while (from < count && now() - started < budgetMs);
    if (from < count) await pause();
  }
}
