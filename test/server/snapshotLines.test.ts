/**
 * Snapshots as lines over real sockets: a cold view's rows stream from the backend's first list
 * as its pages arrive (a kind from discovery's too, under the columns the cluster prints), a
 * warm view's from the cache, and either way the lines add up to the
 * cluster's pods (read from the demo cluster's own store). Hostile or cut-short lines, from a
 * server of our own making, never become a store's rows.
 */
import { createServer, type Server } from 'node:http';
import { createSnapshotSource } from '../../adapters/engine/snapshots.js';
import { RowStore } from '../../adapters/engine/store.js';
import { digestOf } from '../../adapters/digest.js';
import { type Row, type SnapshotLine } from '../../adapters/protocol.js';
import { tableAccept } from '../../adapters/kube/tableRows.js';
import { logTailLines } from '../../adapters/kube/logs.js';
import type { LogLineRow } from '../../adapters/rows.js';
import { call } from '../demo-cluster/client.js';
import { StreamClient, demoDigest, snapshotLinesOf, startStack, type Stack } from './support.js';

async function linesOf(url: string): Promise<{ contentType: string | null; lines: SnapshotLine[] }> {
  const response = await fetch(url, { headers: { accept: 'application/x-ndjson' } });
  const lines = snapshotLinesOf(await response.text());
  return { contentType: response.headers.get('content-type'), lines };
}

function rowsOf(lines: SnapshotLine[]): Row[] {
  return lines.flatMap((l) => (l.type === 'rows' ? [...l.items] : []));
}

