/**
 * discover() and listAll() against a small API server on a real socket that answers the way
 * servers without the newer features do: classic discovery documents only (no aggregated
 * discovery), and a continue token that expires on the second page (client-go's pager then
 * reads once without limit and continue; an Expired first page is an error, not a fallback).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { KubeApiError, KubeClient } from '../../../adapters/kube/client.js';
import { aggregatedDiscoveryAccept, discover } from '../../../adapters/kube/discovery.js';
import { checkListBounds, listPageBound, listRowBound } from '../../../adapters/kube/listBounds.js';
import { listAll, objectCollection, tableCollection, tablePageSize } from '../../../adapters/kube/listWatch.js';
import { podRow } from '../../../adapters/kube/rows.js';
import { readFromApi } from '../../../server/http.js';
import type { ViewSpec } from '../../../server/views.js';
import { listenWithClient } from './plainServer.js';

type Handler = (url: URL, request: IncomingMessage) => { status?: number; body: unknown };

async function serve(handler: Handler): Promise<{ server: Server; client: KubeClient; requests: { path: string; query: string; accept: string }[] }> {
  const requests: { path: string; query: string; accept: string }[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://api.invalid');
    requests.push({ path: url.pathname, query: url.search, accept: String(request.headers.accept ?? '') });
    const { status = 200, body } = handler(url, request);
    response.writeHead(status, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(body));
  });
  return { server, client: await listenWithClient(server), requests };
}

const resource = (name: string, kind: string, namespaced = true, verbs = ['list', 'watch', 'get']) => ({ name, singularName: kind.toLowerCase(), namespaced, kind, verbs });

describe('against a server without the newer features', () => {
  test('classic discovery: /api and /apis answer the classic shapes, and each group version is read', async () => {
    const { server, client, requests } = await serve((url) => {
      switch (url.pathname) {
        case '/api':
          return { body: { kind: 'APIVersions', versions: ['v1'] } };
        case '/apis':
          return {
            body: {
              kind: 'APIGroupList',
              groups: [
                { name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } },
                { name: 'broken.example.com', versions: [{ groupVersion: 'broken.example.com/v1', version: 'v1' }], preferredVersion: { version: 'v1' } },
              ],
            },
          };
        case '/api/v1':
          return { body: { kind: 'APIResourceList', groupVersion: 'v1', resources: [resource('pods', 'Pod'), resource('pods/log', 'Pod', true, ['get']), resource('nodes', 'Node', false)] } };
        case '/apis/apps/v1':
          return { body: { kind: 'APIResourceList', groupVersion: 'apps/v1', resources: [resource('deployments', 'Deployment')] } };
        default:
          return { status: 503, body: { kind: 'Status', code: 503, message: 'the aggregated API is down' } };
      }
    });
    try {
      const result = await discover(client);
      expect(result.mode).toBe('classic');
      expect(result.resources.map((r) => `${r.group}/${r.version}/${r.resource}:${r.namespaced}`)).toEqual(['/v1/pods:true', '/v1/nodes:false', 'apps/v1/deployments:true']);
      expect(result.failed).toEqual(['broken.example.com/v1']);
      // Aggregated discovery was asked for first, with the classic shape as the fallback.
      expect(requests.find((r) => r.path === '/apis')!.accept).toBe(aggregatedDiscoveryAccept);
    } finally {
      client.close();
      server.close();
    }
  });

  test('a continue token that expires on the second page is followed by one list without limit or continue', async () => {
    const table = (names: string[], extra: Record<string, unknown> = {}) => ({
      kind: 'Table',
      metadata: { resourceVersion: '10', ...extra },
      columnDefinitions: [{ name: 'Name', type: 'string', format: 'name', description: '', priority: 0 }],
      rows: names.map((n) => ({ cells: [n], object: { kind: 'PartialObjectMetadata', metadata: { name: n, uid: `u-${n}`, resourceVersion: '9' } } })),
    });
    const { server, client, requests } = await serve((url) => {
      if (url.searchParams.get('continue')) return { status: 410, body: { kind: 'Status', code: 410, reason: 'Expired', message: 'The provided continue parameter is too old' } };
      if (url.searchParams.get('limit')) return { body: table(['a'], { continue: 'token-1' }) };
      return { body: table(['a', 'b', 'c']) };
    });
    try {
      const list = await listAll(client, tableCollection('/apis/example.com/v1/widgets'));
      expect(list.mode).toBe('unpaginated after expired continue');
      expect(list.rows.map((r) => r.name)).toEqual(['a', 'b', 'c']);
      expect(list.columns?.map((c) => c.name)).toEqual(['Name']);
      const queries = requests.map((r) => new URLSearchParams(r.query));
      expect(queries.map((q) => [q.get('limit'), q.get('continue')])).toEqual([
        [String(tablePageSize), null],
        [String(tablePageSize), 'token-1'],
        [null, null],
      ]);
      // The fallback asks for the same Table form.
      expect(queries[2]!.get('includeObject')).toBe('Metadata');
    } finally {
      client.close();
      server.close();
    }
  });

  test('an expired first page is an error: an unpaginated read would not help', async () => {
    const { server, client, requests } = await serve(() => ({ status: 410, body: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' } }));
    try {
      await expect(listAll(client, tableCollection('/api/v1/configmaps'))).rejects.toBeInstanceOf(KubeApiError);
      expect(requests).toHaveLength(1);
    } finally {
      client.close();
      server.close();
    }
  });

  test("a token guessed from a page's head that the parsed page does not carry is dropped for the parsed one", async () => {
    // Something before the list's metadata carries a "continue" of its own: the guess taken from
    // the head of the text is wrong, and the parsed metadata decides.
    const page = (names: string[], token: string | null) => ({
      kind: 'PodList',
      note: { continue: 'not-the-token' },
      metadata: { resourceVersion: '10', ...(token ? { continue: token } : {}) },
      items: names.map((n) => ({ metadata: { name: n, namespace: 'a', uid: `u-${n}`, resourceVersion: '9' } })),
    });
    const { server, client, requests } = await serve((url) => {
      const token = url.searchParams.get('continue');
      if (token === 'not-the-token') return { body: page(['wrong'], null) };
      return token === 'page-2' ? { body: page(['c'], null) } : { body: page(['a', 'b'], 'page-2') };
    });
    try {
      const list = await listAll(client, objectCollection('/api/v1/pods', podRow));
      expect(list.rows.map((r) => r.uid)).toEqual(['u-a', 'u-b', 'u-c']);
      // The wrong guess was asked and cancelled (or cancelled before it left); the right page asked once.
      expect(requests.filter((r) => new URLSearchParams(r.query).get('continue') === 'page-2')).toHaveLength(1);
      expect(list.askedAhead).toBe(0);
    } finally {
      client.close();
      server.close();
    }
  });

  describe('a server that never ends a list', () => {
    const table = (names: string[], extra: Record<string, unknown> = {}) => ({
      kind: 'Table',
      metadata: { resourceVersion: '10', ...extra },
      columnDefinitions: [{ name: 'Name', type: 'string', format: 'name', description: '', priority: 0 }],
      rows: names.map((n) => ({ cells: [n], object: { kind: 'PartialObjectMetadata', metadata: { name: n, uid: `u-${n}`, resourceVersion: '9' } } })),
    });

    test('answering a continue token with the same token fails the list at once, with the reason', async () => {
      // The list timeout counts from the last page, so without this check the list would page for ever.
      const { server, client, requests } = await serve((url) => ({ body: table([`row-${requests.length}`], { continue: url.searchParams.get('continue') ?? 'stuck' }) }));
      try {
        await expect(listAll(client, tableCollection('/apis/example.com/v1/widgets'))).rejects.toThrow(/answered continue token "stuck" with the same token: it would never end/);
        // The first page, the one that answered its own token, and perhaps the next asked ahead
        // of parsing it (cancelled when the answer is seen): never a fourth.
        expect(requests.length).toBeGreaterThanOrEqual(2);
        expect(requests.length).toBeLessThanOrEqual(3);
      } finally {
        client.close();
        server.close();
      }
    });

    test('a list of new tokens for ever ends at the page bound; one past the row bound ends too', () => {
      expect(() => checkListBounds('/api/v1/pods', 0, listPageBound, 'a', 'b')).not.toThrow();
      expect(() => checkListBounds('/api/v1/pods', 0, listPageBound + 1, 'a', 'b')).toThrow(`the list of /api/v1/pods passed ${listPageBound} pages without ending`);
      expect(() => checkListBounds('/api/v1/pods', listRowBound, 1)).not.toThrow();
      expect(() => checkListBounds('/api/v1/pods', listRowBound + 1, 1)).toThrow(/passed 1000000 rows/);
      // The last page has no token: that is the end, not a repeat.
      expect(() => checkListBounds('/api/v1/pods', 5, 3, 'a', '')).not.toThrow();
    });
  });

  // ListOptions' `limit`: "servers may choose not to support the limit argument and will return
  // all of the available results". Kubernetes' own scale is 150,000 pods in one answer then.
  describe('a server that ignores limit and answers 150,000 pods at once', () => {
    const count = 150_000;
    const pod = (i: number) => ({ metadata: { name: `p-${i}`, namespace: `ns-${i % 20}`, uid: `uid-${i}`, resourceVersion: String(1000 + i) }, spec: { nodeName: `node-${i % 50}` }, status: { phase: 'Running' } });
    const table = {
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: '999999' },
      columnDefinitions: [{ name: 'Name', type: 'string', format: 'name', description: '', priority: 0 }],
      rows: Array.from({ length: count }, (_, i) => ({ cells: [`p-${i}`], object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', ...pod(i) } })),
    };
    const list = { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '999999' }, items: Array.from({ length: count }, (_, i) => pod(i)) };

    test('listAll holds every row of the one page', async () => {
      const { server, client, requests } = await serve(() => ({ body: table }));
      try {
        const listed = await listAll(client, tableCollection('/api/v1/pods'));
        expect(requests).toHaveLength(1);
        expect(listed.rows).toHaveLength(count);
        expect(listed.rows[count - 1]!.uid).toBe(`uid-${count - 1}`);
        expect(listed.resourceVersion).toBe('999999');
      } finally {
        client.close();
        server.close();
      }
    }, 60_000);

    test("a view's fresh read from the API holds every pod", async () => {
      // The read a snapshot makes when the cache cannot answer fresh: it answered 500 "Maximum
      // call stack size exceeded" for a cold view of 150,148 demo pods.
      const { server, client } = await serve(() => ({ body: list }));
      try {
        const view: ViewSpec = { domain: 'pods', scope: '', keys: ['pods'], baseKeys: ['pods'], partial: null, namespace: null, resource: null };
        const read = await readFromApi({ client }, view);
        expect(read.rows).toHaveLength(count);
        expect(new Set(read.rows.map((r) => r.uid)).size).toBe(count);
        expect(read.resourceVersion).toBe('999999');
      } finally {
        client.close();
        server.close();
      }
    }, 60_000);
  });
});
