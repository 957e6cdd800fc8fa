/**
 * Secrets stay secret: no frame or snapshot ever carries a Secret's value (the raw bytes are
 * searched for every value the cluster holds, plain and base64), the object endpoint redacts
 * data and the last-applied annotation, and the reveal endpoint returns exactly one key, only
 * to the dashboard's own origin, and within its rate.
 */
import { randomBytes } from 'node:crypto';
import { call } from '../demo-cluster/client.js';
import { StreamClient, getJson, startStack, waitFor, type Stack } from './support.js';

const canary = `kubelive-canary-${randomBytes(12).toString('hex')}`;
const binary = Buffer.from([0xff, 0x00, 0xfe, 0x81, ...randomBytes(16)]);
const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';

/** Every form a value could take on the wire: as text, base64, and Helm's base64 of base64. */
function forms(value: Buffer): string[] {
  const b64 = value.toString('base64');
  const out = [b64, Buffer.from(b64).toString('base64')];
  const text = value.toString('utf8');
  if (value.length >= 6 && Buffer.from(text, 'utf8').equals(value)) out.push(text, JSON.stringify(text).slice(1, -1));
  return out.filter((f) => f.length >= 8);
}

async function secretValues(stack: Stack): Promise<Buffer[]> {
  const secrets = (await call(stack.demo, '/api/v1/secrets')).json().items as { data?: Record<string, string> }[];
  return secrets.flatMap((s) => Object.values(s.data ?? {}).map((v) => Buffer.from(v, 'base64')));
}

