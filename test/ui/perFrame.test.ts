/**
 * perFrame: however many notifications come between two frames, listeners hear once, in the
 * frame; a source nobody listens to is not followed. Frames are a scheduler the test steps.
 */
import { jest } from '@jest/globals';
import { animationFrames, perFrame, type FrameScheduler } from '../../ui/state/perFrame.js';

/** A source that notifies when told, counting who follows it. */
function source() {
  const listeners = new Set<() => void>();
  return {
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    fire: () => listeners.forEach((l) => l()),
    followers: () => listeners.size,
  };
}

/** Frames run when the test says so. */
function frames(): FrameScheduler & { run(): void; waiting(): number } {
  let queue: (() => void)[] = [];
  return {
    request(callback) {
      queue.push(callback);
      return () => (queue = queue.filter((c) => c !== callback));
    },
    run() {
      const due = queue;
      queue = [];
      due.forEach((c) => c());
    },
    waiting: () => queue.length,
  };
}

test('manyNotificationsBetweenTwoFramesAreHeardOnceInTheFrame', () => {
  const s = source();
  const f = frames();
  const subscribe = perFrame((l) => s.subscribe(l), f);
  const heard: string[] = [];
  subscribe(() => heard.push('a'));
  subscribe(() => heard.push('b'));
  for (let i = 0; i < 8; i++) s.fire();
  expect(heard).toEqual([]);
  expect(f.waiting()).toBe(1);
  f.run();
  expect(heard).toEqual(['a', 'b']);
  // Nothing new: the next frame says nothing.
  f.run();
  expect(heard).toEqual(['a', 'b']);
  s.fire();
  f.run();
  expect(heard).toEqual(['a', 'b', 'a', 'b']);
});

test('aFailingListenerDoesNotSilenceTheOthers', () => {
  const s = source();
  const f = frames();
  const subscribe = perFrame((l) => s.subscribe(l), f);
  let heard = 0;
  subscribe(() => {
    throw new Error('listener failed');
  });
  subscribe(() => heard++);
  s.fire();
  f.run();
  expect(heard).toBe(1);
});

test('theSourceIsFollowedOnlyWhileSomeoneListensAndALeftFrameIsCancelled', () => {
  const s = source();
  const f = frames();
  const subscribe = perFrame((l) => s.subscribe(l), f);
  expect(s.followers()).toBe(0);
  const stopA = subscribe(() => undefined);
  const stopB = subscribe(() => undefined);
  expect(s.followers()).toBe(1);
  s.fire();
  stopA();
  expect(s.followers()).toBe(1);
  stopB();
  expect(s.followers()).toBe(0);
  expect(f.waiting()).toBe(0);
});

test('aPageThatRunsNoFramesHearsAnywayAfterAQuarterSecond', () => {
  jest.useFakeTimers();
  // As a hidden page: requestAnimationFrame is accepted but its callbacks never run.
  const frameCalls: (() => void)[] = [];
  Object.assign(globalThis, { requestAnimationFrame: (c: () => void) => frameCalls.push(c), cancelAnimationFrame: () => undefined });
  try {
    const s = source();
    const subscribe = perFrame((l) => s.subscribe(l), animationFrames);
    let heard = 0;
    subscribe(() => heard++);
    s.fire();
    jest.advanceTimersByTime(249);
    expect(heard).toBe(0);
    jest.advanceTimersByTime(1);
    expect(heard).toBe(1);
    // The frame that comes later finds it delivered and says nothing twice.
    frameCalls.forEach((c) => c());
    expect(heard).toBe(1);
  } finally {
    jest.useRealTimers();
    Reflect.deleteProperty(globalThis, 'requestAnimationFrame');
    Reflect.deleteProperty(globalThis, 'cancelAnimationFrame');
  }
});
