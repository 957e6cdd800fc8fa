/**
 * Reads a machine's definition back as plain data: its states and every transition with its
 * source, event, guard and targets. The state diagrams in docs/ and the transition coverage of
 * the model-based tests are both computed from this, so neither can drift from the machines.
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';

export interface TransitionInfo {
  /** Stable identity: source id, event, and position among the source's transitions for it. */
  readonly id: string;
  readonly source: string;
  readonly event: string;
  readonly guard: string | null;
  readonly targets: readonly string[];
  readonly reenter: boolean;
}

/** Every state node below the root, parents before children, in document order. */
export function stateNodes(machine: AnyStateMachine): AnyStateNode[] {
  const out: AnyStateNode[] = [];
  const walk = (node: AnyStateNode) => {
    for (const child of Object.values(node.states) as AnyStateNode[]) {
      out.push(child);
      walk(child);
    }
  };
  walk(machine.root);
  return out;
}

function guardName(guard: unknown): string | null {
  if (!guard) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && guard !== null && 'type' in guard) return String((guard as { type: unknown }).type);
  if (typeof guard === 'function') return guard.name || 'inline';
  return 'inline';
}

/** A readable event name: `after stallTimeout`, `done snapshot`, `always`, or the event type. */
export function eventLabel(eventType: string): string {
  const after = /^xstate\.after\.([^.]+)\./.exec(eventType);
  if (after) return `after ${after[1]}`;
  const done = /^xstate\.done\.actor\.(.+)$/.exec(eventType);
  if (done) return `done ${done[1]}`;
  const error = /^xstate\.error\.actor\.(.+)$/.exec(eventType);
  if (error) return `error ${error[1]}`;
  return eventType === '' ? 'always' : eventType;
}

export function machineTransitions(machine: AnyStateMachine): TransitionInfo[] {
  const out: TransitionInfo[] = [];
  for (const node of [machine.root, ...stateNodes(machine)]) {
    const groups: Array<[string, readonly { guard?: unknown; target?: readonly AnyStateNode[] | undefined; reenter: boolean }[]]> = [
      ...node.transitions.entries(),
    ];
    if (node.always) groups.push(['', node.always]);
    for (const [event, transitions] of groups) {
      transitions.forEach((t, index) => {
        out.push({
          id: transitionId(node.id, event, index),
          source: node.id,
          event,
          guard: guardName(t.guard),
          targets: (t.target ?? []).map((target) => target.id),
          reenter: t.reenter,
        });
      });
    }
  }
  return out;
}

export function transitionId(source: string, event: string, index: number): string {
  return `${source} --${event}#${index}`;
}

/** The id of a transition object taken at run time (from an `@xstate.microstep` inspection event). */
export function takenTransitionId(transition: {
  source: AnyStateNode;
  eventType: string;
}): string {
  const source = transition.source;
  const candidates =
    transition.eventType === '' ? (source.always ?? []) : (source.transitions.get(transition.eventType) ?? []);
  const index = (candidates as readonly unknown[]).indexOf(transition);
  return transitionId(source.id, transition.eventType, index);
}
