/**
 * A first list that fails partway and is tried again (the upstream's backoff): a cold view that
 * follows the list must get one read's rows, never the failed read's mixed with the next one's.
 * The API server here answers the first read's first page, fails its second, and answers the
 * second read whole, without an object the first read had (deleted in between) and with another
 * changed. The list actor writes to a ResourceCache wired as the backend's upstream wires it.
 */
import { createServer, type Server } from 'node:http';
import { createActor, toPromise } from 'xstate';
import type { KubeClient } from '../../../adapters/kube/client.js';
import { listWatchActors, objectCollection, type CacheSink } from '../../../adapters/kube/listWatch.js';
import type { Row } from '../../../adapters/protocol.js';
import { GenerationCounter, ResourceCache, type ListProgress } from '../../../server/cache.js';
import { listenWithClient } from './plainServer.js';

type Item = { metadata: { uid: string; name: string; resourceVersion: string } };
const item = (name: string, resourceVersion: string): Item => ({ metadata: { uid: `uid-${name}`, name, resourceVersion } });

let server: Server;
let client: KubeClient;
let reads = 0;
/** Held until the test lets the second read's answer go, so a follower can join while it runs. */
let releaseSecondRead: () => void = () => undefined;

beforeEach(async () => {
  reads = 0;
  const secondRead = new Promise<void>((resolve) => (releaseSecondRead = resolve));
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://api.invalid');
    const answer = (status: number, body: unknown) => {
      response.writeHead(status, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (!url.searchParams.get('continue')) reads++;
    if (reads === 1 && !url.searchParams.get('continue')) return answer(200, { kind: 'List', metadata: { resourceVersion: '10', continue: 'page-2' }, items: [item('a', '5'), item('b', '6')] });
    if (reads === 1) return answer(500, { kind: 'Status', code: 500, message: 'etcdserver: leader changed' });
    // The second read: `a` was deleted and `b` changed since the first read's page.
    void secondRead.then(() => answer(200, { kind: 'List', metadata: { resourceVersion: '20' }, items: [item('b', '15'), item('c', '16')] }));
  });
  client = await listenWithClient(server);
});

afterEach(() => {
  client.close();
  server.closeAllConnections();
  server.close();
});

/** What a cold view following the first list is handed: the rows, in order, and whether it was told to start over. */
function follow(cache: ResourceCache) {
  const seen = { rows: [] as string[], restarted: false, listed: false };
  const stop = cache.followFirstList((progress: ListProgress) => {
    if (progress.kind === 'page') seen.rows.push(...progress.rows.map((row) => `${(row as Row & { name: string }).name}@${row.resourceVersion}`));
    else if (progress.kind === 'restarted') seen.restarted = true;
    else seen.listed = true;
  });
  if (stop === false) throw new Error('the cache was listed already');
  return seen;
}

test('aFirstListTriedAgainNeverHandsAFollowerTheFailedReadsRows', async () => {
  const cache = new ResourceCache('widgets', new GenerationCounter(), { ringSize: 1000 });
  // As the backend's upstream wires its cache (server/upstreams.ts).
  const sink: CacheSink = {
    replace: (rows, resourceVersion, columns, signal) => cache.land(rows, resourceVersion, columns ?? null, signal),
    listPage: (rows, restarted, columns) => cache.listPage(rows, restarted, columns),
    apply: () => undefined,
    bookmark: () => undefined,
  };
  const collection = { ...objectCollection('/apis/example.com/v1/widgets', (o) => ({ uid: o.metadata!.uid!, name: o.metadata!.name!, resourceVersion: o.metadata!.resourceVersion! }) as unknown as Row, { pageSize: 2 }), pagedBecause: 'a test of pages' };
  const { listResource } = listWatchActors(client, collection, sink);

  // A view that joined the first read gets its first page, then is told it started over.
  const duringFirst = follow(cache);
  const first = createActor(listResource, { input: { watchLapsed: false } as never }).start();
  await expect(toPromise(first)).rejects.toThrow(/leader changed/);
  expect(duringFirst.rows).toEqual(['a@5', 'b@6']);
  expect(duringFirst.restarted).toBe(true);

  // A view that comes during the backoff, or while the second read runs, has none of the first read's rows.
  const duringBackoff = follow(cache);
  const second = createActor(listResource, { input: { watchLapsed: false } as never }).start();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const duringSecond = follow(cache);
  releaseSecondRead();
  await toPromise(second);
  for (const seen of [duringBackoff, duringSecond]) expect(seen).toEqual({ rows: ['b@15', 'c@16'], restarted: false, listed: true });
  expect(reads).toBe(2);
});
