/**
 * Fresh reads win (issue 11): while a view's upstream list-watch is not healthy, its cache may be
 * behind the API server, so the stream serves no reset from it. A `resync`, or a new
 * subscription, owes its reset until the upstream is healthy again (after its relist); the
 * stream hop keeps proving itself meanwhile with heartbeats that carry the upstream report.
 */
import type { HeartbeatFrame, ResetFrame, ServerFrame } from '../../adapters/protocol.js';
import { StreamClient, demoDigest, getJson, startStack, upstreamOf, waitFor, type Stack } from './support.js';

const after = (client: StreamClient, id: string, mark: number) => client.frames.slice(mark).filter((f): f is Exclude<ServerFrame, { type: 'error' }> => f.type !== 'error' && f.id === id);

describe('a view whose upstream is unhealthy', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { pods: 20, churn: 0 } });
  });
  afterAll(() => stack.stop());
  afterEach(() => stack.demo.faults.clear());

  /** Forbids the resource and cuts its watch: the upstream goes `forbidden`, its cache stays listed but unproven. */
  async function breakUpstream(resource: string): Promise<void> {
    stack.demo.faults.set({ fault: 'forbid', resource });
    stack.demo.faults.set({ fault: 'drop-watches', resource });
    await waitFor(`the ${resource} upstream to be unhealthy`, async () => !(await upstreamOf(stack, resource)).report.healthy);
  }

  test('answers a resync only once the upstream is healthy again, with heartbeats meanwhile', async () => {
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'ns', domain: 'namespaces' });
    await client.next('ns', 'reset');
    await breakUpstream('namespaces');

    const mark = client.frames.length;
    for (let i = 0; i < 3; i++) client.send({ type: 'resync', id: 'ns' });
    // Several heartbeat intervals (300 ms here): heartbeats, each saying the upstream is unhealthy; no reset.
    const heartbeats = await waitFor('three heartbeats after the resyncs', () => {
      const beats = after(client, 'ns', mark).filter((f): f is HeartbeatFrame => f.type === 'heartbeat');
      return beats.length >= 3 && beats;
    });
    for (const beat of heartbeats) expect(beat.upstream.healthy).toBe(false);
    expect(after(client, 'ns', mark).filter((f) => f.type === 'reset')).toEqual([]);
    const { body } = await getJson(`${stack.base}/api/v1/diagnostics`);
    const row = body.clients.flatMap((c: { subscriptions: { id: string }[] }) => c.subscriptions).find((s: { id: string }) => s.id === 'ns');
    expect(row).toMatchObject({ owesReset: true, state: 'owesReset.untilUpstreamProven', pendingChanges: 0 });

    // The cluster moves on while the cache cannot see it; the reset that follows recovery shows it.
    stack.demo.faults.clear();
    const reset = await client.next('ns', 'reset', mark, 15_000);
    expect(reset.upstream.healthy).toBe(true);
    expect(reset.count).toBe(demoDigest(stack.demo, 'namespaces').count);
    expect(after(client, 'ns', mark).filter((f) => f.type === 'reset')).toHaveLength(1); // one, for three resyncs
    // seq ran on without a gap through it all.
    const seqs = after(client, 'ns', 0).map((f) => (f as { seq: number }).seq);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    client.close();
  });

  test('gives a new subscription status frames, not a reset from the stale cache, until it recovers', async () => {
    const holder = await StreamClient.connect(stack.base);
    holder.send({ type: 'subscribe', id: 'hold', domain: 'nodes' }); // keeps the cache listed
    await holder.next('hold', 'reset');
    await breakUpstream('nodes');

    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'n', domain: 'nodes' });
    const status = await client.next('n', 'status');
    expect(status.upstream.healthy).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // three heartbeat intervals
    expect(client.framesFor('n').map((f) => f.type)).not.toContain('reset');
    expect(client.framesFor('n').map((f) => f.type)).not.toContain('heartbeat'); // nothing to beat against before a reset
    expect(client.framesFor('n').map((f) => f.type)).not.toContain('update');

    stack.demo.faults.clear();
    const reset: ResetFrame = await client.next('n', 'reset', 0, 15_000);
    expect(reset.upstream.healthy).toBe(true);
    expect(reset.count).toBe(demoDigest(stack.demo, 'nodes').count);
    client.close();
    holder.close();
  });
});
