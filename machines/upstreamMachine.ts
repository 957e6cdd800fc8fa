/**
 * The upstream machine keeps the backend's cache of one Kubernetes resource in step with the API
 * server, like client-go's Reflector, but with its health visible: list (paginated), then watch
 * from the list's resourceVersion with bookmarks; relist on 410 Gone; restart the watch when it
 * ends or when nothing (event or bookmark) arrives within the stall timeout; back off
 * exponentially with jitter on errors; sit in `forbidden` on 403 and retry only slowly.
 *
 * The machine performs no I/O. `listResource` (a promise: list every page into the cache and
 * resolve with the list's resourceVersion) and `watchResource` (a callback actor: open a watch,
 * send WATCH.* events back, abort on cleanup) are provided by adapters/kube with `.provide`.
 *
 * It counts as healthy only in `watching` with no open problem and a proof younger than the
 * freshness bound. The proof (`proveResource`, adapters/kube/proof.ts) is gathered on our own
 * schedule while watching: a short probe watch whose events the main watch must have delivered
 * too. The list itself proves the cache as of the moment it began. A proof older than the bound
 * means the cache may be missing changes the API server has: the upstream has *lapsed*, drops
 * its watch and relists, because a cache that may be behind must catch up from the API server
 * before it serves anyone again. The lapse's reason says which kind of lapse it was: `upstream
 * behind` when the watch was still delivering (something arrived within `stillDeliveringWindow`,
 * a quarter of the bound) but no probe could prove it had caught up, `upstream stalled` when it
 * had gone quiet. The reason stays until a probe on a later watch passes.
 */
import { assign, fromCallback, fromPromise, setup, stateIn, type EventObject } from 'xstate';
import { backoffDelay } from './backoff.js';
import type { Now, Reason, UpstreamReport } from './types.js';

export type UpstreamEvent =
  /** Anything arrived on the watch: an object event or a bookmark, with the resourceVersion it carried. */
  | { type: 'WATCH.PROGRESS'; resourceVersion?: string }
  /** A page (or a piece of a streaming list) of the list in flight arrived. */
  | { type: 'LIST.PROGRESS' }
  /** The API server closed the watch cleanly (its timeoutSeconds ran out, or it restarted). */
  | { type: 'WATCH.ENDED' }
  /** 410 Gone: the resourceVersion we watch from is too old; only a relist helps. */
  | { type: 'WATCH.GONE' }
  | { type: 'WATCH.FAILED'; status?: number; message: string }
  /** A probe found every change the API server has since the last proof in the cache. `provenAt`: as of when. */
  | { type: 'PROOF.PASSED'; provenAt: number; events?: number }
  /** A probe could not prove the cache complete (no bookmark, missed changes, an error). */
  | { type: 'PROOF.FAILED'; status?: number; message: string }
  | { type: 'STOP' }
  | { type: 'START' };

export interface ListInput {
  readonly resource: string;
  /**
   * This upstream's last watch lapsed (no proof within the freshness bound, silent or behind) and
   * no probe has passed since. A list that is itself a watch (a streaming list) would most likely
   * stall or lag the same way, so the list should be one the server answers as a plain read.
   */
  readonly watchLapsed?: boolean;
  /** Called at every page or piece that arrives: the list is alive however long it takes. */
  readonly progress?: () => void;
}

export interface ListOutput {
  readonly resourceVersion: string;
}

export interface WatchInput {
  readonly resource: string;
  readonly resourceVersion: string;
  readonly timeoutSeconds: number;
}

export interface ProofInput {
  readonly resource: string;
  /** Time from the start of one probe to the start of the next (at once, when a probe takes longer). */
  readonly intervalMs: number;
  /** Before the first probe of a watch: long enough for the watch itself to connect. */
  readonly firstDelayMs: number;
  /**
   * How long the main watch may lag the probe on the same server before the probe fails. A pass
   * proves the cache as of the probe's request, not as of the pass, so a later pass is an older
   * proof, never a false one.
   */
  readonly graceMs: number;
}