describe('snapshots as lines', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { pods: 2500, churn: 0 } });
  });
  afterAll(() => stack.stop());

  test('a cold view streams the first list as it arrives: head without a count, rows, a trail that adds up to the cluster pods', async () => {
    // Nothing has asked for pods yet: this request starts the upstream and its first list.
    const { contentType, lines } = await linesOf(`${stack.base}/api/v1/snapshot/pods`);
    expect(contentType).toMatch(/^application\/x-ndjson/);
    const [head] = lines;
    const trail = lines.at(-1);
    expect(head).toMatchObject({ type: 'head', domain: 'pods', source: 'api', expected: null });
    if (trail?.type !== 'trail') throw new Error(`last line is ${trail?.type}`);
    const rows = rowsOf(lines);
    expect(lines.filter((l) => l.type === 'rows').length).toBeGreaterThan(1);
    const truth = demoDigest(stack.demo, 'pods');
    expect({ count: rows.length, digest: digestOf(rows) }).toEqual(truth);
    expect({ count: trail.count, digest: trail.digest }).toEqual(truth);
  });

  test('a warm view comes from the cache with its count up front, and a namespace scope holds only that namespace', async () => {
    // A stream subscriber holds the pods upstream, listed: the cold view's alone lingers only the
    // test stack's 500 ms idle grace, and the clean-clone CI once found it let go in between.
    const holder = await StreamClient.connect(stack.base);
    try {
      holder.send({ type: 'subscribe', id: 'hold', domain: 'pods' });
      await holder.next('hold', 'reset');
      const { lines } = await linesOf(`${stack.base}/api/v1/snapshot/pods`);
      expect(lines[0]).toMatchObject({ type: 'head', source: 'cache', expected: demoDigest(stack.demo, 'pods').count });
      const namespace = (rowsOf(lines)[0] as Row & { namespace: string }).namespace;
      const scoped = await linesOf(`${stack.base}/api/v1/snapshot/pods?scope=${namespace}`);
      const rows = rowsOf(scoped.lines);
      expect({ count: rows.length, digest: digestOf(rows) }).toEqual(demoDigest(stack.demo, 'pods', namespace));
    } finally {
      holder.close();
    }
  });

  test('a cold view of a kind from discovery streams its first list too, its head carrying the columns the cluster prints', async () => {
    const { lines } = await linesOf(`${stack.base}/api/v1/snapshot/core/v1/configmaps`);
    const [head] = lines;
    const trail = lines.at(-1);
    expect(head).toMatchObject({ type: 'head', domain: 'core/v1/configmaps', source: 'api', expected: null });
    const printed = (await call(stack.demo, '/api/v1/configmaps?limit=1', { headers: { Accept: tableAccept } })).json<{ columnDefinitions: { name: string; type: string }[] }>();
    if (head?.type !== 'head') throw new Error(`first line is ${head?.type}`);
    expect(head.columns?.map((c) => [c.name, c.type])).toEqual(printed.columnDefinitions.map((c) => [c.name, c.type]));
    if (trail?.type !== 'trail') throw new Error(`last line is ${trail?.type}`);
    const rows = rowsOf(lines);
    const truth = demoDigest(stack.demo, 'configmaps');
    expect(truth.count).toBeGreaterThan(0);
    expect({ count: rows.length, digest: digestOf(rows) }).toEqual(truth);
    expect({ count: trail.count, digest: trail.digest }).toEqual(truth);
  });

  test("a cold view of a pod's log holds the log's lines, as the cluster's log endpoint serves them", async () => {
    // The log follower reads its tail in one request, not in pages: its cold view once answered
    // an empty log (count 0) while the lines were landing, and they came after as additions.
    const pods = (await call(stack.demo, '/api/v1/pods')).json<{ items: { metadata: { name: string; namespace: string }; spec: { containers: { name: string }[] }; status: { phase: string } }[] }>();
    const pod = pods.items.find((p) => p.status.phase === 'Running');
    if (!pod) throw new Error('the demo cluster has no running pod');
    const { name, namespace } = pod.metadata;
    const container = pod.spec.containers[0]!.name;
    const { lines } = await linesOf(`${stack.base}/api/v1/snapshot/pod-logs?scope=${namespace}/${name}/${container}`);
    const trail = lines.at(-1);
    if (trail?.type !== 'trail') throw new Error(`last line is ${trail?.type}`);
    const held = rowsOf(lines) as LogLineRow[];
    expect({ count: trail.count, digest: trail.digest }).toEqual({ count: held.length, digest: digestOf(held) });
    // The truth, read after: every line up to the last one held, of which the tail is what the view keeps.
    const truth = await call(stack.demo, `/api/v1/namespaces/${namespace}/pods/${name}/log?container=${container}&timestamps=true`);
    expect(truth.status).toBe(200);
    const lastHeld = held.map((r) => r.time!).sort().at(-1) ?? '';
    const upToHeld = truth.text.split('\n').filter((l) => l !== '' && l.slice(0, l.indexOf(' ')) <= lastHeld);
    expect(upToHeld.length).toBeGreaterThan(0);
    expect(held.map((r) => `${r.time} ${r.line}`)).toEqual(upToHeld.slice(-logTailLines));
  });

  test('a first list refused while a cold view follows it ends the lines with the refusal, in the API server\'s words, as the JSON route answers 403', async () => {
    // Slowed, so the request finds the list under way and follows it; then refused (the first
    // list is a streaming list, a watch, so the words may name either verb).
    stack.demo.faults.set({ fault: 'slow', resource: 'namespaces', ms: 1000 });
    stack.demo.faults.set({ fault: 'forbid', resource: 'namespaces' });
    try {
      const { lines } = await linesOf(`${stack.base}/api/v1/snapshot/namespaces`);
      expect(lines[0]).toMatchObject({ type: 'head', source: 'api', expected: null });
      expect(rowsOf(lines)).toEqual([]);
      expect(lines.at(-1)).toMatchObject({ type: 'error', error: 'forbidden', reason: expect.stringMatching(/namespaces is forbidden: User ".*" cannot (list|watch) resource "namespaces"/) });
      // Once the refusal is known the JSON route says it with its status: the same words.
      const json = await fetch(`${stack.base}/api/v1/snapshot/namespaces`);
      expect(json.status).toBe(403);
      expect(await json.json()).toMatchObject({ error: 'forbidden' });
    } finally {
      stack.demo.faults.clear();
    }
  });

  test('without asking for lines the answer is the one JSON body, as before', async () => {
    const response = await fetch(`${stack.base}/api/v1/snapshot/pods`);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as { items: Row[]; count: number };
    expect(body.count).toBe(demoDigest(stack.demo, 'pods').count);
  });
});

