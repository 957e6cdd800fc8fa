/** A KubeClient for a small API server of a test's own, on a plain-HTTP loopback socket. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../../adapters/kube/client.js';

/** Starts `server` listening on a free loopback port and answers a client for it (client-node's skipTLSVerify allows http://). */
export async function listenWithClient(server: Server): Promise<KubeClient> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return new KubeClient(kc);
}
