/**
 * useDomain holds one domain subscription for as long as the component is mounted (or until
 * its scope changes) and reads its machine: the orchestrator's entry for the key through
 * @xstate/react, then the domain actor's own snapshot (once a frame at most), turned into the
 * DiagnosticsRow everything on screen is derived from. `scope: null` holds nothing (e.g. no pod
 * chosen for logs).
 */
import { useSelector } from '@xstate/react';
import { useEffect, useMemo, useSyncExternalStore } from 'react';
import type { DiagnosticsRow } from '../../machines/diagnostics.js';
import type { Domain } from '../../machines/domains.js';
import { subscriptionKey } from '../../machines/domains.js';
import { statusRow } from '../state/domainStatus.js';
import { perFrame } from '../state/perFrame.js';
import { useEngine, useNow } from './engine.js';

export interface DomainHandle {
  readonly key: string;
  /** Undefined until the orchestrator has spawned the actor (the first render). */
  readonly status: DiagnosticsRow | undefined;
}

export function useDomain(domain: Domain, scope: string | null): DomainHandle {
  const engine = useEngine();
  const now = useNow();
  const key = subscriptionKey(domain, scope ?? '');
  useEffect(() => {
    if (scope === null) return;
    return engine.subscribe(domain, scope);
  }, [engine, domain, scope]);

  const entry = useSelector(engine.actor, (s) => (scope === null ? undefined : s.context.subscriptions[key]));
  const ref = entry?.ref;
  // Re-renders on this one actor's snapshots and nothing else's, at most once a frame: every
  // delivery moves its snapshot (the last delivery's time), several can land in one frame, and
  // each would render the whole view (ui/state/perFrame.ts).
  // An actor that failed is heard too, and its error thrown while rendering, as useSelector does.
  const followed = ref as { subscribe(observer: { next(): void; error(): void }): { unsubscribe(): void }; getSnapshot(): unknown } | undefined;
  const onSnapshots = useMemo(
    () =>
      perFrame((listener) => {
        const subscription = followed?.subscribe({ next: listener, error: listener });
        return () => subscription?.unsubscribe();
      }),
    [followed],
  );
  const snapshot = useSyncExternalStore(onSnapshots, () => {
    const current = followed?.getSnapshot() as { status?: string; error?: unknown } | undefined;
    if (current?.status === 'error') throw current.error;
    return current;
  });
  const status = useMemo(
    () => (entry && snapshot ? statusRow(entry.retrieval, snapshot, Math.max(now, engine.clock.now()), entry.holders) : undefined),
    [entry, snapshot, now, engine],
  );
  return { key, status };
}
