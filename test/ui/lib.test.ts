/**
 * The dashboard's pure logic, no browser: formatting, the freshness rule, windowing and the
 * operator's words, fed with diagnostics rows from real machines on a fake clock.
 */
import { diagnoseSubscription } from '../../machines/diagnostics.js';
import { flush } from '../support/clock.js';
import { FetchControl, HttpError } from '../support/fetchControl.js';
import { startSubscription, testConfig } from '../support/subscriptionHarness.js';
import { formatAge, formatBytes, formatCpu, formatInterval } from '../../ui/lib/format.js';
import { badgeAge, badgeText, freshnessOf, headerStatus, isLoading } from '../../ui/lib/freshness.js';
import { describeProblem, scopeText } from '../../ui/lib/operatorWords.js';
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
  expect(freshnessOf(row)).toMatchObject({ level: 'live', mode: 'streaming', basis: 'proof', boundMs: testConfig.freshnessBoundMs });
  // Healthy but nothing proven for longer than the bound: the badge says stale even before the
  // machine's own timer has fired.
  row = diagnoseSubscription(h.actor.getSnapshot(), h.clock.now() + testConfig.freshnessBoundMs + 1);
  expect(freshnessOf(row).level).toBe('stale');
  expect(badgeText(freshnessOf(row))).toBe('STALE · streaming');
  h.actor.send({ type: 'SOCKET.CLOSED' });
  await flush();
  row = diagnoseSubscription(h.actor.getSnapshot(), h.clock.now());
  expect(freshnessOf(row)).toMatchObject({ level: 'polling', mode: 'polling', basis: 'data' });
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

const provenUpstream = (proofAgeMs: number | null) => ({ state: 'watching', healthy: true, reason: null, proofAgeMs });

test('theBadgeShowsTheAgeOfTheEndToEndProofNotJustLive', async () => {
  const h = startSubscription({});
  await flush();
  // The upstream was proven 700 ms before this heartbeat; the heartbeat itself agrees now.
  h.actor.send({ type: 'STREAM.DELIVERED', kind: 'heartbeat', digestAgrees: true, upstream: provenUpstream(700) });
  h.clock.advance(1_300);
  h.actor.send({ type: 'STREAM.DELIVERED', kind: 'update' });
  const freshness = freshnessOf(diagnoseSubscription(h.actor.getSnapshot(), h.clock.now()));
  // The oldest link is the upstream proof: 2 s, though the last delivery is just now.
  expect(freshness).toMatchObject({ level: 'live', ageMs: 2_000, basis: 'proof' });
  expect(badgeAge(freshness)).toBe('proven 2s ago');
});

test('aHealthyStreamNotYetProvenEndToEndSaysProving', async () => {
  const h = startSubscription({});
  await flush();
  // A resumed stream's first frame: healthy, but no agreement with the backend seen yet.
  h.actor.send({ type: 'STREAM.DELIVERED', kind: 'update' });
  const freshness = freshnessOf(diagnoseSubscription(h.actor.getSnapshot(), h.clock.now()));
  expect(freshness.level).toBe('proving');
  expect(badgeAge(freshness)).toBe('proving…');
});

test('theHeaderDotIsGreenOnlyWhenConnectedAndEveryStreamedViewIsProven', async () => {
  const open = { state: 'open', open: true, attempts: 0, connects: 1, disconnects: 0, lastCloseReason: null };
  const proven = startSubscription({});
  await flush();
  proven.actor.send({ type: 'STREAM.DELIVERED', kind: 'heartbeat', digestAgrees: true, upstream: provenUpstream(100) });
  const provenRow = diagnoseSubscription(proven.actor.getSnapshot(), proven.clock.now());
  expect(headerStatus(open, [provenRow])).toMatchObject({ level: 'live', text: 'live' });

  // The same row once its proof is past the bound (the machine's timer not yet fired): not green.
  const aged = diagnoseSubscription(proven.actor.getSnapshot(), proven.clock.now() + testConfig.freshnessBoundMs);
  expect(headerStatus(open, [aged]).level).toBe('unproven');

  // Another view polling while its upstream is stalled: connected, but not green.
  const stalled = startSubscription({ domain: 'nodes', scope: '' });
  await flush();
  stalled.actor.send({ type: 'STREAM.STATUS', upstream: { state: 'backoff', healthy: false, reason: 'upstream stalled' } });
  stalled.actor.send({ type: 'STREAM.DELIVERED', kind: 'heartbeat', digestAgrees: true, upstream: { state: 'backoff', healthy: false, reason: 'upstream stalled', proofAgeMs: 60_000 } });
  const stalledRow = diagnoseSubscription(stalled.actor.getSnapshot(), stalled.clock.now());
  expect(stalledRow.reason).toBe('upstream stalled');
  expect(headerStatus(open, [provenRow, stalledRow])).toMatchObject({ level: 'unproven', text: 'unproven: nodes' });

  // The backend unreachable: not green whatever the rows say.
  const reconnecting = { ...open, state: 'reconnecting', open: false, disconnects: 1 };
  expect(headerStatus(reconnecting, [provenRow])).toMatchObject({ level: 'down', text: 'reconnecting' });
  expect(headerStatus(null, []).level).toBe('down');
});

