/**
 * The timer adapter: every machine delay (poll, metrics tick, stall and pending timeouts,
 * backoff) is scheduled through one XState clock, and this one runs on an rxjs scheduler. The
 * machines start a timer when they enter a state and cancel it when they leave, so nothing ticks
 * after a subscription stops; `active` counts what is scheduled right now, for leak checks.
 */
import type { SchedulerLike, Subscription } from 'rxjs';
import { asyncScheduler } from 'rxjs';

export interface CountingClock {
  setTimeout(fn: (...args: unknown[]) => void, timeout: number): unknown;
  clearTimeout(id: unknown): void;
  now(): number;
  /** Timers scheduled and not yet fired or cancelled. */
  readonly active: number;
}

export function rxjsClock(scheduler: SchedulerLike = asyncScheduler): CountingClock {
  const live = new Set<Subscription>();
  return {
    setTimeout(fn, timeout) {
      const subscription: Subscription = scheduler.schedule(() => {
        live.delete(subscription);
        fn();
      }, Math.max(0, timeout));
      live.add(subscription);
      return subscription;
    },
    clearTimeout(id) {
      const subscription = id as Subscription | undefined;
      if (!subscription || typeof subscription.unsubscribe !== 'function') return;
      live.delete(subscription);
      subscription.unsubscribe();
    },
    now: () => scheduler.now(),
    get active() {
      return live.size;
    },
  };
}
