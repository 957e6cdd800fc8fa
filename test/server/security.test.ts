/**
 * What the backend refuses, checked against a real backend and demo cluster over real sockets:
 * changes from other origins or without a JSON content type (the cluster's own state is read to
 * see that nothing changed), cross-site reads, preflights, foreign Host names on any loopback
 * address, binding beyond loopback without a token, prototype keys as resource names, oversized
 * bodies (a 413 the client actually reads), the headers every response carries, and the bounds
 * on snapshot builds and requests per peer.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { digestOf } from '../../adapters/digest.js';
import { startBackend } from '../../server/serve.js';
import { serveStatic } from '../../server/staticFiles.js';
import { demoDigest, getJson, listsOfALoadedMachine, startStack, waitFor, type Stack } from './support.js';

const json = { 'Content-Type': 'application/json' };

/** A raw HTTP exchange, for headers fetch will not send (Host) or answers it hides. */
function rawRequest(port: number, text: string, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host, () => socket.write(text));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to ${text.split('\r\n')[0]}`)));
  });
}

function getOnNewConnection(url: string): Promise<{ status: number; retryAfter: string | null; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => {
        const retryAfter = response.headers['retry-after'];
        resolve({ status: response.statusCode ?? 0, retryAfter: typeof retryAfter === 'string' ? retryAfter : null, text: Buffer.concat(chunks).toString() });
      });
    });
    request.on('error', reject);
    request.end();
  });
}

describe('changes are accepted only from the dashboard itself', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { nodes: 2, pods: 10 } });
  });
  afterAll(() => stack.stop());

  const unschedulable = (name: string) =>
    (stack.demo.listObjects('nodes') as { metadata: { name: string }; spec?: { unschedulable?: boolean } }[]).find((n) => n.metadata.name === name)?.spec?.unschedulable === true;
  const firstNode = () => (stack.demo.listObjects('nodes')[0] as { metadata: { name: string } }).metadata.name;

  test('refusesChangesFromForeignOrNullOriginsOrWithoutJson', async () => {
    const node = firstNode();
    const cordon = `${stack.base}/api/v1/nodes/${node}/cordon`;
    const attempts: Array<[RequestInit, number, string]> = [
      [{ method: 'POST', headers: { ...json, Origin: 'http://evil.example' }, body: '{}' }, 403, 'bad-origin'],
      [{ method: 'POST', headers: { ...json, Origin: 'null' }, body: '{}' }, 403, 'bad-origin'],
      [{ method: 'POST', headers: { ...json, 'Sec-Fetch-Site': 'cross-site' }, body: '{}' }, 403, 'cross-site'],
      // What a cross-site form, a no-cors fetch and a beacon can send.
      [{ method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{"x":1}' }, 415, 'unsupported-media-type'],
      [{ method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'a=1' }, 415, 'unsupported-media-type'],
      [{ method: 'POST', headers: { 'Content-Type': 'multipart/form-data; boundary=x' }, body: '--x--' }, 415, 'unsupported-media-type'],
      [{ method: 'POST' }, 415, 'unsupported-media-type'],
    ];
    for (const [init, status, code] of attempts) {
      const answer = await getJson(cordon, init);
      expect([JSON.stringify(init.headers), answer.status, answer.body.error]).toEqual([JSON.stringify(init.headers), status, code]);
      expect(answer.body.reason).toEqual(expect.any(String));
    }
    expect(unschedulable(node)).toBe(false);

    const faults = await getJson(`${stack.base}/_debug/faults`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{"fault":"close-streams"}' });
    expect(faults.status).toBe(415);
    expect((await getJson(`${stack.base}/_debug/faults`)).body.active).toEqual([]);

    const diagnostics = await getJson(`${stack.base}/api/v1/diagnostics`);
    expect(diagnostics.body.security.refused.badOrigin).toBeGreaterThanOrEqual(2);
    expect(diagnostics.body.security.refused.badContentType).toBeGreaterThanOrEqual(5);
  });

  test('acceptsJsonChangesFromItsOwnOriginOrWithNoOrigin', async () => {
    const node = firstNode();
    const own = await getJson(`${stack.base}/api/v1/nodes/${node}/cordon`, { method: 'POST', headers: { ...json, Origin: stack.base, 'Sec-Fetch-Site': 'same-origin' }, body: '{}' });
    expect(own.status).toBe(200);
    expect(unschedulable(node)).toBe(true);
    const curl = await getJson(`${stack.base}/api/v1/nodes/${node}/uncordon`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' } });
    expect(curl.status).toBe(200);
    expect(unschedulable(node)).toBe(false);
    // A DELETE carries no body, and no page can send one cross-origin without a preflight.
    expect((await fetch(`${stack.base}/_debug/faults`, { method: 'DELETE' })).status).toBe(200);
  });

  test('refusesCrossSiteReadsAndForeignPreflights', async () => {
    for (const site of ['cross-site', 'same-site']) {
      const snapshot = await getJson(`${stack.base}/api/v1/snapshot/nodes`, { headers: { 'Sec-Fetch-Site': site, 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Dest': 'image' } });
      expect([site, snapshot.status, snapshot.body.error]).toEqual([site, 403, 'cross-site']);
    }
    const preflight = await fetch(`${stack.base}/api/v1/nodes/x/cordon`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    // The user typing the URL, and the page itself, still read.
    expect((await fetch(`${stack.base}/api/v1/snapshot/nodes`, { headers: { 'Sec-Fetch-Site': 'none' } })).status).toBe(200);
    expect((await fetch(`${stack.base}/api/v1/snapshot/nodes`, { headers: { 'Sec-Fetch-Site': 'same-origin' } })).status).toBe(200);
  });

  test('everyResponseCarriesTheSecurityHeaders', async () => {
    for (const path of ['/', '/api/v1/diagnostics', '/api/v1/nope', '/healthz']) {
      const response = await fetch(`${stack.base}${path}`);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect([path, csp]).toEqual([path, expect.stringContaining("frame-ancestors 'none'")]);
      expect(csp).toContain("default-src 'self'");
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    }
    const refused = await fetch(`${stack.base}/api/v1/nodes/x/cordon`, { method: 'POST' });
    expect(refused.headers.get('x-frame-options')).toBe('DENY');
  });

  test('prototypeKeysAreUnknownResourcesNotCrashes', async () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      const answer = await getJson(`${stack.base}/api/v1/object/${name}/x`);
      expect([name, answer.status, answer.body.error]).toEqual([name, 404, 'unknown-resource']);
      const namespaced = await getJson(`${stack.base}/api/v1/object/${name}/default/x`);
      expect(namespaced.status).toBe(404);
    }
    for (const domain of ['__proto__', 'constructor']) {
      expect((await getJson(`${stack.base}/api/v1/snapshot/${domain}`)).status).toBe(404);
      expect((await getJson(`${stack.base}/api/v1/metrics/${domain}`)).status).toBe(404);
    }
  });

  test('anOversizedBodyGetsA413TheClientReads', async () => {
    const body = JSON.stringify({ fault: 'drop-next-frame', padding: 'x'.repeat(40 * 1024) });
    const answer = await getJson(`${stack.base}/_debug/faults`, { method: 'POST', headers: json, body });
    expect(answer.status).toBe(413);
    expect(answer.body.error).toBe('too-large');
    // Without a Content-Length (chunked), the limit is found while reading.
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(`${stack.base}/_debug/faults`, { method: 'POST', headers: json }, (response) => {
        let text = '';
        response.on('data', (c) => (text += c));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      });
      request.on('error', reject);
      for (let i = 0; i < 40; i++) request.write('x'.repeat(1024));
      request.end();
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).error).toBe('too-large');
    expect((await getJson(`${stack.base}/_debug/faults`)).body.active).toEqual([]);
  });

  test('aSnapshotPastTheBoundWaitsItsTurnAndOnePastTheQueueIs503WithRetryAfter', async () => {
    // A snapshot far larger than the kernel's socket buffers (about 7 MB on loopback), so a
    // client that reads nothing holds its slot until the stall bound cuts it off. The bound is
    // several seconds because the refused request must arrive while the slot is still held: with
    // 1.5 s, a loaded CI machine once took longer than that between seeing the slot held and
    // asking again, the stuck client had been cut off, and the second read was served (200).
    const busy = await startStack({
      demo: { nodes: 4, pods: 30_000 },
      config: listsOfALoadedMachine,
      backend: { httpLimits: { maxConcurrentSnapshots: 1, maxWaitingSnapshots: 1, snapshotWaitMs: 30_000, snapshotWriteStallMs: 6000 } },
    });
    const stuck = connect(busy.backend.port, '127.0.0.1');
    try {
      const url = `${busy.base}/api/v1/snapshot/pods`;
      await waitFor('a cache snapshot', async () => (await getJson(url)).body.source === 'cache', 60_000);
      // Each on a connection of its own: the long snapshots between these reads leave a pooled
      // connection idle past the server's keep-alive, and reusing it as the server closes it
      // is an ECONNRESET (seen once in CI) that says nothing about the bound under test.
      const http = async () => JSON.parse((await getOnNewConnection(`${busy.base}/api/v1/diagnostics`)).text).http.snapshots;
      stuck.pause();
      stuck.write(`GET /api/v1/snapshot/pods HTTP/1.1\r\nHost: 127.0.0.1:${busy.backend.port}\r\n\r\n`);
      await waitFor('the stuck snapshot to hold the slot', async () => (await http()).inFlight === 1);

      // The next one waits for the slot; the one after finds the queue full and is refused at once.
      const waiting = getOnNewConnection(url);
      await waitFor('a snapshot waiting its turn', async () => (await http()).waiting === 1);
      const refused = await getOnNewConnection(url);
      expect(refused.status).toBe(503);
      expect(refused.retryAfter).toBe('1');
      expect(JSON.parse(refused.text)).toMatchObject({ error: 'busy', reason: expect.stringContaining('retry') });
      expect(await http()).toMatchObject({ max: 1, inFlight: 1, refused: 1, waiting: 1, waited: 0 });

      // The client that stopped reading is cut off, and its slot goes to the one that waited: a
      // body written in pieces that is still one JSON document agreeing with itself and the cluster.
      const whole = await waiting;
      expect(whole.status).toBe(200);
      const body = JSON.parse(whole.text);
      expect(body.items.length).toBeGreaterThanOrEqual(30_000);
      expect(body.count).toBe(body.items.length);
      expect(body.digest).toBe(digestOf(body.items));
      expect({ count: body.count, digest: body.digest }).toEqual(demoDigest(busy.demo, 'pods'));
      expect(await http()).toMatchObject({ peak: 1, refused: 1, inFlight: 0, waiting: 0, waited: 1, peakWaiting: 1 });
    } finally {
      stuck.destroy();
      await busy.stop();
    }
  }, 120_000);
});

describe('who may connect', () => {
  test('theHostCheckHoldsOnEveryLoopbackAddress', async () => {
    const backend = await startBackend({ demo: { nodes: 1, pods: 0 }, port: 0, host: '127.0.0.2' });
    try {
      const rebound = await rawRequest(backend.port, `GET /api/v1/diagnostics HTTP/1.1\r\nHost: evil.example:${backend.port}\r\nConnection: close\r\n\r\n`, '127.0.0.2');
      expect(rebound).toMatch(/^HTTP\/1\.1 421 /);
      const own = await rawRequest(backend.port, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.2:${backend.port}\r\nConnection: close\r\n\r\n`, '127.0.0.2');
      expect(own).toMatch(/^HTTP\/1\.1 200 /);
      const wrongPort = await rawRequest(backend.port, `GET /healthz HTTP/1.1\r\nHost: localhost:1\r\nConnection: close\r\n\r\n`, '127.0.0.2');
      expect(wrongPort).toMatch(/^HTTP\/1\.1 421 /);
    } finally {
      await backend.stop();
    }
  });

  test('refusesToBindBeyondLoopbackWithoutAllowRemote', async () => {
    await expect(startBackend({ demo: { nodes: 1, pods: 0 }, port: 0, host: '0.0.0.0' })).rejects.toThrow(/refusing to listen on 0\.0\.0\.0.*--allow-remote/);
  });

  // Traffic in tests goes to loopback only; this machine's own outside address is a target only
  // where whoever runs the suite says so (a network namespace of their own, say).
  const outside = process.env.KUBELIVE_TEST_OUTSIDE_ADDRESS === '1'
    ? Object.values(networkInterfaces())
        .flat()
        .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address
    : undefined;

  (outside ? test : test.skip)('beyondLoopbackEveryRequestNeedsTheToken', async () => {
    const backend = await startBackend({ demo: { nodes: 1, pods: 0 }, port: 0, host: outside!, allowRemote: true });
    try {
      expect(backend.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      const base = `http://${outside}:${backend.port}`;
      const anonymous = await getJson(`${base}/api/v1/diagnostics`);
      expect([anonymous.status, anonymous.body.error]).toEqual([401, 'unauthenticated']);
      expect((await fetch(`${base}/`)).status).toBe(401);
      expect((await fetch(`${base}/api/v1/diagnostics`, { headers: { Authorization: `Bearer ${backend.token!.slice(0, -1)}x` } })).status).toBe(401);
      expect((await fetch(`${base}/?token=wrong`)).status).toBe(401);

      const bearer = await getJson(`${base}/api/v1/diagnostics`, { headers: { Authorization: `Bearer ${backend.token}` } });
      expect(bearer.status).toBe(200);
      expect(JSON.stringify(bearer.body)).not.toContain(backend.token);

      const login = await fetch(backend.loginUrl!.replace(/\/\?/, '/?'), { redirect: 'manual' });
      expect(login.status).toBe(303);
      expect(login.headers.get('location')).toBe('/');
      const cookie = login.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
      const withCookie = await fetch(`${base}/api/v1/snapshot/nodes`, { headers: { Cookie: cookie.split(';')[0]! } });
      expect(withCookie.status).toBe(200);
      // The token does not switch off the Host or Origin checks.
      const rebound = await rawRequest(backend.port, `GET /healthz HTTP/1.1\r\nHost: evil.example:${backend.port}\r\nAuthorization: Bearer ${backend.token}\r\nConnection: close\r\n\r\n`, outside);
      expect(rebound).toMatch(/^HTTP\/1\.1 421 /);
      const foreign = await fetch(`${base}/api/v1/nodes/x/cordon`, { method: 'POST', headers: { ...json, Authorization: `Bearer ${backend.token}`, Origin: 'http://evil.example' }, body: '{}' });
      expect(foreign.status).toBe(403);
    } finally {
      await backend.stop();
    }
  });

  test('aPeerWithTooManyRequestsInFlightGets429', async () => {
    const backend = await startBackend({ demo: { nodes: 1, pods: 0 }, port: 0, httpLimits: { maxRequestsPerPeer: 2 } });
    const held = [0, 1].map(() => connect(backend.port, '127.0.0.1'));
    try {
      // Two requests whose bodies never finish stay in flight.
      for (const socket of held) {
        socket.write(`POST /_debug/faults HTTP/1.1\r\nHost: 127.0.0.1:${backend.port}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`);
      }
      const third = await waitFor('a 429', async () => {
        const r = await fetch(`${backend.url}healthz`);
        return r.status === 429 ? r : undefined;
      });
      expect(third.headers.get('retry-after')).toBe('1');
      for (const socket of held) socket.destroy();
      await waitFor('requests in flight to end', async () => (await fetch(`${backend.url}healthz`)).status === 200);
      const diagnostics = await getJson(`${backend.url}api/v1/diagnostics`);
      expect(diagnostics.body.http.requestsPerPeerRefused).toBeGreaterThan(0);
    } finally {
      for (const socket of held) socket.destroy();
      await backend.stop();
    }
  });
});

describe('source maps', () => {
  let server: Server;
  let root: string;
  const serve = (sourceMaps: boolean) =>
    new Promise<number>((resolve) => {
      server = createServer((request, response) => {
        void serveStatic(request, response, new URL(request.url ?? '/', 'http://x').pathname, { root, sourceMaps }).then((served) => {
          if (!served) response.writeHead(404).end();
        });
      }).listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'kubelive-maps-'));
    writeFileSync(join(root, 'app.js'), 'console.log(1)\n//# sourceMappingURL=app.js.map\n');
    writeFileSync(join(root, 'app.js.map'), '{"version":3,"sources":["secret.ts"]}');
  });
  afterEach(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));

  test('areNotServedUnlessAskedFor', async () => {
    const port = await serve(false);
    expect((await fetch(`http://127.0.0.1:${port}/app.js`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/app.js.map`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/APP.JS.MAP`)).status).toBe(404);
  });

  test('areServedWithTheFlag', async () => {
    const port = await serve(true);
    expect((await fetch(`http://127.0.0.1:${port}/app.js.map`)).status).toBe(200);
  });
});
