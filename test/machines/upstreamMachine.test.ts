import { createActor, fromCallback, fromPromise, SimulatedClock, type EventObject } from 'xstate';
import {
  upstreamMachine,
  upstreamReport,
  upstreamStateName,
  type ListInput,
  type ListOutput,
  type ProofInput,
  type UpstreamEvent,
  type UpstreamTimings,
  type WatchInput,
} from '../../machines/upstreamMachine.js';

const timings: UpstreamTimings = {
  backoffBaseMs: 500,
  backoffCapMs: 8_000,
  stallTimeoutMs: 10_000,
  listTimeoutMs: 20_000,
  forbiddenRetryMs: 30_000,
  watchTimeoutSeconds: [300, 600],
  // These tests are about the watch; the proof has its own below.
  freshnessBoundMs: null,
};

const bound = 10_000;
const provable: UpstreamTimings = { ...timings, freshnessBoundMs: bound };

type ListBehaviour = (input: ListInput) => Promise<ListOutput>;

/** Runs the machine on a simulated clock with a scripted list and a recorded watch. */
export function harness(list: ListBehaviour[], withTimings: UpstreamTimings = timings) {
  const clock = new SimulatedClock();
  const watches: { input: WatchInput; send: (event: UpstreamEvent) => void; closed: boolean }[] = [];
  const provers: { input: ProofInput; send: (event: UpstreamEvent) => void; closed: boolean }[] = [];
  let lists = 0;
  const machine = upstreamMachine.provide({
    actors: {
      listResource: fromPromise<ListOutput, ListInput>(({ input }) => {
        const behaviour = list[Math.min(lists, list.length - 1)]!;
        lists++;
        return behaviour(input);
      }),
      watchResource: fromCallback<EventObject, WatchInput>(({ input, sendBack }) => {
        const watch = { input, send: (event: UpstreamEvent) => sendBack(event), closed: false };
        watches.push(watch);
        return () => {
          watch.closed = true;
        };
      }),
      proveResource: fromCallback<EventObject, ProofInput>(({ input, sendBack }) => {
        const prover = { input, send: (event: UpstreamEvent) => sendBack(event), closed: false };
        provers.push(prover);
        return () => {
          prover.closed = true;
        };
      }),
    },
  });
  const actor = createActor(machine, {
    clock,
    input: { resource: 'pods', timings: withTimings, now: () => clock.now(), random: () => 0 },
  });
  actor.start();
  const state = () => upstreamStateName(actor.getSnapshot());
  const report = () => upstreamReport(actor.getSnapshot(), clock.now());
  const lastWatch = () => watches[watches.length - 1]!;
  const lastProver = () => provers[provers.length - 1]!;
  return { clock, actor, watches, provers, state, report, lastWatch, lastProver, listCount: () => lists };
}

