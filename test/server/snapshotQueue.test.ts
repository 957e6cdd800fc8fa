/**
 * The snapshot slots' queue (server/http.ts `Bound`): a request past the bound waits its turn,
 * in order, for a bounded time and in a queue of bounded length; a waiter whose client has gone
 * passes its slot on. The HTTP path through it is in security.test.ts (a stuck client holding the
 * only slot).
 */
import { Bound } from '../../server/http.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('waitersAreServedInTheOrderTheyCameAndEachFreedSlotGoesToOne', async () => {
  const bound = new Bound(1, 2, 60_000);
  expect(await bound.enter()).toBe(true);
  const served: string[] = [];
  const first = bound.enter().then((entered) => served.push(`first ${entered}`));
  const second = bound.enter().then((entered) => served.push(`second ${entered}`));
  await tick();
  expect(bound.report()).toMatchObject({ inFlight: 1, waiting: 2, peakWaiting: 2 });
  expect(served).toEqual([]);

  bound.leave();
  await first;
  expect(served).toEqual(['first true']);
  expect(bound.report()).toMatchObject({ inFlight: 1, waiting: 1 });

  bound.leave();
  await second;
  expect(served).toEqual(['first true', 'second true']);
  bound.leave();
  expect(bound.report()).toMatchObject({ inFlight: 0, waiting: 0, waited: 2, refused: 0, peak: 1 });
});

test('pastAFullQueueTheRequestIsRefusedAtOnce', async () => {
  const bound = new Bound(1, 1, 60_000);
  expect(await bound.enter()).toBe(true);
  const queued = bound.enter();
  await tick();
  expect(await bound.enter()).toBe(false);
  expect(bound.report()).toMatchObject({ inFlight: 1, waiting: 1, refused: 1 });
  bound.leave();
  expect(await queued).toBe(true);
  bound.leave();
  expect(bound.report()).toMatchObject({ inFlight: 0, waiting: 0, refused: 1, waited: 1 });
});

test('aWaiterNoSlotFreesForIsRefusedAfterTheWaitAndLeavesTheQueue', async () => {
  const bound = new Bound(1, 4, 50);
  expect(await bound.enter()).toBe(true);
  expect(await bound.enter()).toBe(false);
  expect(bound.report()).toMatchObject({ inFlight: 1, waiting: 0, refused: 1, waited: 0 });
  // The timed-out waiter is gone: the freed slot is simply free.
  bound.leave();
  expect(bound.report()).toMatchObject({ inFlight: 0 });
  expect(await bound.enter()).toBe(true);
});

test('aWaiterWhoseClientHasGonePassesTheSlotToTheNext', async () => {
  const bound = new Bound(1, 2, 60_000);
  expect(await bound.enter()).toBe(true);
  let gone = false;
  const abandoned = bound.enter(() => gone);
  const next = bound.enter();
  await tick();
  gone = true;
  bound.leave();
  expect(await abandoned).toBe(false);
  expect(await next).toBe(true);
  expect(bound.report()).toMatchObject({ inFlight: 1, waiting: 0, waited: 1 });
  bound.leave();
  expect(bound.report()).toMatchObject({ inFlight: 0 });
});

test('withNoQueueThePastTheBoundRequestIsRefusedAsBefore', async () => {
  const bound = new Bound(2);
  expect(await bound.enter()).toBe(true);
  expect(await bound.enter()).toBe(true);
  expect(await bound.enter()).toBe(false);
  expect(bound.report()).toMatchObject({ inFlight: 2, refused: 1, peak: 2, maxWaiting: 0 });
});
