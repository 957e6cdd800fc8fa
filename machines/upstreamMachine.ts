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
 * It counts as healthy only in `watching` with no open problem: after a stall or an error the
 * new watch must deliver something (an event or a bookmark) before the upstream is trusted again.
 */
import { assign, fromCallback, fromPromise, setup, type EventObject } from 'xstate';
import { backoffDelay } from './backoff.js';
import type { Now, UpstreamReport } from './types.js';

export type UpstreamEvent =
  /** Anything arrived on the watch: an object event or a bookmark, with the resourceVersion it carried. */
  | { type: 'WATCH.PROGRESS'; resourceVersion?: string }
  /** The API server closed the watch cleanly (its timeoutSeconds ran out, or it restarted). */
  | { type: 'WATCH.ENDED' }
  /** 410 Gone: the resourceVersion we watch from is too old; only a relist helps. */
  | { type: 'WATCH.GONE' }
  | { type: 'WATCH.FAILED'; status?: number; message: string }
  | { type: 'STOP' }
  | { type: 'START' };

export interface ListInput {
  readonly resource: string;
}

export interface ListOutput {
  readonly resourceVersion: string;
}

export interface WatchInput {
  readonly resource: string;
  readonly resourceVersion: string;
  readonly timeoutSeconds: number;
}

export interface UpstreamTimings {
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
  /** A watch silent this long (no event, no bookmark) is presumed dead and restarted. */
  readonly stallTimeoutMs: number;
  /** A list (all its pages) taking longer than this is abandoned and retried: a hung request must not hang the upstream. */
  readonly listTimeoutMs: number;
  /** How long `forbidden` waits before trying again: permissions rarely change by the second. */
  readonly forbiddenRetryMs: number;
  /** Server-side watch timeout range in seconds; each watch picks at random inside it. */
  readonly watchTimeoutSeconds: readonly [number, number];
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
}

/**
 * client-go picks each watch's timeoutSeconds in [5, 10) minutes so that watches do not all end
 * together; we do the same. Past ten minutes a dead connection the kernel has not noticed
 * would linger; the stall timeout catches that sooner anyway.
 */
export const defaultWatchTimeoutSeconds: readonly [number, number] = [300, 600];

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
  },
  delays: {
    upstreamStallTimeout: ({ context }) => context.timings.stallTimeoutMs,
    listTimeout: ({ context }) => context.timings.listTimeoutMs,
    retryBackoff: ({ context }) =>
      backoffDelay(context.attempt - 1, context.timings.backoffBaseMs, context.timings.backoffCapMs, context.random),
    forbiddenRetry: ({ context }) => context.timings.forbiddenRetryMs,
  },
  guards: {
    isForbidden: (_, params: { status?: number }) => params.status === 403,
    isGone: (_, params: { status?: number }) => params.status === 410,
    hasResourceVersion: ({ context }) => context.resourceVersion !== null,
    watchDeliveredNothing: ({ context }) => context.watchProgress === 0,
  },
  actions: {
    recordList: assign(({ context }, params: { resourceVersion: string }) => ({
      resourceVersion: params.resourceVersion,
      lists: context.lists + 1,
      attempt: 0,
      lastEventAt: context.now(),
      reason: null,
    })),
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
    })),
    recordRelist: assign(({ context }) => ({ relists: context.relists + 1, reason: 'relisting' })),
    recordFailure: assign(({ context }, params: { message: string; reason: string }) => ({
      errors: context.errors + 1,
      attempt: context.attempt + 1,
      lastError: params.message,
      reason: params.reason,
    })),
    recordStall: assign(({ context }) => ({
      stalls: context.stalls + 1,
      attempt: context.attempt + 1,
      lastError: `no event or bookmark for ${context.timings.stallTimeoutMs} ms`,
      reason: 'stalled',
    })),
    forgetResourceVersion: assign({ resourceVersion: null }),
    markStopped: assign({ reason: 'stopped', resourceVersion: null, attempt: 0 }),
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
  }),
  initial: 'listing',
  on: {
    STOP: { target: '.stopped', actions: 'markStopped' },
  },
  states: {
    listing: {
      after: {
        listTimeout: {
          target: 'backoff',
          actions: [
            {
              type: 'recordFailure',
              params: ({ context }) => ({ message: `list took longer than ${context.timings.listTimeoutMs} ms`, reason: 'errors' }),
            },
            'forgetResourceVersion',
          ],
        },
      },
      invoke: {
        src: 'listResource',
        input: ({ context }) => ({ resource: context.resource }),
        onDone: {
          target: 'watching',
          actions: { type: 'recordList', params: ({ event }) => ({ resourceVersion: event.output.resourceVersion }) },
        },
        onError: [
          {
            guard: { type: 'isForbidden', params: ({ event }) => ({ status: errorStatus(event.error) }) },
            target: 'forbidden',
            actions: { type: 'recordFailure', params: ({ event }) => ({ message: errorMessage(event.error), reason: 'forbidden' }) },
          },
          {
            target: 'backoff',
            actions: [
              { type: 'recordFailure', params: ({ event }) => ({ message: errorMessage(event.error), reason: 'errors' }) },
              'forgetResourceVersion',
            ],
          },
        ],
      },
    },
    watching: {
      entry: 'startWatchAttempt',
      invoke: {
        src: 'watchResource',
        input: ({ context }) => ({
          resource: context.resource,
          resourceVersion: context.resourceVersion ?? '',
          timeoutSeconds: context.timeoutSeconds,
        }),
      },
      initial: 'live',
      states: {
        // Re-entered on every sign of life, which restarts the stall timer. (The transition
        // lives here, not on `watching`: re-entering `watching` would restart the watch itself.)
        live: {
          after: { upstreamStallTimeout: { target: '#upstream.backoff', actions: 'recordStall' } },
          on: { 'WATCH.PROGRESS': { target: 'live', reenter: true, actions: 'recordProgress' } },
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
            actions: { type: 'recordFailure', params: ({ event }) => ({ message: event.message, reason: 'forbidden' }) },
          },
          {
            target: 'backoff',
            actions: { type: 'recordFailure', params: ({ event }) => ({ message: event.message, reason: 'errors' }) },
          },
        ],
      },
    },
    backoff: {
      after: {
        retryBackoff: [{ guard: 'hasResourceVersion', target: 'watching' }, { target: 'listing' }],
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
  return Object.keys(value as object)[0] ?? 'unknown';
}

/** What the backend tells clients about this list-watch (heartbeats, status frames, diagnostics). */
export function upstreamReport(snapshot: UpstreamSnapshotLike, now: number): UpstreamReport {
  const state = upstreamStateName(snapshot);
  const { context } = snapshot;
  return {
    state,
    healthy: state === 'watching' && context.reason === null,
    lastEventAgeMs: context.lastEventAt === null ? null : Math.max(0, now - context.lastEventAt),
    relists: context.relists,
    errors: context.errors,
    reason: state === 'watching' && context.reason === null ? null : (context.reason ?? state),
  };
}
