/**
 * What React hears of the engine, at most once per animation frame. Each WebSocket message is a
 * task of its own; after it the store and the subscription's machine tell their listeners, and
 * React renders a useSyncExternalStore change at once. When several messages waited for one frame
 * (they queue behind a long one), the Pods view rendered once per message, 5-10 ms each, up to
 * eight in one frame under churn (bench row 9s). Through `perFrame` the listeners hear once, in
 * the next frame before it paints, whatever happened since; a hidden page runs no frames and hears
 * within `hiddenPageMs`.
 */

export type Subscribe = (listener: () => void) => () => void;

/** When to deliver: `request` calls back once, later, and returns how to cancel that. */
export interface FrameScheduler {
  request(callback: () => void): () => void;
}

/** A hidden page runs no animation frames; past this it hears anyway, so nothing waits for a tab to show. */
const hiddenPageMs = 250;

export const animationFrames: FrameScheduler = {
  request(callback) {
    let frame = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let over = false;
    const cancel = () => {
      over = true;
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
    const once = () => {
      if (over) return;
      cancel();
      callback();
    };
    frame = requestAnimationFrame(once);
    timer = setTimeout(once, hiddenPageMs);
    return cancel;
  },
};

/** `subscribe`, its listeners told at most once per frame however often it fires; it is followed only while someone listens. */
export function perFrame(subscribe: Subscribe, frames: FrameScheduler = animationFrames): Subscribe {
  const listeners = new Set<() => void>();
  let stopFollowing: (() => void) | null = null;
  let pending: (() => void) | null = null;
  const deliver = () => {
    pending = null;
    for (const listener of [...listeners]) {
      try {
        listener();
      } catch {
        // As the store does: one failing listener must not stop the others.
      }
    }
  };
  return (listener) => {
    listeners.add(listener);
    stopFollowing ??= subscribe(() => {
      pending ??= frames.request(deliver);
    });
    return () => {
      listeners.delete(listener);
      if (listeners.size > 0) return;
      stopFollowing?.();
      stopFollowing = null;
      pending?.();
      pending = null;
    };
  };
}
