/**
 * `stop()` ends the demo cluster whatever its clients are doing: a socket still in its TLS
 * handshake, or one that connected and never spoke, does not hold the server open (the TLS
 * handshake timeout is two minutes; a test's afterAll waited on it and timed out).
 */
import { connect, type Socket } from 'node:net';
import { startDemoCluster } from '../../demo-cluster/index.js';

test('stopEndsEvenWithASocketThatNeverFinishesItsHandshake', async () => {
  const cluster = await startDemoCluster({ port: 0, nodes: 1, pods: 2, churn: 0, seed: 1 });
  const { hostname, port } = new URL(cluster.url);
  const silent: Socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => silent.once('connect', resolve).once('error', reject));
  const closed = new Promise<void>((resolve) => silent.once('close', () => resolve()));
  // Sends nothing: the server waits for its ClientHello.
  await cluster.stop();
  await closed;
  expect(silent.destroyed).toBe(true);
}, 20_000);
