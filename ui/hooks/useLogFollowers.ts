/**
 * useLogFollowers holds one `pod-logs` subscription per container of a pod (scope
 * `namespace/pod/container`) and reads each one's rows and state, as useDomain and useRows do for
 * one: the engine keys subscriptions by domain and scope, so the all-containers view is these
 * followers joined in the view, and one container is the same with a single follower.
 *
 * `follow` false (the pod was deleted): no subscription, so no request for the logs of a pod the
 * cluster no longer has, and each follower keeps the lines it held when following stopped
 * (releasing a subscription drops its rows from the store).
 */
import { useSelector } from '@xstate/react';
import { useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import type { LogLineRow } from '../../adapters/rows.js';
import type { DiagnosticsRow } from '../../machines/diagnostics.js';
import { subscriptionKey } from '../../machines/domains.js';
import type { SubscriptionEntry } from '../../machines/orchestratorMachine.js';
import { statusRow } from '../state/domainStatus.js';
import { rowsSource, type ExternalSource } from '../state/storeSources.js';
import { useEngine, useNow } from './engine.js';

export interface LogFollower {
  readonly container: string;
  readonly key: string;
  readonly rows: readonly LogLineRow[];
  /** Undefined until the orchestrator has spawned the actor. */
  readonly status: DiagnosticsRow | undefined;
}

/** Several sources read as one: a new array only when one of their values is a new value. */
function allOf<T>(sources: readonly ExternalSource<T>[]): ExternalSource<readonly T[]> {
  let last: readonly T[] = [];
  return {
    subscribe(listener) {
      const stops = sources.map((s) => s.subscribe(listener));
      return () => {
        for (const stop of stops) stop();
      };
    },
    getSnapshot() {
      const values = sources.map((s) => s.getSnapshot());
      if (values.length !== last.length || values.some((v, i) => v !== last[i])) last = values;
      return last;
    },
  };
}

/** An actor's snapshots as a source; a missing actor (not spawned yet) reads as undefined. */
function actorSource(ref: SubscriptionEntry['ref'] | undefined): ExternalSource<unknown> {
  // Only "something changed" is needed here, which every kind of domain actor can say.
  const actor = ref as { subscribe(next: () => void): { unsubscribe(): void }; getSnapshot(): unknown } | undefined;
  return {
    subscribe(listener) {
      const subscription = actor?.subscribe(() => listener());
      return () => subscription?.unsubscribe();
    },
    getSnapshot: () => actor?.getSnapshot(),
  };
}

const sameEntries = (a: readonly (SubscriptionEntry | undefined)[], b: readonly (SubscriptionEntry | undefined)[]) => a.length === b.length && a.every((entry, i) => entry === b[i]);

export function useLogFollowers(namespace: string, pod: string, containers: readonly string[], follow = true): readonly LogFollower[] {
  const engine = useEngine();
  const now = useNow();
  const joined = containers.join('/');
  // Keyed on the names, not the array: a pod row re-read with the same containers keeps the subscriptions.
  const scopes = useMemo(() => joined.split('/').filter((c) => c !== '').map((c) => `${namespace}/${pod}/${c}`), [namespace, pod, joined]);
  const keys = useMemo(() => scopes.map((s) => subscriptionKey('pod-logs', s)), [scopes]);

  useEffect(() => {
    if (!follow) return;
    const releases = scopes.map((scope) => engine.subscribe('pod-logs', scope));
    return () => {
      for (const release of releases) release();
    };
  }, [engine, scopes, follow]);

  const rowsOfAll = useMemo(() => allOf(keys.map((key) => rowsSource<LogLineRow>(engine.store, key))), [engine, keys]);
  const live = useSyncExternalStore(rowsOfAll.subscribe, rowsOfAll.getSnapshot, rowsOfAll.getSnapshot);
  // The lines of each key as last read while following: what a stopped follower shows.
  const held = useRef(new Map<string, readonly LogLineRow[]>());
  if (follow) keys.forEach((key, i) => held.current.set(key, live[i] ?? []));
  const stopped = useMemo(() => (follow ? null : keys.map((key) => held.current.get(key) ?? [])), [follow, keys]);
  const rows = stopped ?? live;

  const entries = useSelector(engine.actor, (s) => keys.map((key) => s.context.subscriptions[key]), sameEntries);
  const snapshotsOfAll = useMemo(() => allOf(entries.map((entry) => actorSource(entry?.ref))), [entries]);
  const snapshots = useSyncExternalStore(snapshotsOfAll.subscribe, snapshotsOfAll.getSnapshot, snapshotsOfAll.getSnapshot);

  return useMemo(
    () =>
      keys.map((key, i) => {
        const entry = entries[i];
        const snapshot = snapshots[i];
        const status = follow && entry && snapshot ? statusRow(entry.retrieval, snapshot, Math.max(now, engine.clock.now()), entry.holders) : undefined;
        return { container: containers[i] ?? '', key, rows: rows[i] ?? [], status };
      }),
    [keys, entries, snapshots, rows, now, engine, follow],
  );
}
