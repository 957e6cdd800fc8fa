/**
 * A kept-alive connection the API server closed as idle just as the client reused it: the request
 * never reached the server. A read goes again on a fresh connection (client-go retries a GET on a
 * probable EOF); a write is reported, since the client cannot know it was not done. The server
 * here closes every connection at its second request, without answering, which is what a reused
 * socket meets when the server's idle timeout fired first.
 */
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { KubeApiError, KubeClient } from '../../../adapters/kube/client.js';
import { listenWithClient } from './plainServer.js';

let server: Server;
let client: KubeClient;
const handled: string[] = [];

beforeEach(async () => {
  handled.length = 0;
  const served = new WeakMap<Socket, number>();
  server = createServer((request, response) => {
    const count = (served.get(request.socket) ?? 0) + 1;
    served.set(request.socket, count);
    if (count > 1) {
      request.socket.destroy();
      return;
    }
    handled.push(`${request.method} ${request.url}`);
    response.writeHead(200, { 'Content-Type': 'application/json', Connection: 'keep-alive' });
    response.end(JSON.stringify({ kind: 'Status', metadata: {}, message: `answer ${handled.length}` }));
  });
  client = await listenWithClient(server);
});

afterEach(() => {
  client.close();
  server.closeAllConnections();
  server.close();
});

test('aReadOnAConnectionTheServerClosedGoesAgainOnAFreshOne', async () => {
  expect(await client.requestJson<{ message: string }>('GET', '/api/v1/namespaces/a/pods/one')).toEqual(expect.objectContaining({ message: 'answer 1' }));
  // The same connection, kept alive: the server drops it at this request, unanswered.
  expect(await client.requestJson<{ message: string }>('GET', '/api/v1/namespaces/a/pods/two')).toEqual(expect.objectContaining({ message: 'answer 2' }));
  expect(handled).toEqual(['GET /api/v1/namespaces/a/pods/one', 'GET /api/v1/namespaces/a/pods/two']);
  expect(client.staleSocketRetries).toBe(1);
});

test('aWriteOnAConnectionTheServerClosedIsReportedNotSentAgain', async () => {
  await client.requestJson('GET', '/api/v1/namespaces/a/pods/one');
  const write = client.requestJson('DELETE', '/api/v1/namespaces/a/pods/one');
  await expect(write).rejects.toBeInstanceOf(KubeApiError);
  await expect(write).rejects.toThrow(/DELETE \/api\/v1\/namespaces\/a\/pods\/one: (socket hang up|read ECONNRESET)/);
  expect(handled).toEqual(['GET /api/v1/namespaces/a/pods/one']);
  expect(client.staleSocketRetries).toBe(0);
});
