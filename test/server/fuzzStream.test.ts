/**
 * A small run of the WebSocket fuzzer (bench/streamFuzzer.ts; the 100,000-frame run is
 * `npm run fuzz:stream`): hostile frames of every shape over four connections against a backend
 * on the demo cluster. Every batch is read (its probe answered), every answer is well formed, no
 * connection is closed but for a frame past 1 MiB, and a bystander's pods subscription keeps
 * agreeing with the backend throughout.
 */
import { jest } from '@jest/globals';
import { hostileFrames, runStreamFuzz } from '../../bench/streamFuzzer.js';
import { StreamClient, expectStillAgreeing, startStack, type Stack } from './support.js';

jest.setTimeout(120_000);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ demo: { nodes: 2, pods: 20, churn: 2 } });
});
afterAll(() => stack.stop());

test('hostileFramesNeverCrashCloseOrDisturbAnotherClient', async () => {
  const bystander = await StreamClient.connect(stack.base);
  bystander.send({ type: 'subscribe', id: 'watch', domain: 'pods' });
  await bystander.next('watch', 'reset');

  const report = await runStreamFuzz(stack.base, hostileFrames(10_000, 11));
  expect(report.findings).toEqual([]);
  // The run reached the refusals, not only one kind of answer, and one frame past 1 MiB closed its connection.
  expect(Object.keys(report.errors)).toEqual(expect.arrayContaining(['malformed-frame', 'frame-too-large', 'bad-scope', 'unknown-id', 'duplicate-id', 'too-many-subscriptions']));
  expect((report.closes['1009'] ?? 0) + (report.closes['1006'] ?? 0)).toBe(2);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();

  await expectStillAgreeing(bystander, 'watch');
  expect(bystander.errors()).toEqual([]);
  bystander.close();
});
