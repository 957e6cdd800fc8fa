/**
 * The page's Pause (adapters/engine/slices.ts): the next slice of long work waits until the page
 * is idle between frames (`requestIdleCallback`), so it takes time no frame needed. Yielding to a
 * task (`scheduler.yield`, a MessageChannel message) did not let frames through: Chromium ran a
 * metrics answer's slices back to back, 90–100 ms of them with no frame between (bench/uiFrames.ts
 * trace, rows 9s and 9w). Waiting for the next animation frame did, but each slice then ran
 * inside a frame, lengthening frames that churn had already made long (row 9s and 9w churning,
 * worse than before in 4 of 5 bench pairs). A hidden page draws no frames, so it does not wait.
 */
import type { Pause } from '../../adapters/engine/slices.js';
import { animationFrames } from './perFrame.js';

/** Past this a slice runs even if the page was never idle, so an answer still lands within a second or two. */
const idleWaitMs = 100;

export const pageYield: Pause = () => {
  if (document.visibilityState === 'hidden') return Promise.resolve();
  return new Promise((resolve) => {
    if (typeof requestIdleCallback === 'function') requestIdleCallback(() => resolve(), { timeout: idleWaitMs });
    else animationFrames.request(resolve);
  });
};