const listAt = (resourceVersion: string): ListBehaviour => () => Promise.resolve({ resourceVersion });
const failWith = (status: number): ListBehaviour => () => Promise.reject(Object.assign(new Error(`HTTP ${status}`), { status }));
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('upstreamMachine', () => {
  test('lists, then watches from the list resourceVersion with a randomised server timeout, and reports healthy', async () => {
    const h = harness([listAt('100')]);
    expect(h.state()).toBe('listing');
    expect(h.report().healthy).toBe(false);
    await flush();
    expect(h.state()).toBe('watching');
    expect(h.lastWatch().input).toEqual({ resource: 'pods', resourceVersion: '100', timeoutSeconds: 300 });
    expect(h.report()).toMatchObject({ state: 'watching', healthy: true, relists: 0, errors: 0, reason: null });
  });

  test('restarts a watch that delivers nothing within the stall timeout, and is unhealthy until the new watch delivers', async () => {
    const h = harness([listAt('100')]);
    await flush();
    h.lastWatch().send({ type: 'WATCH.PROGRESS', resourceVersion: '105' });
    expect(h.watches).toHaveLength(1); // progress restarts the stall timer, never the watch
    h.clock.increment(timings.stallTimeoutMs - 1);
    expect(h.state()).toBe('watching');
    h.lastWatch().send({ type: 'WATCH.PROGRESS', resourceVersion: '106' }); // a bookmark restarts the stall timer
    h.clock.increment(timings.stallTimeoutMs - 1);
    expect(h.state()).toBe('watching');
    h.clock.increment(1);
    expect(h.state()).toBe('backoff');
    expect(h.watches[0]!.closed).toBe(true);
    expect(h.report()).toMatchObject({ healthy: false, reason: 'stalled' });
    h.clock.increment(250); // first backoff step is 500 ms, half of it fixed, jitter 0
    expect(h.state()).toBe('watching');
    expect(h.lastWatch().input.resourceVersion).toBe('106');
    expect(h.report()).toMatchObject({ state: 'watching', healthy: false, reason: 'stalled' });
    h.lastWatch().send({ type: 'WATCH.PROGRESS', resourceVersion: '107' });
    expect(h.report()).toMatchObject({ healthy: true, reason: null });
    expect(h.actor.getSnapshot().context.stalls).toBe(1);
  });

  test('relists on 410 Gone, from an error event or from the watch status', async () => {
    const h = harness([listAt('100'), listAt('200'), listAt('300')]);
    await flush();
    h.lastWatch().send({ type: 'WATCH.GONE' });
    expect(h.state()).toBe('listing');
    expect(h.report()).toMatchObject({ healthy: false, relists: 1 });
    await flush();
    expect(h.lastWatch().input.resourceVersion).toBe('200');
    h.lastWatch().send({ type: 'WATCH.FAILED', status: 410, message: 'Expired' });
    await flush();
    expect(h.lastWatch().input.resourceVersion).toBe('300');
    expect(h.report()).toMatchObject({ state: 'watching', healthy: true, relists: 2, errors: 0 });
  });

  test('403 puts it in forbidden, retried only after the slow forbidden delay', async () => {
    const h = harness([failWith(403), listAt('7')]);
    await flush();
    expect(h.state()).toBe('forbidden');
    expect(h.report()).toMatchObject({ state: 'forbidden', healthy: false, reason: 'forbidden', errors: 1 });
    h.clock.increment(timings.forbiddenRetryMs - 1);
    expect(h.listCount()).toBe(1);
    h.clock.increment(1);
    await flush();
    expect(h.listCount()).toBe(2);
    expect(h.state()).toBe('watching');
  });

  test('a 403 on the watch also lands in forbidden', async () => {
    const h = harness([listAt('1')]);
    await flush();
    h.lastWatch().send({ type: 'WATCH.FAILED', status: 403, message: 'Forbidden' });
    expect(h.state()).toBe('forbidden');
  });

  test('failing lists back off exponentially up to the cap', async () => {
    const h = harness([failWith(500)]);
    await flush();
    // With jitter 0 each wait is half the step: 250, 500, 1000, 2000, 4000, then the cap's half.
    for (const wait of [250, 500, 1000, 2000, 4000, 4000, 4000]) {
      const before = h.listCount();
      expect(h.state()).toBe('backoff');
      h.clock.increment(wait - 1);
      expect(h.listCount()).toBe(before);
      h.clock.increment(1);
      await flush();
      expect(h.listCount()).toBe(before + 1);
    }
    expect(h.report().errors).toBe(8);
  });

  test('a watch that fails with a resourceVersion in hand re-watches from it after backoff instead of relisting', async () => {
    const h = harness([listAt('50')]);
    await flush();
    h.lastWatch().send({ type: 'WATCH.PROGRESS', resourceVersion: '55' });
    h.lastWatch().send({ type: 'WATCH.FAILED', status: 500, message: 'boom' });
    expect(h.state()).toBe('backoff');
    h.clock.increment(250);
    expect(h.state()).toBe('watching');
    expect(h.lastWatch().input.resourceVersion).toBe('55');
    expect(h.listCount()).toBe(1);
  });

  test('keeps the status of its last failure until a list or an event succeeds (its owner forgets a 404 scope by it)', async () => {
    const h = harness([failWith(404), listAt('60')]);
    const status = () => h.actor.getSnapshot().context.lastFailureStatus;
    expect(status()).toBeNull();
    await flush();
    expect(h.state()).toBe('backoff');
    expect(status()).toBe(404);
    h.clock.increment(250);
    await flush();
    expect(h.state()).toBe('watching');
    expect(status()).toBeNull();
    h.lastWatch().send({ type: 'WATCH.FAILED', status: 404, message: 'pod gone' });
    expect(status()).toBe(404);
    h.clock.increment(250);
    h.lastWatch().send({ type: 'WATCH.PROGRESS', resourceVersion: '61' });
    expect(status()).toBeNull();
    h.lastWatch().send({ type: 'WATCH.FAILED', status: 403, message: 'no' });
    expect(h.state()).toBe('forbidden');
    expect(status()).toBe(403);
  });

  test('a watch that ends after delivering is restarted at once; one that ends empty-handed backs off', async () => {
    const h = harness([listAt('1')]);
    await flush();
    h.lastWatch().send({ type: 'WATCH.PROGRESS', resourceVersion: '2' });
    h.lastWatch().send({ type: 'WATCH.ENDED' });
    expect(h.watches).toHaveLength(2);
    expect(h.state()).toBe('watching');
    h.lastWatch().send({ type: 'WATCH.ENDED' });
    expect(h.state()).toBe('backoff');
    expect(h.report().errors).toBe(1);
  });

  test('stops on STOP (closing the watch) and starts over with a fresh list on START', async () => {
    const h = harness([listAt('1'), listAt('9')]);
    await flush();
    h.actor.send({ type: 'STOP' });
    expect(h.state()).toBe('stopped');
    expect(h.lastWatch().closed).toBe(true);
    expect(h.report()).toMatchObject({ healthy: false, reason: 'stopped' });
    h.clock.increment(timings.stallTimeoutMs * 3);
    expect(h.state()).toBe('stopped');
    h.actor.send({ type: 'START' });
    await flush();
    expect(h.lastWatch().input.resourceVersion).toBe('9');
  });

  test('a list that never answers is abandoned after the list timeout and retried', async () => {
    const h = harness([() => new Promise<ListOutput>(() => {}), listAt('3')]);
    h.clock.increment(timings.listTimeoutMs - 1);
    expect(h.state()).toBe('listing');
    h.clock.increment(1);
    expect(h.state()).toBe('backoff');
    expect(h.report()).toMatchObject({ healthy: false, reason: 'errors', errors: 1 });
    h.clock.increment(250);
    await flush();
    expect(h.listCount()).toBe(2);
    expect(h.state()).toBe('watching');
  });

  test('a list whose pages keep arriving runs past the list timeout; one whose pages stop is abandoned a timeout after the last', async () => {
    let progress: (() => void) | undefined;
    let finish: ((output: ListOutput) => void) | undefined;
    const slow: ListBehaviour = (input) => new Promise<ListOutput>((resolve) => {
      progress = input.progress;
      finish = resolve;
    });
    const h = harness([slow, slow]);
    // A page every three quarters of the timeout, for four timeouts: a long list, never a stuck one.
    for (let page = 0; page < 6; page++) {
      h.clock.increment(timings.listTimeoutMs * 0.75);
      progress!();
    }
    expect(h.state()).toBe('listing');
    finish!({ resourceVersion: '7' });
    await flush();
    expect(h.state()).toBe('watching');
    expect(h.report()).toMatchObject({ errors: 0 });

    // The second list's pages stop after one: abandoned a whole timeout after that page.
    h.lastWatch().send({ type: 'WATCH.GONE' });
    expect(h.state()).toBe('listing');
    h.clock.increment(timings.listTimeoutMs / 2);
    progress!();
    h.clock.increment(timings.listTimeoutMs - 1);
    expect(h.state()).toBe('listing');
    h.clock.increment(1);
    expect(h.state()).toBe('backoff');
    expect(h.actor.getSnapshot().context.lastError).toMatch(/no page of the list arrived for 20000 ms/);
  });
});

