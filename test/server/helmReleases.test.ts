/**
 * The helm-releases domain over the demo cluster: a release Secret written the way Helm 3 writes
 * it (JSON, gzipped, base64, as Secret data) streams as its decoded row and goes when deleted; a
 * Secret crafted to inflate without bound becomes an `unknown` row, and the backend carries on.
 */
import { promisify } from 'node:util';
import { gzip, gzipSync } from 'node:zlib';
import type { HelmReleaseRow } from '../../adapters/protocol.js';
import { call } from '../demo-cluster/client.js';
import { MiniStore, StreamClient, feed, getJson, startStack, waitFor, type Stack } from './support.js';

function releaseSecret(name: string, revision: number, payload: Buffer) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `sh.helm.release.v1.${name}.v${revision}`, labels: { owner: 'helm', name, status: 'deployed', version: String(revision) } },
    type: 'helm.sh/release.v1',
    // Helm's own base64 of the gzipped JSON; the API's JSON carries Secret data base64 again.
    data: { release: Buffer.from(payload.toString('base64')).toString('base64') },
  };
}

async function create(stack: Stack, secret: unknown): Promise<void> {
  const reply = await call(stack.demo, '/api/v1/namespaces/default/secrets', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(secret) });
  expect(reply.status).toBe(201);
}

describe('helm-releases', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { pods: 10, churn: 5 } });
  });
  afterAll(() => stack.stop());

  test('a Helm-encoded release Secret streams as its decoded row, and a deleted one goes', async () => {
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'h', domain: 'helm-releases', scope: 'default' });
    await client.next('h', 'reset');
    const release = {
      name: 'kubelive-test',
      namespace: 'default',
      version: 2,
      info: { first_deployed: '2026-11-30T08:00:00Z', last_deployed: '2026-11-30T09:00:00Z', status: 'pending-upgrade', description: 'Preparing upgrade' },
      chart: { metadata: { name: 'test-chart', version: '0.3.1', appVersion: '2.0' }, values: { token: 'values-never-leave' } },
      config: { token: 'values-never-leave' },
      manifest: '---\nkind: ConfigMap',
    };
    await create(stack, releaseSecret('kubelive-test', 2, gzipSync(Buffer.from(JSON.stringify(release)))));
    const store = new MiniStore();
    let fed = 0;
    const row = await waitFor('the release row', () => {
      fed = feed(store, client, 'h', fed);
      return [...(store.rows.values() as Iterable<HelmReleaseRow>)].find((r) => r.release === 'kubelive-test');
    });
    expect(row).toMatchObject({ namespace: 'default', revision: 2, chart: 'test-chart', chartVersion: '0.3.1', appVersion: '2.0', status: 'pending-upgrade', updated: '2026-11-30T09:00:00Z', description: 'Preparing upgrade' });
    expect(client.raw.join('\n')).not.toContain('values-never-leave');
    // The scope narrows to its namespace: every row is in default.
    expect([...(store.rows.values() as Iterable<HelmReleaseRow>)].every((r) => r.namespace === 'default')).toBe(true);

    expect((await call(stack.demo, `/api/v1/namespaces/default/secrets/sh.helm.release.v1.kubelive-test.v2`, { method: 'DELETE' })).status).toBe(200);
    await waitFor('the row to go', () => {
      fed = feed(store, client, 'h', fed);
      return ![...(store.rows.values() as Iterable<HelmReleaseRow>)].some((r) => r.release === 'kubelive-test');
    });
    expect(store.gaps).toEqual([]);
    client.close();
  });

  test('a zip bomb is a row with status unknown, and the backend carries on', async () => {
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'h', domain: 'helm-releases', scope: '' });
    await client.next('h', 'reset');
    // 512 MiB of zeros gzip to half a megabyte: under the 1 MiB a Secret may hold.
    // Compressed off the event loop: done in line it held the loop for seconds on a loaded
    // machine, past the servers' keep-alive timeout, and the next request met a reset socket.
    const bomb = await promisify(gzip)(Buffer.alloc(512 * 1024 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThan(700 * 1024);
    const heapBefore = process.memoryUsage().heapUsed;
    await create(stack, releaseSecret('bomb', 1, bomb));
    const row = await waitFor('the bomb row', async () => {
      const snapshot = await getJson(`${stack.base}/api/v1/snapshot/helm-releases`);
      return (snapshot.body.items as HelmReleaseRow[]).find((r) => r.release === 'bomb');
    });
    expect(row).toMatchObject({ status: 'unknown', description: expect.stringMatching(/inflates past/) });
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);
    // Still serving: heartbeats keep coming and health answers.
    await client.next('h', 'heartbeat', client.frames.length);
    expect((await getJson(`${stack.base}/healthz`)).status).toBe(200);
    client.close();
  }, 60_000);
});
