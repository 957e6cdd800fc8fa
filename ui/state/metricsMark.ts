/**
 * A performance mark, `kubelive:metrics-applied`, each time a metrics answer lands in a store: the
 * one moment a metrics tick costs the page (its samples shown, views re-sorted), which bench/uiFrames.ts
 * counts late frames around. The page no longer fetches metrics itself (a Worker does), so its
 * resource timings cannot say when. Marks kept are trimmed to the last `keptMarks`.
 */
import type { RowStore } from '../../adapters/engine/store.js';

export const metricsAppliedMark = 'kubelive:metrics-applied';

/** A page open for a day at a 5 s interval makes 17,000 marks; a bench reads the last few hundred. */
const keptMarks = 1000;

/** Marks each move of `store`'s metrics version from now on; returns how to stop. */
export function markMetricsApplied(store: RowStore): () => void {
  let seen = store.metricsVersion;
  let marked = 0;
  return store.subscribe(() => {
    if (store.metricsVersion === seen) return;
    seen = store.metricsVersion;
    if (++marked > keptMarks) {
      performance.clearMarks(metricsAppliedMark);
      marked = 1;
    }
    performance.mark(metricsAppliedMark);
  });
}
