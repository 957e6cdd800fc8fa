/**
 * useDomain holds one domain subscription for as long as the component is mounted (or until
 * its scope changes) and reads its machine through @xstate/react: the orchestrator's entry for
 * the key, then the domain actor's own snapshot, turned into the DiagnosticsRow everything on
 * screen is derived from. `scope: null` holds nothing (e.g. no pod chosen for logs).
 */
import { useSelector } from '@xstate/react';
import { useEffect, useMemo } from 'react';
import type { DiagnosticsRow } from '../../machines/diagnostics.js';
import type { Domain } from '../../machines/domains.js';
import { subscriptionKey } from '../../machines/domains.js';
import { statusRow } from '../state/domainStatus.js';
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
  // Re-renders on every snapshot of this one actor, and on nothing else's.
  const snapshot = useSelector(ref as { getSnapshot(): unknown; subscribe: never } | undefined, (s) => s);
  const status = useMemo(
    () => (entry && snapshot ? statusRow(entry.retrieval, snapshot, Math.max(now, engine.clock.now()), entry.holders) : undefined),
    [entry, snapshot, now, engine],
  );
  return { key, status };
}
