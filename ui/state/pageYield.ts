/**
 * The page's Pause (adapters/engine/slices.ts): the next slice of long work runs as a task of its
 * own, so a frame that is due renders first. `scheduler.yield` where Chromium has it (the work
 * goes on before tasks queued meanwhile), else a MessageChannel message: a setTimeout nested this
 * deep waits at least 4 ms each time.
 */
import type { Pause } from '../../adapters/engine/slices.js';

interface YieldingScheduler {
  yield(): Promise<void>;
}

export const pageYield: Pause = () => {
  const scheduler = (globalThis as { scheduler?: Partial<YieldingScheduler> }).scheduler;
  if (typeof scheduler?.yield === 'function') return scheduler.yield();
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
};
