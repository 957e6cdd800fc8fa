/**
 * `?inspect`: the Stately inspector, opened only when it can work. The inspector is a page at
 * stately.ai in a window of its own; when that address cannot be reached (offline, a proxy that
 * blocks it) the window would open on a browser error page and the dashboard would say nothing.
 * So the address is asked first, and a window is opened only when it answers; otherwise, or when
 * the browser blocks the window, or the page there never says it is connected, a notice says so.
 *
 * The notice is a tiny subscribable (nothing listens until the page renders it).
 */
import type { InspectionEvent, Observer } from 'xstate';

export const inspectorUrl = 'https://stately.ai/inspect';

/** Long enough for a slow link to answer; short enough that the page does not wait on it. */
export const inspectorProbeTimeoutMs = 4_000;

/** The inspector page posts `@statelyai.connected` once loaded; past this, it is not coming. */
export const inspectorConnectTimeoutMs = 15_000;

let notice: string | null = null;
const listeners = new Set<() => void>();

function say(text: string | null): void {
  notice = text;
  for (const listener of listeners) listener();
}

export const inspectorNotice = {
  get: (): string | null => notice,
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  dismiss: (): void => say(null),
};

/** Whether the inspector's address answers at all (an opaque answer is enough: no-cors). */
async function reachable(url: string): Promise<boolean> {
  try {
    await fetch(url, { mode: 'no-cors', cache: 'no-store', signal: AbortSignal.timeout(inspectorProbeTimeoutMs) });
    return true;
  } catch {
    return false;
  }
}

/** The engine's `inspect` observer when `?inspect` is asked for and the inspector can be opened. */
export async function connectInspector(search: string): Promise<Observer<InspectionEvent> | undefined> {
  if (!new URLSearchParams(search).has('inspect')) return undefined;
  if (!(await reachable(inspectorUrl))) {
    say(`?inspect: the Stately inspector at ${inspectorUrl} cannot be reached from this browser, so no inspector window was opened. The dashboard works without it.`);
    return undefined;
  }
  let opened = true;
  let connected = false;
  // The inspector opens its window through this, so a blocked popup (null) is seen.
  const opener = {
    open: (url?: string | URL, target?: string) => {
      const handle = window.open(url, target);
      opened = handle !== null;
      return handle;
    },
    addEventListener: window.addEventListener.bind(window),
    removeEventListener: window.removeEventListener.bind(window),
  } as unknown as Window;
  const onMessage = (event: MessageEvent) => {
    if ((event.data as { type?: unknown } | null)?.type !== '@statelyai.connected') return;
    connected = true;
    window.removeEventListener('message', onMessage);
  };
  window.addEventListener('message', onMessage);
  // Loaded only when asked for: the inspector is not part of the dashboard's own bundle.
  const { createBrowserInspector } = await import('@statelyai/inspect');
  const inspector = createBrowserInspector({ url: inspectorUrl, window: opener });
  if (!opened) {
    say(`?inspect: the browser blocked the inspector's window. Allow pop-ups for this address and reload.`);
  } else {
    setTimeout(() => {
      if (!connected) say(`?inspect: the inspector window opened but has not connected after ${inspectorConnectTimeoutMs / 1000}s; it may not have loaded.`);
    }, inspectorConnectTimeoutMs);
  }
  return inspector.inspect;
}
