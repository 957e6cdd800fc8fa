/**
 * A first list that was read whole is kept when its last user lets go while it lands in the
 * cache (a list of thousands lands over several turns): the upstream lingers the idle grace
 * period like any listed one, instead of being forgotten as one that never listed, so the next
 * view is served from the cache without listing the cluster again.
 */
import { parseSnapshotLine, type SnapshotLine } from '../../adapters/protocol.js';
import { getJson, listsOfALoadedMachine, startStack, upstreamOf, waitFor, type Stack } from './support.js';

/** Reads a snapshot's lines up to its trail (or error) and leaves at once, the rest unread. */
async function linesToTrail(url: string): Promise<SnapshotLine[]> {
  const response = await fetch(url, { headers: { accept: 'application/x-ndjson' } });
  if (!response.body) throw new Error('no body');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const lines: SnapshotLine[] = [];
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return lines;
    text += value;
    let end: number;
    while ((end = text.indexOf('\n')) >= 0) {
      const parsed = parseSnapshotLine(text.slice(0, end));
      text = text.slice(end + 1);
      if (!parsed.ok) throw new Error(parsed.reason);
      lines.push(parsed.line);
      if (parsed.line.type === 'trail' || parsed.line.type === 'error') {
        await reader.cancel();
        return lines;
      }
    }
  }
}

/** A kind from discovery with thousands of rows: its upstream is forgotten at release when barren. */
const key = 'core/v1/pods';
const pods = 10_000;

describe('a first list landing when its last user lets go', () => {
  let stack: Stack;
  beforeAll(async () => {
    // A grace period far longer than the test, so only a forgotten upstream can lose the list.
    stack = await startStack({ demo: { pods, churn: 0 }, config: { upstreamIdleGraceMs: 60_000, ...listsOfALoadedMachine } });
  });
  afterAll(() => stack.stop());

  test('lands, and the upstream stays for the next user with every row', async () => {
    const cluster = stack.backend.clusters.hold(null);
    try {
      await cluster.discovery.ready();
      const upstream = cluster.upstreams.acquire(key);
      // The landing yields between slices of a few ms (setImmediate); so does this look.
      const deadline = Date.now() + 30_000;
      while (!upstream.cache.landingList) {
        if (upstream.cache.listed || Date.now() > deadline) throw new Error(`never saw the first list landing (listed: ${upstream.cache.listed})`);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      cluster.upstreams.release(key);
      while (upstream.cache.landingList) await new Promise<void>((resolve) => setImmediate(resolve));
      expect(cluster.upstreams.bounds().forgottenAtRelease).toBe(0);
      expect(cluster.upstreams.get(key)).toBe(upstream);
      expect({ listed: upstream.cache.listed, rows: upstream.cache.size }).toEqual({ listed: true, rows: stack.demo.listObjects('pods').length });
      expect(upstream.diagnostics(Date.now()).lists).toBe(1);
    } finally {
      stack.backend.clusters.release(cluster);
    }
  });
});

describe("a client that leaves at a cold view's trail", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { pods, churn: 0 }, config: { upstreamIdleGraceMs: 60_000, ...listsOfALoadedMachine } });
  });
  afterAll(() => stack.stop());

  test('leaves the list landing: the next view comes from the cache, listed once', async () => {
    // The trail goes out when the last page is read; the list lands in the cache after it.
    const cold = await linesToTrail(`${stack.base}/api/v1/snapshot/${key}`);
    expect(cold[0]).toMatchObject({ type: 'head', source: 'api' });
    expect(cold.at(-1)).toMatchObject({ type: 'trail', count: stack.demo.listObjects('pods').length });
    const upstream = await waitFor('the upstream listed, or gone', async () => {
      const found = await upstreamOf(stack, key);
      return found === undefined || found.state === 'watching' ? { found } : undefined;
    });
    expect(upstream.found).toMatchObject({ rows: stack.demo.listObjects('pods').length, lists: 1 });
    const warm = await linesToTrail(`${stack.base}/api/v1/snapshot/${key}`);
    expect(warm[0]).toMatchObject({ type: 'head', source: 'cache' });
    const diagnostics = (await getJson(`${stack.base}/api/v1/diagnostics`)).body;
    expect(diagnostics.upstreamBounds.forgottenAtRelease).toBe(0);
    expect(diagnostics.upstreams.find((u: { key: string }) => u.key === key).lists).toBe(1);
  });
});
