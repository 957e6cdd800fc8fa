/**
 * The stream's bounds on what one client can hold (issue 16): connections per peer address
 * (refused at the upgrade, 503 with the reason), log follows per connection (an error frame),
 * and an idle connection's slot reclaimed (closed with code 4000 and the reason). Each bound is
 * in diagnostics: its value under `limits`, each client's use of it beside the client.
 */
import { connect } from 'node:net';
import WebSocket from 'ws';
import { idleCloseCode } from '../../server/stream.js';
import { StreamClient, getJson, startStack, waitFor, type Stack } from './support.js';

const limits = { maxConnectionsPerPeer: 3, maxLogFollowsPerSocket: 2, idleConnectionMs: 1500 };

/** A raw upgrade request, to read the refusal's status line and body. */
function rawUpgrade(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
    });
    let text = '';
    socket.on('data', (d) => (text += d.toString()));
    socket.on('end', () => resolve(text));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

/** A stream client whose connection comes from another loopback address. */
async function connectFrom(localAddress: string, base: string): Promise<WebSocket> {
  const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/api/v1/stream`, { localAddress });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return socket;
}

async function clients(stack: Stack) {
  const { body } = await getJson(`${stack.base}/api/v1/diagnostics`);
  return body as { limits: Record<string, number>; clients: Array<{ id: number; remote: string; peerConnections: number; logFollows: number; idleCloseInMs: number | null }> };
}

describe('stream bounds', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { pods: 12, churn: 0 }, backend: { limits } });
  });
  afterAll(() => stack.stop());

  test('one peer address holds at most maxConnectionsPerPeer sockets; the next is refused at the upgrade with the reason; others are not affected', async () => {
    const held: StreamClient[] = [];
    for (let i = 0; i < limits.maxConnectionsPerPeer; i++) {
      const client = await StreamClient.connect(stack.base);
      client.send({ type: 'subscribe', id: 'n', domain: 'namespaces' }); // not idle
      held.push(client);
    }
    const answer = await rawUpgrade(stack.backend.port);
    expect(answer).toMatch(/^HTTP\/1\.1 503/);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    expect(body).toEqual({ error: 'unavailable', reason: expect.stringMatching(/too many stream connections from 127\.0\.0\.1 \(at most 3 per address\)/) });
    await expect(StreamClient.connect(stack.base)).rejects.toThrow(/503/);

    // Another address on the same machine is another peer.
    const other = await connectFrom('127.0.0.2', stack.base);
    const diagnostics = await clients(stack);
    expect(diagnostics.limits.maxConnectionsPerPeer).toBe(3);
    const mine = diagnostics.clients.filter((c) => c.remote.endsWith('127.0.0.1'));
    expect(mine.map((c) => c.peerConnections)).toEqual([3, 3, 3]);
    expect(diagnostics.clients.find((c) => c.remote.endsWith('127.0.0.2'))?.peerConnections).toBe(1);
    other.close();

    // A slot given back is a slot to take.
    held.pop()!.close();
    await waitFor('a connection slot for this peer again', async () => (await clients(stack)).clients.filter((c) => c.remote.endsWith('127.0.0.1')).length < 3);
    const again = await StreamClient.connect(stack.base);
    again.close();
    for (const client of held) client.close();
    await waitFor('every test connection closed', async () => (await clients(stack)).clients.length === 0);
  });

  test('a connection holds at most maxLogFollowsPerSocket pod-logs subscriptions; the next is refused with an error frame, other domains are not', async () => {
    const pods = await getJson(`${stack.base}/api/v1/snapshot/pods`);
    const scopes: string[] = pods.body.items
      .filter((p: { phase: string; containers: string[] }) => p.phase === 'Running' && p.containers.length > 0)
      .slice(0, 3)
      .map((p: { namespace: string; name: string; containers: string[] }) => `${p.namespace}/${p.name}/${p.containers[0]}`);
    expect(scopes).toHaveLength(3);
    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'log-0', domain: 'pod-logs', scope: scopes[0] });
    client.send({ type: 'subscribe', id: 'log-1', domain: 'pod-logs', scope: scopes[1] });
    client.send({ type: 'subscribe', id: 'log-2', domain: 'pod-logs', scope: scopes[2] });
    client.send({ type: 'subscribe', id: 'ns', domain: 'namespaces' });
    const refused = await waitFor('the third log follow refused', () => client.errors().find((e) => e.type === 'error' && e.id === 'log-2'));
    expect(refused).toMatchObject({ code: 'too-many-subscriptions', fatal: true, reason: expect.stringMatching(/at most 2 pod-logs subscriptions per connection/) });
    await client.next('log-0', 'reset');
    await client.next('log-1', 'reset');
    await client.next('ns', 'reset');
    const diagnostics = await clients(stack);
    expect(diagnostics.limits.maxLogFollowsPerSocket).toBe(2);
    expect(diagnostics.clients.map((c) => c.logFollows)).toContain(2);

    // Unsubscribing one gives its place to another.
    client.send({ type: 'unsubscribe', id: 'log-0' });
    client.send({ type: 'subscribe', id: 'log-2', domain: 'pod-logs', scope: scopes[2] });
    await client.next('log-2', 'reset');
    expect(client.errors().filter((e) => e.type === 'error' && e.code === 'too-many-subscriptions')).toHaveLength(1);
    client.close();
  });

  test('a connection with no subscriptions and no frames in for idleConnectionMs is closed with a clear code and reason; a busy one is not', async () => {
    // Counted from before the idle connection opens, as its countdown is: the two connections and
    // the diagnostics read after it can take a good part of the 1.5 s on a loaded machine, and a
    // clock started after them made a close on time look early.
    const openedAt = Date.now();
    const idle = await StreamClient.connect(stack.base);
    const busy = await StreamClient.connect(stack.base);
    busy.send({ type: 'subscribe', id: 'n', domain: 'nodes' });
    const chatty = await StreamClient.connect(stack.base); // no subscriptions, but talks
    const talk = setInterval(() => chatty.send({ type: 'unsubscribe', id: 'nothing' }), 300);
    try {
      const countdown = (await clients(stack)).clients.map((c) => c.idleCloseInMs);
      expect(countdown.filter((ms) => ms !== null).every((ms) => ms! > 0 && ms! <= limits.idleConnectionMs)).toBe(true);
      expect(countdown).toContain(null); // the busy one has a subscription: no countdown
      await waitFor('the idle connection closed', () => idle.closed !== null, 5000);
      const waited = Date.now() - openedAt;
      expect(idle.closed).toEqual({ code: idleCloseCode, reason: `idle: no subscriptions and no frames for ${limits.idleConnectionMs} ms` });
      expect(waited).toBeGreaterThan(limits.idleConnectionMs * 0.7);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(busy.closed).toBeNull();
      expect(chatty.closed).toBeNull();
    } finally {
      clearInterval(talk);
    }
    // Once it falls silent, the chatty one goes too; the busy one, after its last unsubscribe.
    busy.send({ type: 'unsubscribe', id: 'n' });
    await waitFor('the silent and the unsubscribed connections closed', () => chatty.closed !== null && busy.closed !== null, 5000);
    expect(busy.closed?.code).toBe(idleCloseCode);
  });
});