export interface UpstreamTimings {
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
  /** A watch silent this long (no event, no bookmark) is presumed dead and restarted. */
  readonly stallTimeoutMs: number;
  /**
   * A list with no page (or piece) for this long is abandoned and retried: a hung request must
   * not hang the upstream. Counted from the last page, not from the start: a total bound never
   * let a list finish whose pages all arrived in time but added up to more (a starved machine,
   * a slow link, 150,000 pods), and each retry started over.
   */
  readonly listTimeoutMs: number;
  /** How long `forbidden` waits before trying again: permissions rarely change by the second. */
  readonly forbiddenRetryMs: number;
  /** Server-side watch timeout range in seconds; each watch picks at random inside it. */
  readonly watchTimeoutSeconds: readonly [number, number];
  /**
   * The freshness bound: a proof older than this is no proof. Null: this upstream cannot be
   * proven (a log follower has no resourceVersions) and its health is its watch's alone.
   */
  readonly freshnessBoundMs: number | null;
}

/**
 * A pass is dated when its probe asked (adapters/kube/proof.ts), so a proof is already as old as
 * its probe took when it arrives (p: about 1 s to the server's bookmark, plus the main watch's
 * lag), and is oldest just before the next pass: interval + p, the interval counting from one
 * probe's start to the next's. At a third of the bound that is 4.3 s of the default 10 s (one
 * probe failing at its 3 s deadline in between: 7.7 s), and 2 s of the 3 s bound of the soak and
 * the quick bench, whose probes then run back to back. Counted from the end of a probe, as until
 * 2026-12-03, it was 2p + interval: 2.75 s of a 3 s bound, and healthy quiet resources lapsed.
 * The grace is half the bound: a main watch behind the server by less than that still passes,
 * and its proof is as old as its lag plus the second to the bookmark (docs/backend.md, "A watch
 * that is behind"). A watch that lost changes never passes, and lapses at the bound as before.
 */
export function proofTimings(freshnessBoundMs: number): Omit<ProofInput, 'resource'> {
  return {
    intervalMs: Math.max(500, Math.round(freshnessBoundMs / 3)),
    firstDelayMs: Math.min(500, Math.round(freshnessBoundMs / 10)),
    graceMs: Math.max(250, Math.round(freshnessBoundMs / 2)),
  };
}

export interface UpstreamInput {
  readonly resource: string;
  readonly timings: UpstreamTimings;
  readonly now?: Now;
  readonly random?: () => number;
}

export interface UpstreamContext {
  readonly resource: string;
  readonly timings: UpstreamTimings;
  readonly now: Now;
  readonly random: () => number;
  /** The resourceVersion to watch from: the last list's, advanced by every event and bookmark. */
  readonly resourceVersion: string | null;
  /** Failures in a row; reset by any sign of life. Drives the backoff. */
  readonly attempt: number;
  readonly lists: number;
  readonly relists: number;
  readonly errors: number;
  readonly stalls: number;
  readonly watches: number;
  readonly lastEventAt: number | null;
  /** Events seen on the current watch: a watch that ends having delivered nothing counts as a failure. */
  readonly watchProgress: number;
  readonly timeoutSeconds: number;
  /** The open problem, or null: `starting`, `relisting`, `stalled`, `errors`, `forbidden`, `stopped`. */
  readonly reason: string | null;
  readonly lastError: string | null;
  /**
   * The HTTP status of the last failure (403, 404, ...) while no list or event has succeeded
   * since; null after any success. Lets an owner tell a scope that does not exist from one that
   * is merely failing.
   */
  readonly lastFailureStatus: number | null;
  readonly listStartedAt: number | null;
  /** When the current run of watches began (after a list or a backoff): the start of its allowance to prove itself. */
  readonly proofAllowanceFrom: number | null;
  /** When the cache was last proven to hold everything the API server had (a probe's or a list's start). */
  readonly provenAt: number | null;
  readonly proofs: number;
  readonly proofFailures: number;
  readonly lapses: number;
  /** Lapses since the last passed probe: backs the relists off when a server keeps stalling. */
  readonly lapseStreak: number;
  readonly lastProofError: string | null;
  /**
   * Why the last lapse happened, kept until a probe passes: `upstream behind` (the watch was still
   * delivering) or `upstream stalled` (it had gone quiet). Null when no lapse is open.
   */
  readonly lapseReason: LapseReason | null;
}

/** The reasons a lapse can give: the watch fell behind while delivering, or it went quiet. */
export type LapseReason = Extract<Reason, 'upstream behind' | 'upstream stalled'>;

