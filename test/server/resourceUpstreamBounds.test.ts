/**
 * Kinds opened by clients are bounded like log followers: past `maxResourceUpstreams` a kind
 * nobody looks at any more (in its idle grace) makes room, and when every one has a user the new
 * one is refused `too-many-upstreams` (error frame; 503 for a snapshot), while a kind already
 * watched and the hand-made domains are still served.
 */
import { StreamClient, getJson, startStack, waitFor, type Stack } from './support.js';

describe('resource upstream bounds', () => {
  let stack: Stack;
  beforeAll(async () => {
    // Three kinds at once; the CRD watch that follows kinds takes one of them.
    stack = await startStack({ demo: { pods: 10 }, backend: { upstreamLimits: { maxResourceUpstreams: 3 } }, config: { upstreamIdleGraceMs: 60_000 } });
  });
  afterAll(() => stack.stop());

  test('past the bound an idle kind makes room, else the new one is refused, and nothing else is', async () => {
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'a', domain: 'core/v1/configmaps', scope: '' });
    await client.next('a', 'reset');
    client.send({ type: 'subscribe', id: 'b', domain: 'core/v1/services', scope: '' });
    await client.next('b', 'reset');
    client.send({ type: 'subscribe', id: 'c', domain: 'core/v1/serviceaccounts', scope: '' });
    const refused = await waitFor('a refusal', () => client.errors().find((e) => e.id === 'c'));
    expect(refused).toMatchObject({ code: 'too-many-upstreams', fatal: true, reason: expect.stringMatching(/at most 3 kinds/) });
    const snapshot = await getJson(`${stack.base}/api/v1/snapshot/core/v1/serviceaccounts`);
    expect(snapshot.status).toBe(503);
    expect(snapshot.headers.get('retry-after')).toBe('5');
    // Already watched, and hand-made: served.
    client.send({ type: 'subscribe', id: 'a2', domain: 'core/v1/configmaps', scope: 'default' });
    client.send({ type: 'subscribe', id: 'p', domain: 'pods', scope: '' });
    await client.next('a2', 'reset');
    await client.next('p', 'reset');

    // Let go of services: within its grace it is idle, and the next kind takes its place.
    client.send({ type: 'unsubscribe', id: 'b' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    client.send({ type: 'subscribe', id: 'c2', domain: 'core/v1/serviceaccounts', scope: '' });
    await client.next('c2', 'reset');
    const diagnostics = await getJson(`${stack.base}/api/v1/diagnostics`);
    const keys = diagnostics.body.upstreams.map((u: { key: string }) => u.key);
    expect(keys).not.toContain('core/v1/services');
    expect(diagnostics.body.upstreamBounds).toMatchObject({ resourceUpstreams: 3, maxResourceUpstreams: 3, evictedIdle: 1 });
    expect(diagnostics.body.upstreamBounds.refused.resources).toBeGreaterThanOrEqual(2);
    client.close();
  });
});