describe('hostile or cut-short lines', () => {
  let server: Server;
  let answer = '';
  let base = '';
  beforeAll(async () => {
    server = createServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
      response.end(answer);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const row = (i: number): Row => ({ uid: `u${i}`, resourceVersion: `${i}`, namespace: 'a', name: `p${i}` }) as unknown as Row;
  const rows = [row(1), row(2), row(3)];
  const head = { type: 'head', domain: 'pods', scope: '', generatedAt: 'now', upstream: { state: 'listing', healthy: false }, source: 'api', expected: null };
  const trail = { type: 'trail', count: 3, digest: digestOf(rows), generation: 5, resourceVersion: '9' };
  const ndjson = (...values: unknown[]) => values.map((v) => `${JSON.stringify(v)}\n`).join('');

  async function fetchInto(store: RowStore): Promise<unknown> {
    const source = createSnapshotSource({ baseUrl: base, store });
    return source.fetchSnapshot('pods', '').then(
      () => null,
      (error: unknown) => error,
    );
  }

  test('whole lines fill a cold store, showing rows as loading first', async () => {
    answer = ndjson(head, { type: 'rows', items: rows.slice(0, 2) }, { type: 'rows', items: rows.slice(2) }, trail);
    const store = new RowStore();
    const seen: (number | null)[] = [];
    store.onRowsChanged(() => seen.push(store.collection('pods:')?.loading?.received ?? null));
    expect(await fetchInto(store)).toBeNull();
    expect(seen).toEqual([2, 3, null]);
    expect(store.summary('pods:')).toMatchObject({ count: 3, digest: trail.digest, generation: 5 });
  });

  test("a kind's loading rows show under the columns its head carries", async () => {
    const columns = [{ name: 'Name', type: 'string', format: 'name', description: '', priority: 0 }];
    answer = ndjson({ ...head, domain: 'core/v1/configmaps', columns }, { type: 'rows', items: rows }, trail);
    const store = new RowStore();
    const whileLoading: unknown[] = [];
    store.onRowsChanged(() => {
      if (store.collection('core/v1/configmaps:')?.loading) whileLoading.push(store.columns('core/v1/configmaps:'));
    });
    await createSnapshotSource({ baseUrl: base, store }).fetchSnapshot('core/v1/configmaps', '');
    expect(whileLoading).toEqual([columns]);
    expect(store.columns('core/v1/configmaps:')).toEqual(columns);
  });

  test('a fetch that hands over the body only as text (no stream) reads the same lines', async () => {
    answer = ndjson(head, { type: 'rows', items: rows }, trail);
    const store = new RowStore();
    const textOnly = async (url: string, init?: { headers?: Record<string, string> }) => {
      const response = await fetch(url, init);
      const text = await response.text();
      return { status: response.status, ok: response.ok, headers: response.headers, json: async () => JSON.parse(text) as unknown, text: async () => text };
    };
    await createSnapshotSource({ baseUrl: base, store, fetch: textOnly }).fetchSnapshot('pods', '');
    expect(store.summary('pods:')).toMatchObject({ count: 3, digest: trail.digest });
  });

  test.each([
    ['no trail', ndjson(head, { type: 'rows', items: rows })],
    ['a wrong digest', ndjson(head, { type: 'rows', items: rows }, { ...trail, digest: '0000000000000001' })],
    ['a count the rows do not reach', ndjson(head, { type: 'rows', items: rows.slice(0, 2) }, { ...trail, count: 2 })],
    ['more rows than the head expects', ndjson({ ...head, expected: 2 }, { type: 'rows', items: rows }, trail)],
    ['rows before the head', ndjson({ type: 'rows', items: rows }, head, trail)],
    ['a row without a resourceVersion', ndjson(head, { type: 'rows', items: [{ uid: 'x' }] }, trail)],
    ['a line that is not JSON', `${ndjson(head)}{"type":"rows",\n`],
    ['an error line', ndjson(head, { type: 'rows', items: rows }, { type: 'error', error: 'list-restarted', reason: 'again' })],
  ])('%s: refused, and a cold store is left empty', async (_what, text) => {
    answer = text;
    const store = new RowStore();
    expect(await fetchInto(store)).toBeInstanceOf(Error);
    expect(store.collection('pods:')?.rows.size ?? 0).toBe(0);
    expect(store.collection('pods:')?.loading ?? null).toBeNull();
  });

  test('a cut-short answer never touches a view already shown', async () => {
    const store = new RowStore();
    store.applySnapshot('pods:', { items: [row(7)], generation: 2, resourceVersion: '7', source: 'cache' });
    answer = ndjson(head, { type: 'rows', items: rows });
    expect(await fetchInto(store)).toBeInstanceOf(Error);
    expect([...store.collection('pods:')!.rows.keys()]).toEqual(['u7']);
  });
});