/**
 * client-go picks each watch's timeoutSeconds in [5, 10) minutes so that watches do not all end
 * together; we do the same. Past ten minutes a dead connection the kernel has not noticed
 * would linger; the stall timeout catches that sooner anyway.
 */
export const defaultWatchTimeoutSeconds: readonly [number, number] = [300, 600];

/**
 * A lapse: the watch is dropped and the cache relisted either way; only the reason differs, by
 * whether the watch was still delivering when its proof ran out.
 */
const lapse = [
  {
    guard: 'watchStillDelivering',
    target: '#upstream.backoff',
    actions: [{ type: 'recordLapse', params: { reason: 'upstream behind' } }, 'forgetResourceVersion'],
  },
  { target: '#upstream.backoff', actions: [{ type: 'recordLapse', params: { reason: 'upstream stalled' } }, 'forgetResourceVersion'] },
] as const;

const notProvided = (name: string) => () => {
  throw new Error(`upstreamMachine: actor "${name}" was not provided`);
};

export const upstreamMachine = setup({
  types: {
    context: {} as UpstreamContext,
    events: {} as UpstreamEvent,
    input: {} as UpstreamInput,
  },
  actors: {
    listResource: fromPromise<ListOutput, ListInput>(notProvided('listResource')),
    watchResource: fromCallback<EventObject, WatchInput>(notProvided('watchResource')),
    proveResource: fromCallback<EventObject, ProofInput>(notProvided('proveResource')),
  },
  delays: {
    upstreamStallTimeout: ({ context }) => context.timings.stallTimeoutMs,
    listTimeout: ({ context }) => context.timings.listTimeoutMs,
    retryBackoff: ({ context }) =>
      backoffDelay(Math.max(context.attempt, context.lapseStreak) - 1, context.timings.backoffBaseMs, context.timings.backoffCapMs, context.random),
    forbiddenRetry: ({ context }) => context.timings.forbiddenRetryMs,
    /** When the current proof stops being one. */
    proofExpiry: ({ context }) => Math.max(0, (context.provenAt ?? 0) + (context.timings.freshnessBoundMs ?? 0) - context.now()),
    /**
     * A watch after a list or a backoff gets a whole bound to prove itself, however old the last
     * proof (a list of 150,000 pods takes longer than the bound). A watch that merely ended and
     * was reopened keeps the allowance it had, so reconnecting cannot put off a lapse for ever.
     */
    proofDeadline: ({ context }) => Math.max(0, (context.proofAllowanceFrom ?? 0) + (context.timings.freshnessBoundMs ?? 0) - context.now()),
    /**
     * How long after its last progress a watch still counts as delivering: a quarter of the bound.
     * A watch silent for longer than that when its proof runs out is
     * called quiet, so a slow quiet resource far behind is named stalled (docs/backend.md,
     * "Behind, or silent"). Unprovable upstreams never lapse; their window is a quarter of the
     * stall timeout only so that it is a number.
     */
    stillDeliveringWindow: ({ context }) => Math.max(1, Math.round((context.timings.freshnessBoundMs ?? context.timings.stallTimeoutMs) / 4)),
  },
  guards: {
    isForbidden: (_, params: { status?: number }) => params.status === 403,
    isGone: (_, params: { status?: number }) => params.status === 410,
    hasResourceVersion: ({ context }) => context.resourceVersion !== null,
    watchDeliveredNothing: ({ context }) => context.watchProgress === 0,
    cannotBeProven: ({ context }) => context.timings.freshnessBoundMs === null,
    proofStale: ({ context }) => !proofFresh(context, context.now()),
    /** Something arrived on the watch within the last `stillDeliveringWindow`. */
    watchStillDelivering: stateIn('#upstream.watching.liveness.live.delivering'),
  },
  actions: {
    recordList: assign(({ context }, params: { resourceVersion: string }) => ({
      resourceVersion: params.resourceVersion,
      lists: context.lists + 1,
      attempt: 0,
      lastEventAt: context.now(),
      reason: null,
      lastFailureStatus: null,
      // A list is a consistent read: the cache held the server's state as of the list's start.
      provenAt: context.listStartedAt,
    })),
    recordListStart: assign(({ context }) => ({ listStartedAt: context.now() })),
    grantProofAllowance: assign(({ context }) => ({ proofAllowanceFrom: context.now() })),
    /**
     * A passed probe proves the watch current, so whatever failed before it is over: a watch that
     * failed and was resumed from its resourceVersion clears its `errors` here as well as on its
     * own next event. Without this a quiet resource whose watch was dropped once stayed unhealthy
     * (`errors`) until its next change or minutely bookmark, while its probes passed every second
     * and its views flapped between pending and fallback polling (seen 2026-12-03, drop-watches on
     * events at a 3 s bound: 17 s).
     */
    recordProof: assign(({ context, event }) => ({
      provenAt: event.type === 'PROOF.PASSED' ? Math.max(event.provenAt, context.provenAt ?? 0) : context.provenAt,
      proofs: context.proofs + 1,
      lapseStreak: 0,
      lapseReason: null,
      reason: null,
      lastFailureStatus: null,
    })),
    recordProofFailure: assign(({ context, event }) => ({
      proofFailures: context.proofFailures + 1,
      lastProofError: event.type === 'PROOF.FAILED' ? event.message : context.lastProofError,
    })),
    recordLapse: assign(({ context }, params: { reason: LapseReason }) => {
      const lastProbe = context.lastProofError ? ` (last probe: ${context.lastProofError})` : '';
      const bound = context.timings.freshnessBoundMs;
      return {
        lapses: context.lapses + 1,
        lapseStreak: context.lapseStreak + 1,
        lastError:
          params.reason === 'upstream behind'
            ? `the watch was still delivering, but no probe could prove it caught up within the freshness bound of ${bound} ms${lastProbe}`
            : `no proof within the freshness bound of ${bound} ms${lastProbe}`,
        reason: params.reason,
        lapseReason: params.reason,
      };
    }),
    startWatchAttempt: assign(({ context }) => {
      const [min, max] = context.timings.watchTimeoutSeconds;
      return {
        watches: context.watches + 1,
        watchProgress: 0,
        timeoutSeconds: Math.floor(min + (max - min) * Math.min(Math.max(context.random(), 0), 0.999)),
      };
    }),
    recordProgress: assign(({ context, event }) => ({
      resourceVersion: event.type === 'WATCH.PROGRESS' && event.resourceVersion ? event.resourceVersion : context.resourceVersion,
      lastEventAt: context.now(),
      watchProgress: context.watchProgress + 1,
      attempt: 0,
      reason: null,
      lastFailureStatus: null,
    })),
    recordRelist: assign(({ context }) => ({ relists: context.relists + 1, reason: 'relisting' })),
    recordFailure: assign(({ context }, params: { message: string; reason: string; status?: number | undefined }) => ({
      errors: context.errors + 1,
      attempt: context.attempt + 1,
      lastError: params.message,
      lastFailureStatus: params.status ?? null,
      reason: params.reason,
    })),
    recordStall: assign(({ context }) => ({
      stalls: context.stalls + 1,
      attempt: context.attempt + 1,
      lastError: `no event or bookmark for ${context.timings.stallTimeoutMs} ms`,
      reason: 'stalled',
    })),
    forgetResourceVersion: assign({ resourceVersion: null }),
    markStopped: assign({ reason: 'stopped', resourceVersion: null, attempt: 0, provenAt: null, lapseStreak: 0, lapseReason: null }),
    markStarting: assign({ reason: 'starting' }),
  },
}).createMachine({
  id: 'upstream',
  context: ({ input }) => ({
    resource: input.resource,
    timings: input.timings,
    now: input.now ?? Date.now,
    random: input.random ?? Math.random,
    resourceVersion: null,
    attempt: 0,
    lists: 0,
    relists: 0,
    errors: 0,
    stalls: 0,
    watches: 0,
    lastEventAt: null,
    watchProgress: 0,
    timeoutSeconds: 0,
    reason: 'starting',
    lastError: null,
    lastFailureStatus: null,
    provenAt: null,
    listStartedAt: null,
    proofAllowanceFrom: null,
    proofs: 0,
    proofFailures: 0,
    lapses: 0,
    lapseStreak: 0,
    lastProofError: null,
    lapseReason: null,
  }),
  initial: 'listing',
  on: {
    STOP: { target: '.stopped', actions: 'markStopped' },
  },
  states: {
    listing: {
      entry: 'recordListStart',
      initial: 'arriving',
      states: {
        // Re-entered at every page, which restarts the timer (the list itself runs on).
        arriving: {
          on: { 'LIST.PROGRESS': { target: 'arriving', reenter: true } },
          after: {
            listTimeout: {
              target: '#upstream.backoff',
              actions: [
                {
                  type: 'recordFailure',
                  params: ({ context }) => ({ message: `no page of the list arrived for ${context.timings.listTimeoutMs} ms`, reason: 'errors' }),
                },
                'forgetResourceVersion',
              ],
            },
          },
        },
      },
      invoke: {
        src: 'listResource',
        input: ({ context, self }) => ({ resource: context.resource, watchLapsed: context.lapseStreak > 0, progress: () => self.send({ type: 'LIST.PROGRESS' }) }),
        onDone: {
          target: 'watching',
          actions: [{ type: 'recordList', params: ({ event }) => ({ resourceVersion: event.output.resourceVersion }) }, 'grantProofAllowance'],
        },
        onError: [
          {
            guard: { type: 'isForbidden', params: ({ event }) => ({ status: errorStatus(event.error) }) },
            target: 'forbidden',
            actions: { type: 'recordFailure', params: ({ event }) => ({ message: errorMessage(event.error), reason: 'forbidden', status: 403 }) },
          },
          {
            target: 'backoff',
            actions: [
              { type: 'recordFailure', params: ({ event }) => ({ message: errorMessage(event.error), reason: 'errors', status: errorStatus(event.error) }) },
              'forgetResourceVersion',
            ],
          },
        ],
      },
    },
    watching: {
      entry: 'startWatchAttempt',
      invoke: [
        {
          src: 'watchResource',
          input: ({ context }) => ({
            resource: context.resource,
            resourceVersion: context.resourceVersion ?? '',
            timeoutSeconds: context.timeoutSeconds,
          }),
        },
        {
          src: 'proveResource',
          input: ({ context }) => ({ resource: context.resource, ...proofTimings(context.timings.freshnessBoundMs ?? 0) }),
        },
      ],
      type: 'parallel',
      states: {
        liveness: {
          initial: 'live',
          states: {
            // Re-entered on every sign of life, which restarts the stall timer. (The transition
            // lives here, not on `watching`: re-entering `watching` would restart the watch itself.)
            // The silence timer is for what cannot be proven (log followers); a provable watch that
            // goes silent fails its probes and lapses within the freshness bound instead.
            live: {
              after: { upstreamStallTimeout: { guard: 'cannotBeProven', target: '#upstream.backoff', actions: 'recordStall' } },
              // `reenter` re-enters `live` too, so the stall timer restarts as before, and
              // `delivering` with it, so its window restarts.
              on: { 'WATCH.PROGRESS': { target: '.delivering', reenter: true, actions: 'recordProgress' } },
              // Whether the watch still delivers: only to name a lapse (`watchStillDelivering`).
              initial: 'quiet',
              states: {
                quiet: {},
                delivering: { after: { stillDeliveringWindow: 'quiet' } },
              },
            },
          },
        },
        proof: {
          initial: 'proving',
          states: {
            // A new watch: the last proof (the list's, or one from before a reconnect) may still
            // be fresh; if it goes stale first, the upstream says so but keeps probing for the
            // rest of one bound before it gives up on this watch.
            proving: {
              always: { guard: 'cannotBeProven', target: 'exempt' },
              after: { proofDeadline: lapse },
              initial: 'fresh',
              states: {
                fresh: {
                  always: { guard: 'proofStale', target: 'stale' },
                  after: { proofExpiry: 'stale' },
                },
                stale: {},
              },
              on: {
                'PROOF.PASSED': { target: 'proven', actions: 'recordProof' },
                'PROOF.FAILED': { actions: 'recordProofFailure' },
              },
            },
            // Each passed probe re-enters, restarting the bound; past it the upstream has lapsed.
            proven: {
              after: { proofExpiry: lapse },
              on: {
                'PROOF.PASSED': { target: 'proven', reenter: true, actions: 'recordProof' },
                'PROOF.FAILED': { actions: 'recordProofFailure' },
              },
            },
            // Log followers: nothing to prove against; the watch's own health is all there is.
            exempt: {},
          },
        },
      },
      on: {
        'WATCH.ENDED': [
          {
            guard: 'watchDeliveredNothing',
            target: 'backoff',
            actions: { type: 'recordFailure', params: { message: 'watch ended without delivering anything', reason: 'errors' } },
          },
          { target: 'watching', reenter: true },
        ],
        'WATCH.GONE': { target: 'listing', actions: 'recordRelist' },
        'WATCH.FAILED': [
          {
            guard: { type: 'isGone', params: ({ event }) => ({ status: event.status }) },
            target: 'listing',
            actions: 'recordRelist',
          },
          {
            guard: { type: 'isForbidden', params: ({ event }) => ({ status: event.status }) },
            target: 'forbidden',
            actions: { type: 'recordFailure', params: ({ event }) => ({ message: event.message, reason: 'forbidden', status: 403 }) },
          },
          {
            target: 'backoff',
            actions: { type: 'recordFailure', params: ({ event }) => ({ message: event.message, reason: 'errors', status: event.status }) },
          },
        ],
      },
    },
    backoff: {
      after: {
        retryBackoff: [{ guard: 'hasResourceVersion', target: 'watching', actions: 'grantProofAllowance' }, { target: 'listing' }],
      },
    },
    forbidden: {
      entry: 'forgetResourceVersion',
      after: { forbiddenRetry: 'listing' },
    },
    stopped: {
      on: { START: { target: 'listing', actions: 'markStarting' } },
    },
  },
});

