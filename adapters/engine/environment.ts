/**
 * Environment signals: tiny subscribables for page visibility and network status. Each starts
 * listening on its first listener and stops on its last, so a Node engine, which has neither,
 * pays nothing. The engine turns "visible again" and "online again" into a reconnect without
 * waiting for backoff and a refresh of every subscription: after a hidden or offline spell it
 * resyncs before it trusts anything it holds.
 */

export interface Signal<T> {
  subscribe(listener: (value: T) => void): () => void;
}

interface EventSourceLike {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

/** A signal over one DOM-like event source, read through `read` whenever `event` fires. */
export function domSignal<T>(source: EventSourceLike | undefined, events: readonly string[], read: () => T): Signal<T> {
  const listeners = new Set<(value: T) => void>();
  const fire = () => {
    const value = read();
    for (const listener of [...listeners]) listener(value);
  };
  return {
    subscribe(listener) {
      if (!source) return () => {};
      if (listeners.size === 0) for (const e of events) source.addEventListener(e, fire);
      listeners.add(listener);
      return () => {
        if (!listeners.delete(listener)) return;
        if (listeners.size === 0) for (const e of events) source.removeEventListener(e, fire);
      };
    },
  };
}

/** `true` when the page is visible. Without a document (Node) it never fires. */
export function visibilitySignal(doc: (EventSourceLike & { visibilityState?: string }) | undefined = globalThis.document): Signal<boolean> {
  return domSignal(doc, ['visibilitychange'], () => doc?.visibilityState !== 'hidden');
}

/** `true` when the browser believes it is online. Without a window (Node) it never fires. */
export function onlineSignal(
  win: EventSourceLike | undefined = (globalThis as { window?: EventSourceLike }).window,
  nav: { onLine?: boolean } | undefined = globalThis.navigator as { onLine?: boolean } | undefined,
): Signal<boolean> {
  return domSignal(win, ['online', 'offline'], () => nav?.onLine !== false);
}
