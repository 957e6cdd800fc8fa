/**
 * What a view said, next to what the backend had just told it. `followReasons` watches one
 * subscription actor inside a real engine (it subscribes to the engine's own actor, replacing
 * nothing) and keeps every change of the view's state or reason together with the upstream report
 * the view held at that moment. `unfoundedLapseNames` then lists where the view's words went
 * beyond the backend's: a lapse named (`upstream behind`, `upstream stalled`) that the report it
 * had just received did not name, or a named lapse given up for `upstream unproven` within one
 * degraded stretch.
 */
import type { Engine } from '../../adapters/engine/engine.js';
import type { SubscriptionStateName } from '../../machines/subscriptionMachine.js';
import { subscriptionStateName } from '../../machines/subscriptionMachine.js';
import type { Reason, TransitionRecord, UpstreamReport } from '../../machines/types.js';

export interface ReasonChange {
  readonly state: SubscriptionStateName;
  readonly reason: Reason | null;
  /** The upstream report the view held when it said this. */
  readonly upstream: UpstreamReport | null;
  /** The newest entry of the view's transition log: the same record means the same stretch. */
  readonly lastTransition: TransitionRecord | undefined;
}

interface ViewSnapshot {
  readonly value: unknown;
  readonly status: string;
  readonly context: { readonly reason: Reason | null; readonly upstream: UpstreamReport | null; readonly transitions: readonly TransitionRecord[] };
}

export function followReasons(engine: Engine, key: string): { readonly changes: ReasonChange[]; stop(): void } {
  const entry = engine.actor.getSnapshot().context.subscriptions[key];
  if (!entry || entry.retrieval !== 'stream') throw new Error(`no streamed subscription ${key}`);
  const ref = entry.ref as unknown as { getSnapshot(): ViewSnapshot; subscribe(next: (s: ViewSnapshot) => void): { unsubscribe(): void } };
  const changes: ReasonChange[] = [];
  const take = (snapshot: ViewSnapshot) => {
    const state = subscriptionStateName(snapshot);
    const last = changes.at(-1);
    if (last && last.state === state && last.reason === snapshot.context.reason) return;
    changes.push({ state, reason: snapshot.context.reason, upstream: snapshot.context.upstream, lastTransition: snapshot.context.transitions.at(-1) });
  };
  take(ref.getSnapshot());
  const subscription = ref.subscribe(take);
  return { changes, stop: () => subscription.unsubscribe() };
}

const lapseNames: ReadonlySet<Reason> = new Set<Reason>(['upstream behind', 'upstream stalled']);

/** The lapse an upstream report names, if it is an unhealthy one that names one. */
function lapseNamedBy(report: UpstreamReport | null): string | null {
  if (!report || report.healthy !== false || typeof report.reason !== 'string') return null;
  return /(^|: )(upstream behind|upstream stalled)$/.exec(report.reason)?.[2] ?? null;
}

function said(change: ReasonChange): string {
  return `${change.state} (${change.reason ?? '-'}) holding ${JSON.stringify({ healthy: change.upstream?.healthy, reason: change.upstream?.reason })}`;
}

/** Where the view's words went beyond what the backend had told it; empty when they never did. */
export function unfoundedLapseNames(changes: readonly ReasonChange[]): string[] {
  const problems: string[] = [];
  changes.forEach((change, i) => {
    const before = changes[i - 1];
    const newWord = !before || before.reason !== change.reason;
    if (newWord && change.reason !== null && lapseNames.has(change.reason) && lapseNamedBy(change.upstream) !== change.reason) {
      problems.push(`said ${change.reason} on its own: ${said(change)}`);
    }
    const sameStretch = before?.state === 'degraded' && change.state === 'degraded' && before.lastTransition === change.lastTransition;
    if (sameStretch && before.reason !== null && lapseNames.has(before.reason) && change.reason === 'upstream unproven') {
      problems.push(`went back from ${before.reason} to upstream unproven: ${said(change)}`);
    }
  });
  return problems;
}

/** The reasons the view gave, in order, each once per run of the same word. */
export function reasonsSaid(changes: readonly ReasonChange[]): string[] {
  return changes.map((c) => c.reason ?? '-').filter((reason, i, all) => i === 0 || all[i - 1] !== reason);
}
