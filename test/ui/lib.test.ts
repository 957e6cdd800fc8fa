/**
 * The dashboard's pure logic, no browser: formatting, the freshness rule, windowing and the
 * operator's words, fed with diagnostics rows from real machines on a fake clock.
 */
import { diagnoseSubscription } from '../../machines/diagnostics.js';
import { flush } from '../support/clock.js';
import { FetchControl, HttpError } from '../support/fetchControl.js';
import { startSubscription, testConfig } from '../support/subscriptionHarness.js';
import { formatAge, formatBytes, formatCpu, formatInterval } from '../../ui/lib/format.js';
import { freshnessOf, isLoading } from '../../ui/lib/freshness.js';
import { describeProblem } from '../../ui/lib/operatorWords.js';
import { visibleWindow } from '../../ui/lib/windowing.js';
import { listedKinds, resourceOfKind } from '../../ui/lib/workloads.js';
import { isResourceName } from '../../adapters/kube/resources.js';

test('quantitiesReadAsKubectlPrintsThem', () => {
  expect(formatCpu(250)).toBe('250m');
  expect(formatCpu(12_500)).toBe('12.5 cores');
  expect(formatCpu(null)).toBe('—');
  expect(formatBytes(1536 * 1024 * 1024)).toBe('1.5Gi');
  expect(formatBytes(512)).toBe('512B');
  expect(formatAge(90_000)).toBe('90s');
  expect(formatAge(3 * 24 * 3600_000)).toBe('3d');
  expect(formatAge(-5)).toBe('0s');
  expect(formatInterval(5000)).toBe('5s');
  expect(formatInterval(1500)).toBe('1.5s');
});

test('onlyTheRowsInViewAndAFewAroundAreRendered', () => {
  expect(visibleWindow(0, 500, 32, 50_000)).toEqual({ start: 0, end: 25 });
  const middle = visibleWindow(32 * 20_000, 500, 32, 50_000);
  expect(middle.start).toBe(20_000 - 8);
  expect(middle.end - middle.start).toBeLessThan(40);
  expect(visibleWindow(1e9, 500, 32, 10)).toEqual({ start: 1, end: 10 });
  expect(visibleWindow(0, 500, 32, 0)).toEqual({ start: 0, end: 0 });
});

test('freshnessFollowsTheMachineAndTurnsStaleWhenTheStreamGoesQuiet', async () => {
  const h = startSubscription({});
  expect(isLoading(diagnoseSubscription(h.actor.getSnapshot(), h.clock.now()), 0)).toBe(true);
  await flush();
  h.actor.send({ type: 'STREAM.DELIVERED', kind: 'heartbeat', digestAgrees: true });
  let row = diagnoseSubscription(h.actor.getSnapshot(), h.clock.now());
  expect(freshnessOf(row, testConfig.stallTimeoutMs)).toMatchObject({ level: 'live', mode: 'streaming', boundMs: testConfig.stallTimeoutMs });
  // Healthy but nothing arrived for longer than the stall bound: the badge says stale even
  // before the machine's own timer has fired.
  row = diagnoseSubscription(h.actor.getSnapshot(), h.clock.now() + testConfig.stallTimeoutMs + 1);
  expect(freshnessOf(row, testConfig.stallTimeoutMs).level).toBe('stale');
  h.actor.send({ type: 'SOCKET.CLOSED' });
  await flush();
  row = diagnoseSubscription(h.actor.getSnapshot(), h.clock.now());
  expect(freshnessOf(row, testConfig.stallTimeoutMs)).toMatchObject({ level: 'polling', mode: 'polling' });
  expect(describeProblem(row)?.text).toMatch(/Disconnected from the kubelive backend's live stream/);
});

test('forbiddenAndNoScopeAreSaidInOperatorWords', async () => {
  const forbidden = startSubscription({ fetch: new FetchControl({ error: new HttpError(403, 'pods is forbidden') }) as never });
  await flush();
  expect(describeProblem(diagnoseSubscription(forbidden.actor.getSnapshot(), 0))?.text).toMatch(/^Forbidden: your Kubernetes account may not list/);
  const logs = startSubscription({ domain: 'pod-logs', scope: '' });
  await flush();
  expect(describeProblem(diagnoseSubscription(logs.actor.getSnapshot(), 0))?.text).toBe('No pod selected: click a pod to see its logs.');
});

test('everyListedWorkloadKindOpensAResourceTheBackendServesWhole', () => {
  expect(listedKinds.map(resourceOfKind)).toEqual(['deployments', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs']);
  for (const kind of [...listedKinds, 'ReplicaSet' as const]) expect(isResourceName(resourceOfKind(kind))).toBe(true);
});
