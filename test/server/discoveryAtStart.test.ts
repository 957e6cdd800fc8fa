/**
 * A cluster's runtime asks discovery and who the user is as it is made: at `serve` for the
 * default cluster, before any view, watching nothing. The first view of a kind then asks neither
 * again: it checks its permissions and lists, as a view opened from a dashboard that is already
 * open should.
 */
import type { ResetFrame } from '../../adapters/protocol.js';
import type { ResourceRow } from '../../adapters/rows.js';
import { call } from '../demo-cluster/client.js';
import { StreamClient, getJson, startStack, upstreamOf, waitFor, type Stack } from './support.js';

const definitionsList = 'GET /apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const whoami = 'POST /apis/authentication.k8s.io/v1/selfsubjectreviews';

describe('a backend just started, before any view', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { pods: 5 } });
  });
  afterAll(() => stack.stop());

  test('has discovered and asked who it is, watching nothing, and the first view asks neither again', async () => {
    const counts = () => stack.demo.requestCounts();
    // Nothing but the backend's own start has reached the backend yet.
    await waitFor('discovery and the identity asked at start', () => counts()['GET /api'] === 1 && counts()['GET /apis'] === 1 && counts()[whoami] === 1, 10_000);
    const before = counts();
    expect(before['GET /api/v1/configmaps']).toBeUndefined();
    // Nothing is watched before a view: the CRDs are followed from the first one on.
    expect(before[definitionsList]).toBeUndefined();
    expect((await getJson(`${stack.base}/api/v1/diagnostics`)).body.upstreams).toEqual([]);

    const client = await StreamClient.connect(stack.base);
    client.send({ type: 'subscribe', id: 'cm', domain: 'core/v1/configmaps', scope: '' });
    const reset = (await client.next('cm', 'reset')) as ResetFrame<ResourceRow>;
    const after = counts();
    // The truth: the demo cluster's own list of ConfigMaps, read past kubelive.
    const listed = (await call(stack.demo, '/api/v1/configmaps')).json<{ items: { metadata: { namespace: string; name: string } }[] }>();
    expect(reset.items.map((r) => `${r.namespace}/${r.name}`).sort()).toEqual(listed.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`).sort());
    expect(reset.items.length).toBeGreaterThan(0);
    const asked = (c: Record<string, number>) => ({ api: c['GET /api'], apis: c['GET /apis'], whoami: c[whoami] });
    expect(asked(after)).toEqual({ api: 1, apis: 1, whoami: 1 });
    // The first view started the CRD follower, and its list needed no second discovery.
    await waitFor('the definitions followed', async () => (await upstreamOf(stack, 'apiextensions.k8s.io/v1/customresourcedefinitions'))?.state === 'watching', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300)); // past the follower's 100 ms gathering of changes
    expect(asked(counts())).toEqual({ api: 1, apis: 1, whoami: 1 });
    client.close();
  }, 60_000);
});
