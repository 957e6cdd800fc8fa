/**
 * A small run of the HTTP fuzzer (bench/httpFuzzer.ts; the 100,000-request run is
 * `npm run fuzz:http`): random methods, paths, headers and bodies against a backend on the demo
 * cluster. No request may be answered 500 or go unanswered, and the backend must stay up.
 */
import { jest } from '@jest/globals';
import { fuzzRequests, runFuzz } from '../../bench/httpFuzzer.js';
import { startStack, type Stack } from './support.js';

jest.setTimeout(120_000);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ demo: { nodes: 2, pods: 20, churn: 0 } });
});
afterAll(() => stack.stop());

test('randomRequestsNeverCrashOrAnswer500', async () => {
  const report = await runFuzz(stack.backend.port, fuzzRequests(stack.backend.port, 3000, 7));
  expect(report.findings).toEqual([]);
  // The run reached the routes and the refusals, not only one kind of answer.
  expect(Object.keys(report.statuses)).toEqual(expect.arrayContaining(['200', '403', '404', '415', '421']));
  expect((await fetch(`${stack.base}/healthz`)).status).toBe(200);
});