describe('upstreamMachine: the proof', () => {
  test('a list proves the cache as of its start; passed probes keep it proven and report their age', async () => {
    const h = harness([listAt('100')], provable);
    await flush();
    expect(h.report()).toMatchObject({ healthy: true, reason: null, proofAgeMs: 0 });
    expect(h.lastProver().closed).toBe(false);
    h.clock.increment(3_000);
    h.lastProver().send({ type: 'PROOF.PASSED', provenAt: h.clock.now() - 1_000 });
    expect(h.report()).toMatchObject({ healthy: true, proofAgeMs: 1_000 });
    // A later probe keeps renewing it, well past the bound since the list.
    for (let i = 0; i < 5; i++) {
      h.clock.increment(3_000);
      h.lastWatch().send({ type: 'WATCH.PROGRESS', resourceVersion: `${101 + i}` });
      h.lastProver().send({ type: 'PROOF.PASSED', provenAt: h.clock.now() });
    }
    expect(h.state()).toBe('watching');
    expect(h.report()).toMatchObject({ healthy: true, proofAgeMs: 0 });
    expect(h.actor.getSnapshot().context.proofs).toBe(6);
  });

  test('a watch that failed and resumed is healthy again once a probe passes, before it delivers anything itself', async () => {
    const h = harness([listAt('100')], provable);
    await flush();
    h.lastWatch().send({ type: 'WATCH.FAILED', status: 500, message: 'connection reset' });
    expect(h.report()).toMatchObject({ healthy: false, reason: 'errors' });
    h.clock.increment(250);
    await flush();
    // Resumed from its resourceVersion, not relisted; a quiet resource's watch then says nothing.
    expect(h.state()).toBe('watching');
    expect(h.lastWatch().input.resourceVersion).toBe('100');
    expect(h.report()).toMatchObject({ healthy: false, reason: 'errors' });
    h.clock.increment(1_000);
    h.lastProver().send({ type: 'PROOF.PASSED', provenAt: h.clock.now() - 500 });
    expect(h.report()).toMatchObject({ healthy: true, reason: null, proofAgeMs: 500 });
    expect(h.actor.getSnapshot().context.lastFailureStatus).toBeNull();
    expect(h.report().errors).toBe(1);
  });

  test('without a passed probe the proof lapses at exactly the bound: the watch is dropped and the cache relists', async () => {
    const h = harness([listAt('100'), listAt('200')], provable);
    await flush();
    h.clock.increment(2_000);
    h.lastProver().send({ type: 'PROOF.PASSED', provenAt: h.clock.now() });
    h.lastWatch().send({ type: 'WATCH.PROGRESS', resourceVersion: '150' });
    h.lastProver().send({ type: 'PROOF.FAILED', message: 'the watch has not delivered 3 of 3 changes the API server has' });
    h.clock.increment(bound - 1);
    expect(h.state()).toBe('watching');
    expect(h.report()).toMatchObject({ healthy: true, proofAgeMs: bound - 1 });
    h.clock.increment(1);
    expect(h.state()).toBe('backoff');
    expect(h.lastWatch().closed).toBe(true);
    expect(h.lastProver().closed).toBe(true);
    expect(h.report()).toMatchObject({ healthy: false, reason: 'upstream stalled' });
    expect(h.actor.getSnapshot().context.lastError).toContain('the watch has not delivered 3 of 3');
    h.clock.increment(250);
    await flush();
    // Relisted, not re-watched from 150: a cache that may be behind catches up from a list.
    expect(h.listCount()).toBe(2);
    expect(h.lastWatch().input.resourceVersion).toBe('200');
    // Trusted again only once a probe on the new watch passes, not on the relist alone.
    expect(h.report()).toMatchObject({ healthy: false, reason: 'upstream stalled' });
    h.lastProver().send({ type: 'PROOF.PASSED', provenAt: h.clock.now() });
    expect(h.report()).toMatchObject({ healthy: true, reason: null });
    expect(h.actor.getSnapshot().context.lapses).toBe(1);
  });

  test('a new watch whose last proof went stale says `proving`, and gets one whole bound to prove itself', async () => {
    let now = 0;
    const slowList: ListBehaviour = () => new Promise((resolve) => setTimeout(() => resolve({ resourceVersion: '9' }), 0));
    const h = harness([slowList], provable);
    // The list takes longer than the bound (150,000 pods): its proof is stale when it lands.
    h.clock.increment(bound + 5_000);
    await new Promise((resolve) => setTimeout(resolve, 5));
    now = h.clock.now();
    expect(h.state()).toBe('watching');
    expect(h.report()).toMatchObject({ healthy: false, reason: 'proving', proofAgeMs: bound + 5_000 });
    h.clock.increment(bound - 1);
    expect(h.state()).toBe('watching');
    h.lastProver().send({ type: 'PROOF.PASSED', provenAt: now + 1_000 });
    expect(h.report()).toMatchObject({ healthy: true, reason: null });
  });

  test('repeated lapses back off further each time, until a probe passes', async () => {
    const h = harness([listAt('1')], provable);
    await flush();
    const waits: number[] = [];
    for (let lapse = 0; lapse < 4; lapse++) {
      h.clock.increment(bound);
      expect(h.state()).toBe('backoff');
      let waited = 0;
      while (h.state() === 'backoff') {
        h.clock.increment(50);
        waited += 50;
      }
      waits.push(waited);
      await flush();
      expect(h.state()).toBe('watching');
    }
    expect(waits).toEqual([250, 500, 1000, 2000]);
    h.lastProver().send({ type: 'PROOF.PASSED', provenAt: h.clock.now() });
    expect(h.actor.getSnapshot().context.lapseStreak).toBe(0);
  });

  test('an upstream that cannot be proven (a log follower) reports no proof age and is healthy on its watch alone', async () => {
    const h = harness([listAt('1')], timings);
    await flush();
    for (let i = 0; i < 5; i++) {
      h.clock.increment(bound - 1);
      h.lastWatch().send({ type: 'WATCH.PROGRESS', resourceVersion: `${2 + i}` });
    }
    expect(h.state()).toBe('watching');
    expect(h.report()).toMatchObject({ healthy: true, proofAgeMs: null });
  });

  test('a probe passing after the watch restarted does not move the proof backwards', async () => {
    const h = harness([listAt('1')], provable);
    await flush();
    h.clock.increment(4_000);
    h.lastProver().send({ type: 'PROOF.PASSED', provenAt: h.clock.now() });
    h.lastProver().send({ type: 'PROOF.PASSED', provenAt: h.clock.now() - 3_000 });
    expect(h.report().proofAgeMs).toBe(0);
  });
});