function errorStatus(error: unknown): number | undefined {
  if (error && typeof error === 'object' && 'status' in error && typeof (error as { status: unknown }).status === 'number') {
    return (error as { status: number }).status;
  }
  return undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface UpstreamSnapshotLike {
  readonly value: unknown;
  readonly context: UpstreamContext;
}

/** The machine's top-level state name: `listing`, `watching`, `backoff`, `forbidden` or `stopped`. */
export function upstreamStateName(snapshot: UpstreamSnapshotLike): string {
  const value = snapshot.value;
  if (typeof value === 'string') return value;
  // The first key, as Object.keys would give it, without building the list: the stream hub asks for every change.
  for (const key in value as object) return key;
  return 'unknown';
}

/** What the backend tells clients about this list-watch (heartbeats, status frames, diagnostics). */
export function upstreamReport(snapshot: UpstreamSnapshotLike, now: number): UpstreamReport {
  const state = upstreamStateName(snapshot);
  const { context } = snapshot;
  const provable = context.timings.freshnessBoundMs !== null;
  const watchingWell = state === 'watching' && context.reason === null;
  const fresh = proofFresh(context, now);
  const recovering = context.lapseStreak > 0;
  return {
    state,
    healthy: healthyBy(state, context, now),
    lastEventAgeMs: context.lastEventAt === null ? null : Math.max(0, now - context.lastEventAt),
    relists: context.relists,
    errors: context.errors,
    // A watch whose proof went stale before a probe could renew it is `proving`; one that gave up
    // waiting has lapsed and says why (`upstream behind` or `upstream stalled`) until a probe
    // on a later watch passes.
    reason: watchingWell ? (recovering ? (context.lapseReason ?? 'upstream stalled') : fresh ? null : 'proving') : (context.reason ?? state),
    proofAgeMs: provable && context.provenAt !== null ? Math.max(0, now - context.provenAt) : null,
  };
}

/**
 * `upstreamReport(snapshot, now).healthy` without building the report: the stream hub asks it
 * for every change a watch delivers (docs/development.md, "Row 2: per-change cost").
 */
export function upstreamHealthy(snapshot: UpstreamSnapshotLike, now: number): boolean {
  return healthyBy(upstreamStateName(snapshot), snapshot.context, now);
}

/**
 * Watching with no reason to doubt it, and proven within the bound. After a lapse, the relist's
 * own proof is not enough: this server just let a watch go silent, so the cache is trusted again
 * only once a probe on the new watch has passed. Until then snapshots come straight from the API
 * server, and stay as fresh as the poll interval.
 */
function healthyBy(state: string, context: UpstreamContext, now: number): boolean {
  return state === 'watching' && context.reason === null && proofFresh(context, now) && !(context.lapseStreak > 0);
}

/** Whether the cache's last proof is younger than the bound (always, for what cannot be proven). */
function proofFresh(context: UpstreamContext, now: number): boolean {
  const bound = context.timings.freshnessBoundMs;
  if (bound === null) return true;
  return context.provenAt !== null && now - context.provenAt <= bound;
}