describe('Secrets on the wire', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ demo: { pods: 10, churn: 10 } });
    const data = { password: Buffer.from(canary).toString('base64'), 'keystore.p12': binary.toString('base64') };
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'canary', namespace: 'default', annotations: { [lastApplied]: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', data }) } },
      type: 'Opaque',
      data,
    };
    const made = await call(stack.demo, '/api/v1/namespaces/default/secrets', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(secret) });
    expect(made.status).toBe(201);
  });
  afterAll(() => stack.stop());

  test('no frame or snapshot carries any Secret value the cluster holds', async () => {
    const values = await secretValues(stack);
    expect(values.some((v) => v.toString() === canary)).toBe(true);
    const client = await StreamClient.connect(stack.base);
    for (const domain of ['core/v1/secrets', 'helm-releases', 'core/v1/configmaps']) client.send({ type: 'subscribe', id: domain, domain, scope: '' });
    client.send({ type: 'subscribe', id: 'scoped', domain: 'core/v1/secrets', scope: 'default' });
    const reset = await client.next('core/v1/secrets', 'reset');
    await client.next('helm-releases', 'reset');
    expect(reset.items.some((r) => r.name === 'canary')).toBe(true);
    // Changes meanwhile: a Secret's value rotated goes out as an update, still without it.
    const rotated = `rotated-${randomBytes(12).toString('hex')}`;
    const patch = await call(stack.demo, '/api/v1/namespaces/default/secrets/canary', {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ data: { password: Buffer.from(rotated).toString('base64') } }),
    });
    expect(patch.status).toBe(200);
    await waitFor('the rotation to reach the stream', () => client.framesFor('core/v1/secrets').some((f) => f.type === 'update' && JSON.stringify(f).includes('"canary"')));
    await client.next('core/v1/secrets', 'heartbeat', client.frames.length);
    const bodies: string[] = [...client.raw];
    for (const path of ['snapshot/core/v1/secrets', 'snapshot/core/v1/secrets?scope=default', 'snapshot/helm-releases', 'snapshot/api-resources', 'counts', 'diagnostics', 'object?domain=core/v1/secrets&namespace=default&name=canary']) {
      const reply = await fetch(`${stack.base}/api/v1/${path}`);
      expect(reply.status).toBe(200);
      bodies.push(await reply.text());
    }
    const wire = bodies.join('\n');
    const found = [...values, Buffer.from(rotated)].flatMap(forms).filter((form) => wire.includes(form));
    expect(found).toEqual([]);
    expect(wire).toContain('canary');
    client.close();
  });

  test('the object endpoint keeps keys and lengths, redacts values and the last-applied annotation', async () => {
    const object = await getJson(`${stack.base}/api/v1/object?domain=core/v1/secrets&namespace=default&name=canary`);
    expect(object.status).toBe(200);
    expect(object.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(object.body.data).sort()).toEqual(['keystore.p12', 'password']);
    expect(object.body.data['keystore.p12']).toBe(`(redacted: ${binary.length} bytes)`);
    expect(object.body.data.password).toMatch(/^\(redacted: \d+ bytes\)$/);
    expect(object.body.metadata.annotations[lastApplied]).toMatch(/^\(redacted/);
    expect(object.body.metadata.managedFields).toBeUndefined();
    // The old route never reached Secrets, and still does not.
    expect((await getJson(`${stack.base}/api/v1/object/secrets/default/canary`)).body.error).toBe('unknown-resource');
    // A name that would make the URL the collection is refused, not answered with every Secret.
    for (const name of ['.', '..', '%2E']) {
      const reply = await getJson(`${stack.base}/api/v1/object?domain=core/v1/secrets&namespace=default&name=${name}`);
      expect(reply.status).toBe(400);
    }
    const deployment = (stack.demo.listObjects('deployments') as { metadata: { namespace: string; name: string } }[])[0]!.metadata;
    const other = await getJson(`${stack.base}/api/v1/object?domain=apps/v1/deployments&namespace=${deployment.namespace}&name=${deployment.name}`);
    expect(other.status).toBe(200);
    expect(other.body).toMatchObject({ kind: 'Deployment', metadata: { name: deployment.name } });
  });

  test('reveal returns exactly the one key asked for: text when UTF-8, base64 otherwise', async () => {
    const reveal = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${stack.base}/api/v1/secret-key`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const current = Buffer.from((await call(stack.demo, '/api/v1/namespaces/default/secrets/canary')).json().data.password, 'base64').toString();
    const text = await reveal({ namespace: 'default', name: 'canary', key: 'password' });
    expect(text.status).toBe(200);
    expect(text.headers.get('cache-control')).toBe('no-store');
    const body = await text.json();
    expect(body).toEqual({ namespace: 'default', name: 'canary', key: 'password', encoding: 'utf8', value: current, bytes: current.length });
    // Only that key: the other key's value is nowhere in the answer.
    expect(JSON.stringify(body)).not.toContain(binary.toString('base64'));
    const bytes = await (await reveal({ namespace: 'default', name: 'canary', key: 'keystore.p12' })).json();
    expect(bytes).toMatchObject({ encoding: 'base64', value: binary.toString('base64'), bytes: binary.length });
    expect((await reveal({ namespace: 'default', name: 'canary', key: 'nope' })).status).toBe(404);
    expect((await reveal({ namespace: 'default', name: 'canary' })).status).toBe(400);
  });

  test('reveal is refused from a foreign origin, a cross-site page, a form, and past its rate', async () => {
    const ask = (headers: Record<string, string>, body = JSON.stringify({ namespace: 'default', name: 'canary', key: 'password' })) =>
      fetch(`${stack.base}/api/v1/secret-key`, { method: 'POST', headers, body });
    const foreign = await ask({ 'Content-Type': 'application/json', Origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect((await foreign.json()).error).toBe('bad-origin');
    expect((await ask({ 'Content-Type': 'application/json', Origin: 'null' })).status).toBe(403);
    expect((await ask({ 'Content-Type': 'application/json', 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect((await ask({ 'Content-Type': 'text/plain' })).status).toBe(415);
    const foreignText = await (await ask({ 'Content-Type': 'application/json', Origin: 'http://evil.example' })).text();
    expect(foreignText).not.toContain('kubelive-canary');
    // Its own origin is fine, until the rate bound: a script cannot dump every key.
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await ask({ 'Content-Type': 'application/json', Origin: stack.base })).status);
    expect(statuses).toContain(200);
    expect(statuses).toContain(429);
  });
});