test('anUpstreamBehindIsSaidAsAWatchStillDeliveringButFallingBehind', async () => {
  const behind = startSubscription({ domain: 'pods', scope: 'shop' });
  await flush();
  behind.actor.send({ type: 'STREAM.DELIVERED', kind: 'heartbeat', digestAgrees: true, upstream: { state: 'watching', healthy: true, reason: null, proofAgeMs: 0 } });
  behind.actor.send({ type: 'STREAM.STATUS', upstream: { state: 'backoff', healthy: false, reason: 'upstream behind', proofAgeMs: testConfig.freshnessBoundMs + 1 } });
  const row = diagnoseSubscription(behind.actor.getSnapshot(), behind.clock.now());
  expect(row.reason).toBe('upstream behind');
  const open = { state: 'open', open: true, attempts: 0, connects: 1, disconnects: 0, lastCloseReason: null };
  expect(headerStatus(open, [row])).toMatchObject({ level: 'unproven', text: 'unproven: pods' });
  const problem = describeProblem(row);
  expect(problem?.severity).toBe('warning');
  expect(problem?.text).toMatch(/^The backend's watch on the cluster for pods is still delivering but falling behind/);
  expect(problem?.text).toContain('may be older than the freshness bound');
  expect(problem?.text).toMatch(/read fresh from the API server every \d/);
  // Not the words for a watch that went quiet.
  const stalled = describeProblem({ ...row, reason: 'upstream stalled' });
  expect(stalled?.text).not.toContain('falling behind');
  expect(stalled?.text).toContain('went quiet and has not proven itself');
});

test('theViewsOwnLapseIsSaidAsNoProofInTimeWithPollingResumedUntilTheBackendNamesIt', async () => {
  const h = startSubscription({ domain: 'pods', scope: 'shop' });
  await flush();
  h.actor.send({ type: 'STREAM.DELIVERED', kind: 'heartbeat', digestAgrees: true, upstream: provenUpstream(0) });
  // Updates keep the stream alive while the proof ages past the bound: the view's own timer fires.
  for (let elapsed = 0; elapsed < testConfig.freshnessBoundMs; elapsed += 600) {
    h.clock.advance(600);
    h.actor.send({ type: 'STREAM.DELIVERED', kind: 'update' });
  }
  const row = diagnoseSubscription(h.actor.getSnapshot(), h.clock.now());
  expect(row.reason).toBe('upstream unproven');
  const problem = describeProblem(row);
  expect(problem?.severity).toBe('warning');
  expect(problem?.text).toMatch(/^No proof came from the backend, within the freshness bound, that its watch on the cluster for pods is up to date\./);
  expect(problem?.text).toMatch(/Polling resumed: pods are read fresh from the API server every \d+s until the backend proves its watch again\.$/);
  // It claims neither kind of lapse: that is the backend's to say.
  expect(problem?.text).not.toMatch(/behind|quiet|stalled/);
  // Once the backend says which it was, the words are the backend's.
  h.actor.send({ type: 'STREAM.STATUS', upstream: { state: 'backoff', healthy: false, reason: 'upstream behind', proofAgeMs: testConfig.freshnessBoundMs + 10 } });
  expect(describeProblem(diagnoseSubscription(h.actor.getSnapshot(), h.clock.now()))?.text).toContain('still delivering but falling behind');
});

test('resourceDomainsAreNamedByTheirResourceAndTheirScopeInOperatorWords', async () => {
  const forbidden = startSubscription({ domain: 'core/v1/secrets', scope: 'shop', fetch: new FetchControl({ error: new HttpError(403, 'secrets is forbidden') }) as never });
  await flush();
  expect(describeProblem(diagnoseSubscription(forbidden.actor.getSnapshot(), 0))?.text).toMatch(/^Forbidden: your Kubernetes account may not list secrets in namespace shop\./);
  const custom = startSubscription({ domain: 'example.com/v1/widgets', scope: '' });
  await flush();
  custom.actor.send({ type: 'SOCKET.CLOSED' });
  await flush();
  expect(describeProblem(diagnoseSubscription(custom.actor.getSnapshot(), custom.clock.now()))?.text).toMatch(/widgets\.example\.com are polled/);
  // Only discovery knows whether a kind is namespaced: '' is the whole cluster either way.
  expect(scopeText({ domain: 'rbac.authorization.k8s.io/v1/clusterroles', scope: '' })).toBe('the whole cluster');
  expect(scopeText({ domain: 'core/v1/configmaps', scope: 'shop' })).toBe('namespace shop');
  expect(scopeText({ domain: 'nodes', scope: '' })).toBe('the cluster');
  expect(scopeText({ domain: 'events', scope: '' })).toBe('all namespaces');
  expect(scopeText({ domain: 'api-resources', scope: '' })).toBe('the cluster');
  expect(scopeText({ domain: 'pod-logs', scope: 'shop/web-1' })).toBe('pod shop/web-1');
});