describe('upstreamMachine: a lapse names whether the watch was still delivering', () => {
  /** The window in which a watch counts as still delivering: a quarter of the bound. */
  const window = bound / 4;

  /** Listed at '100', watching, the list's proof taken at 0: it lapses at `bound` without a probe. */
  async function watchingWithoutProbes() {
    const h = harness([listAt('100'), listAt('200')], provable);
    await flush();
    expect(h.state()).toBe('watching');
    return h;
  }

  test('a lapse while the watch still delivers says `upstream behind`, keeps saying it through the relist, and clears when a probe passes', async () => {
    const h = await watchingWithoutProbes();
    // The watch keeps delivering up to the lapse, but no probe ever passes: it is behind.
    for (let t = 0; t < bound - 1_000; t += 1_000) {
      h.clock.increment(1_000);
      h.lastWatch().send({ type: 'WATCH.PROGRESS', resourceVersion: `${101 + t / 1_000}` });
      h.lastProver().send({ type: 'PROOF.FAILED', message: 'the watch has not delivered 40 of 40 changes the API server has' });
    }
    h.clock.increment(1_000);
    expect(h.state()).toBe('backoff');
    expect(h.report()).toMatchObject({ healthy: false, reason: 'upstream behind' });
    const { lastError, lapseReason } = h.actor.getSnapshot().context;
    expect(lapseReason).toBe('upstream behind');
    expect(lastError).toContain('still delivering');
    expect(lastError).toContain(`could prove it caught up within the freshness bound of ${bound} ms`);
    expect(lastError).toContain('the watch has not delivered 40 of 40');
    // The behaviour is a lapse's as before: dropped, backed off, relisted (not re-watched).
    h.clock.increment(250);
    expect(h.state()).toBe('listing');
    expect(h.report()).toMatchObject({ healthy: false, reason: 'upstream behind' });
    await flush();
    expect(h.listCount()).toBe(2);
    expect(h.lastWatch().input.resourceVersion).toBe('200');
    // On the new watch, delivering and quiet alike, the reason stays until a probe passes.
    expect(h.report()).toMatchObject({ state: 'watching', healthy: false, reason: 'upstream behind' });
    h.lastWatch().send({ type: 'WATCH.PROGRESS', resourceVersion: '201' });
    h.clock.increment(window + 1);
    expect(h.report()).toMatchObject({ healthy: false, reason: 'upstream behind' });
    h.lastProver().send({ type: 'PROOF.PASSED', provenAt: h.clock.now() });
    expect(h.report()).toMatchObject({ healthy: true, reason: null });
    expect(h.actor.getSnapshot().context.lapseReason).toBeNull();
  });

  test('a lapse of a watch that went quiet says `upstream stalled`, and keeps saying it while the new watch delivers', async () => {
    const h = await watchingWithoutProbes();
    h.clock.increment(1_000);
    h.lastWatch().send({ type: 'WATCH.PROGRESS', resourceVersion: '101' });
    h.clock.increment(bound - 1_000);
    expect(h.state()).toBe('backoff');
    expect(h.report()).toMatchObject({ healthy: false, reason: 'upstream stalled' });
    expect(h.actor.getSnapshot().context.lastError).not.toContain('still delivering');
    h.clock.increment(250);
    await flush();
    expect(h.state()).toBe('watching');
    // The new watch delivering does not turn the last lapse into a `behind` one.
    h.lastWatch().send({ type: 'WATCH.PROGRESS', resourceVersion: '201' });
    expect(h.report()).toMatchObject({ healthy: false, reason: 'upstream stalled' });
    h.lastProver().send({ type: 'PROOF.PASSED', provenAt: h.clock.now() });
    expect(h.report()).toMatchObject({ healthy: true, reason: null });
  });

  test('the watch counts as delivering for one window after its last progress, and no longer', async () => {
    const behind = await watchingWithoutProbes();
    behind.clock.increment(bound - window + 1);
    behind.lastWatch().send({ type: 'WATCH.PROGRESS', resourceVersion: '101' });
    behind.clock.increment(window - 1);
    expect(behind.report().reason).toBe('upstream behind');

    const stalled = await watchingWithoutProbes();
    stalled.clock.increment(bound - window - 1);
    stalled.lastWatch().send({ type: 'WATCH.PROGRESS', resourceVersion: '101' });
    stalled.clock.increment(window + 1);
    expect(stalled.report().reason).toBe('upstream stalled');
  });

  test('a lapse after a passed probe is named the same way, and the next lapse in a row is named afresh', async () => {
    const h = await watchingWithoutProbes();
    h.clock.increment(1_000);
    h.lastProver().send({ type: 'PROOF.PASSED', provenAt: h.clock.now() });
    // Proven at 1 s; delivering right up to the expiry at 1 s + bound.
    for (let t = 0; t < bound; t += 2_000) {
      h.clock.increment(2_000);
      h.lastWatch().send({ type: 'WATCH.PROGRESS', resourceVersion: `${110 + t}` });
    }
    expect(h.state()).toBe('backoff');
    expect(h.report().reason).toBe('upstream behind');
    h.clock.increment(250);
    await flush();
    // The relisted watch stays silent and lapses again: this lapse was a stall.
    h.clock.increment(bound);
    expect(h.state()).toBe('backoff');
    expect(h.report().reason).toBe('upstream stalled');
    expect(h.actor.getSnapshot().context.lapseStreak).toBe(2);
  });

  test('stopping forgets the lapse and its reason', async () => {
    const h = await watchingWithoutProbes();
    h.clock.increment(bound - 1);
    h.lastWatch().send({ type: 'WATCH.PROGRESS', resourceVersion: '101' });
    h.clock.increment(1);
    expect(h.report().reason).toBe('upstream behind');
    h.actor.send({ type: 'STOP' });
    expect(h.actor.getSnapshot().context.lapseReason).toBeNull();
    h.actor.send({ type: 'START' });
    await flush();
    expect(h.state()).toBe('watching');
    expect(h.report()).toMatchObject({ healthy: true, reason: null });
  });
});
