/**
 * Words the machines share: why a subscription is not healthy, what the backend said about its
 * own upstream list-watch, what a fetch returned, and the log of recent transitions.
 */

/** Why a subscription is not `healthy`, in the words diagnostics show an operator. */
export type Reason =
  | 'starting'
  | 'disconnect'
  | 'drift'
  | 'stalled'
  | 'errors'
  | 'no delivery'
  | 'no scope'
  | 'permissions'
  | 'upstream'
  /**
   * No proof arrived, within the freshness bound, that the backend's own watch on the cluster is
   * current: the view's own lapse timer ran out, or the backend says it is still `proving`. That
   * is all either knows then; whether the watch fell behind or went quiet only the backend can
   * tell, once it gives up on the watch (`upstream behind` or `upstream stalled`).
   */
  | 'upstream unproven'
  /** The backend's own watch has not proven itself within the freshness bound, and had gone quiet. */
  | 'upstream stalled'
  /**
   * The backend's own watch has not proven itself within the freshness bound while it was still
   * delivering: it is falling behind the API server rather than silent.
   */
  | 'upstream behind'
  /** The cluster serves no metrics.k8s.io (no metrics-server): nothing to poll, not an error. */
  | 'metrics unavailable';

export type Health = 'healthy' | 'degraded' | 'unhealthy';

/** How a domain's data is being kept fresh right now. */
export type RetrievalMode = 'snapshot' | 'streaming' | 'watch' | 'polling' | 'metrics-only';

/**
 * The backend's report on its own list-watch for a resource, carried on heartbeats and status
 * frames. `healthy` is the backend's verdict; `state` is its upstream machine's state name.
 */
export interface UpstreamReport {
  readonly state: string;
  readonly healthy: boolean;
  readonly lastEventAgeMs?: number | null;
  readonly relists?: number;
  readonly errors?: number;
  readonly reason?: string | null;
  /**
   * How old, when the frame was built, the backend's last proof is that its cache held
   * everything the API server had (a probe, or the list itself). `null`: nothing proven yet,
   * or no proof applies (a log follower). Past `freshnessBoundMs` the upstream is `lapsed`.
   */
  readonly proofAgeMs?: number | null;
  /**
   * Set when the view covers only some namespaces because the user may not list its resource
   * cluster-wide: one list-watch per permitted namespace stands behind it (server/permissions.ts).
   * Absent for a view that covers everything it asked for.
   */
  readonly partial?: PartialViewReport;
  /**
   * Set when what the view follows has ended for good and its rows are all there will be:
   * `pod-deleted` on a pod-logs view whose pod was deleted (its log went with it). Not a fault:
   * `healthy` stays true. Absent otherwise; a client shows a code it does not know as "ended".
   */
  readonly ended?: string;
  /**
   * A pod-logs view's: the uid of the pod whose log the rows are. A pod re-created under the name
   * has another uid, so a client showing a pod whose uid differs knows the rows are not its log
   * (yet). Absent before the first read, and from a backend before it.
   */
  readonly podUid?: string;
}

/** What a log follower adds to its upstream's report: whose log it holds, and whether that log ended. */
export type LogFacts = Pick<UpstreamReport, 'ended' | 'podUid'>;

/** The `ended` codes this version sends (adapters/protocol.ts checks the field's shape, not the list). */
export const podDeletedEnd = 'pod-deleted';

/** What a partial view covers, and what it does not and why: for its header and Diagnostics. */
export interface PartialViewReport {
  /** The namespaces the view's rows come from, sorted. */
  readonly namespaces: readonly string[];
  /** Namespaces known to exist (or named) that it does not cover, each with the refusal's words: the first 20 by name. */
  readonly refused: readonly { readonly namespace: string; readonly reason: string }[];
  /** How many namespaces the cluster has, when the user may list them; null when it may not. */
  readonly total: number | null;
  /** One line for a view header: `pods in 2 of 9 namespaces`. */
  readonly summary: string;
}

/**
 * The backend's upstream proof in its diagnostics: the proof's age and bound (null for what
 * cannot be proven, such as a log follower), probes passed and failed, lapses, the last failure.
 */
export interface UpstreamProofDiagnostics {
  readonly ageMs: number | null;
  readonly boundMs: number | null;
  readonly passed: number;
  readonly failed: number;
  readonly lapses: number;
  readonly lastFailure: string | null;
}

/** What a snapshot or metrics fetch actor resolves with: enough for counters and diagnostics. */
export interface FetchResult {
  readonly count: number;
  /** false for a 304: nothing changed since the last poll. */
  readonly changed: boolean;
  readonly upstream?: UpstreamReport | null;
}

/** A fetch failure as the machines see it; adapters map HTTP and socket errors onto this. */
export interface FetchFailure {
  readonly status?: number;
  readonly message: string;
}

export interface TransitionRecord {
  readonly at: number;
  readonly from: string;
  readonly to: string;
  readonly reason: Reason | null;
}

/** How many transitions each actor remembers for diagnostics. */
export const transitionLogSize = 20;

export function appendTransition(
  log: readonly TransitionRecord[],
  record: TransitionRecord,
): TransitionRecord[] {
  const next = log.length >= transitionLogSize ? log.slice(log.length - transitionLogSize + 1) : log.slice();
  next.push(record);
  return next;
}

/**
 * The context change for entering a top-level state: remember it and log the transition with its
 * reason. Re-entering the state it is already in logs nothing.
 */
export function enteredState(
  context: { current: string; transitions: readonly TransitionRecord[]; now: Now },
  state: string,
  reason: Reason | null,
): { current?: string; transitions?: TransitionRecord[] } {
  if (context.current === state) return {};
  return {
    current: state,
    transitions: appendTransition(context.transitions, { at: context.now(), from: context.current, to: state, reason }),
  };
}

/** Reads an HTTP-ish status off whatever a fetch actor threw. */
export function failureStatus(error: unknown): number | undefined {
  if (error && typeof error === 'object' && 'status' in error) {
    const status = (error as { status: unknown }).status;
    if (typeof status === 'number') return status;
  }
  return undefined;
}

/** Reads the backend's error code (`metrics-unavailable`, ...) off whatever a fetch actor threw. */
export function failureCode(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

export function failureMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object' && 'message' in error) return String((error as { message: unknown }).message);
  return String(error);
}

/** A clock reading, injected so machines stay pure and tests run on simulated time. */
export type Now = () => number;
