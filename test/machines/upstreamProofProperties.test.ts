/**
 * Properties of the upstream machine's proof, over random histories on a simulated clock: lists
 * that pass or fail, watch events, probes that pass or fail, watches that end or break, and time
 * passing. A model kept beside the machine, from what the test itself sent, says when the cache
 * was last proven; the machine's report must agree with it:
 *
 * - healthy only while the model's proof is within the bound;
 * - the reported proof age is the model's;
 * - never in `watching` past one bound without a proof that is itself within... one bound of
 *   the watch's start (a new watch's allowance);
 * - a lapse is always followed by a relist, never by a watch resumed from the stale cache.
 */
import fc from 'fast-check';
import { createActor, fromCallback, fromPromise, SimulatedClock, type EventObject } from 'xstate';
import {
  upstreamMachine,
  upstreamReport,
  upstreamStateName,
  type ListOutput,
  type ProofInput,
  type UpstreamEvent,
  type UpstreamTimings,
  type WatchInput,
} from '../../machines/upstreamMachine.js';

const bound = 4_000;
const timings: UpstreamTimings = {
  backoffBaseMs: 200,
  backoffCapMs: 2_000,
  stallTimeoutMs: 6_000,
  listTimeoutMs: 8_000,
  forbiddenRetryMs: 3_000,
  watchTimeoutSeconds: [300, 600],
  freshnessBoundMs: bound,
};

type Step =
  | { kind: 'time'; ms: number }
  | { kind: 'list'; ok: boolean }
  | { kind: 'event' }
  | { kind: 'proof'; ok: boolean; lagMs: number }
  | { kind: 'watchEnded' }
  | { kind: 'watchFailed' };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 3_000 }).map((ms) => ({ kind: 'time' as const, ms })) },
  { weight: 2, arbitrary: fc.boolean().map((ok) => ({ kind: 'list' as const, ok })) },
  { weight: 3, arbitrary: fc.constant({ kind: 'event' as const }) },
  { weight: 4, arbitrary: fc.record({ ok: fc.boolean(), lagMs: fc.integer({ min: 0, max: 1_500 }) }).map((p) => ({ kind: 'proof' as const, ...p })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'watchEnded' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'watchFailed' as const }) },
);

const flush = () => new Promise((resolve) => setImmediate(resolve));

function run(steps: Step[]) {
  const clock = new SimulatedClock();
  const pendingLists: { resolve: (o: ListOutput) => void; reject: (e: Error) => void; startedAt: number }[] = [];
  let watch: ((event: UpstreamEvent) => void) | null = null;
  let prover: ((event: UpstreamEvent) => void) | null = null;
  let rv = 1;
  const machine = upstreamMachine.provide({
    actors: {
      listResource: fromPromise<ListOutput, { resource: string }>(
        () => new Promise((resolve, reject) => pendingLists.push({ resolve, reject, startedAt: clock.now() })),
      ),
      watchResource: fromCallback<EventObject, WatchInput>(({ sendBack }) => {
        const mine = (event: UpstreamEvent) => sendBack(event);
        watch = mine;
        return () => {
          if (watch === mine) watch = null;
        };
      }),
      proveResource: fromCallback<EventObject, ProofInput>(({ sendBack }) => {
        const mine = (event: UpstreamEvent) => sendBack(event);
        prover = mine;
        return () => {
          if (prover === mine) prover = null;
        };
      }),
    },
  });
  const actor = createActor(machine, { clock, input: { resource: 'pods', timings, now: () => clock.now(), random: () => 0 } });
  // The model: when the cache was last proven, from what this test made happen.
  let modelProvenAt: number | null = null;
  let watchStartedAt: number | null = null;
  let lastState = 'listing';
  const visited = new Set<string>();
  const problems: string[] = [];
  actor.subscribe((snapshot) => {
    const state = upstreamStateName(snapshot);
    if (state === 'watching' && lastState !== 'watching') {
      watchStartedAt = clock.now();
      if (lastState === 'backoff' && (snapshot.context.reason === 'upstream stalled' || snapshot.context.reason === 'upstream behind')) {
        problems.push('re-watched a lapsed cache instead of relisting');
      }
    }
    const value = snapshot.value as unknown;
    if (typeof value === 'object' && value && 'watching' in value) {
      visited.add(`watching.proof.${JSON.stringify((value as { watching: { proof: unknown } }).watching.proof)}`);
    } else visited.add(state);
    lastState = state;
  });
  actor.start();
  const check = async () => {
    await flush();
    const now = clock.now();
    const snapshot = actor.getSnapshot();
    const state = upstreamStateName(snapshot);
    const report = upstreamReport(snapshot, now);
    const age = modelProvenAt === null ? null : now - modelProvenAt;
    if (report.healthy && (age === null || age > bound)) problems.push(`healthy with a proof ${age} ms old at ${now}`);
    if (state === 'watching' && report.proofAgeMs !== age) problems.push(`reported proof age ${report.proofAgeMs}, model says ${age}`);
    if (state === 'watching' && age !== null && age > bound && watchStartedAt !== null && now - watchStartedAt > bound) {
      problems.push(`still watching ${now - watchStartedAt} ms into a watch with a proof ${age} ms old`);
    }
  };
  return {
    visited,
    problems,
    async play(steps: Step[]) {
      actor.getSnapshot();
      for (const s of steps) {
        const state = upstreamStateName(actor.getSnapshot());
        switch (s.kind) {
          case 'time':
            // In small steps, so each timer fires at its own moment and the checks see between them.
            for (let left = s.ms; left > 0; left -= 250) {
              clock.increment(Math.min(250, left));
              await check();
            }
            break;
          case 'list': {
            const list = pendingLists.shift();
            if (!list || state !== 'listing') break;
            if (s.ok) {
              modelProvenAt = list.startedAt;
              list.resolve({ resourceVersion: String(rv++) });
            } else list.reject(Object.assign(new Error('HTTP 500'), { status: 500 }));
            break;
          }
          case 'event':
            watch?.({ type: 'WATCH.PROGRESS', resourceVersion: String(rv++) });
            break;
          case 'proof':
            if (!prover) break;
            if (s.ok) {
              const provenAt = clock.now() - s.lagMs;
              modelProvenAt = Math.max(modelProvenAt ?? provenAt, provenAt);
              prover({ type: 'PROOF.PASSED', provenAt });
            } else prover({ type: 'PROOF.FAILED', message: 'missed changes' });
            break;
          case 'watchEnded':
            watch?.({ type: 'WATCH.ENDED' });
            break;
          case 'watchFailed':
            watch?.({ type: 'WATCH.FAILED', status: 500, message: 'boom' });
            break;
        }
        await check();
      }
      actor.stop();
    },
  };
}

describe('upstreamMachine proof properties', () => {
  test('healthy only within the bound of a proof the model knows of; lapses relist; every proof state is reached', async () => {
    const visitedOverall = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 60 }), async (steps) => {
        const runner = run(steps);
        await runner.play(steps);
        for (const v of runner.visited) visitedOverall.add(v);
        expect(runner.problems).toEqual([]);
      }),
      { numRuns: 150, seed: 11 },
    );
    expect([...visitedOverall].sort()).toEqual(
      expect.arrayContaining(['backoff', 'listing', 'watching.proof."proven"', 'watching.proof.{"proving":"fresh"}', 'watching.proof.{"proving":"stale"}']),
    );
  });
});
