import { createActor, fromCallback, fromPromise, SimulatedClock, type EventObject } from 'xstate';
import {
  upstreamMachine,
  upstreamReport,
  upstreamStateName,
  type ListOutput,
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
};

type ListBehaviour = () => Promise<ListOutput>;

/** Runs the machine on a simulated clock with a scripted list and a recorded watch. */
function harness(list: ListBehaviour[]) {
  const clock = new SimulatedClock();
  const watches: { input: WatchInput; send: (event: UpstreamEvent) => void; closed: boolean }[] = [];
  let lists = 0;
  const machine = upstreamMachine.provide({
    actors: {
      listResource: fromPromise<ListOutput, { resource: string }>(() => {
        const behaviour = list[Math.min(lists, list.length - 1)]!;
        lists++;
        return behaviour();
      }),
      watchResource: fromCallback<EventObject, WatchInput>(({ input, sendBack }) => {
        const watch = { input, send: (event: UpstreamEvent) => sendBack(event), closed: false };
        watches.push(watch);
        return () => {
          watch.closed = true;
        };
      }),
    },
  });
  const actor = createActor(machine, {
    clock,
    input: { resource: 'pods', timings, now: () => clock.now(), random: () => 0 },
  });
  actor.start();
  const state = () => upstreamStateName(actor.getSnapshot());
  const report = () => upstreamReport(actor.getSnapshot(), clock.now());
  const lastWatch = () => watches[watches.length - 1]!;
  return { clock, actor, watches, state, report, lastWatch, listCount: () => lists };
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
});
