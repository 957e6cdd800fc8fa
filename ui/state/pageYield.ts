/**
 * The page's Pause (adapters/engine/slices.ts): the next slice of long work waits for the next
 * animation frame (perFrame.ts's scheduler, which a hidden page hears from by a timer), so each
 * frame takes one slice and renders. Yielding to a task instead (`scheduler.yield`, a
 * MessageChannel message) did not let frames through: Chromium ran a metrics answer's slices back
 * to back, 90–100 ms of them with no frame between (bench/uiFrames.ts trace, row 9s and 9w).
 * A hidden page draws no frames, so it does not wait for them (its timer would make a 50,000-pod
 * answer take seconds).
 */
import type { Pause } from '../../adapters/engine/slices.js';
import { animationFrames } from './perFrame.js';

export const pageYield: Pause = () => (document.visibilityState === 'hidden' ? Promise.resolve() : new Promise((resolve) => void animationFrames.request(resolve)));
