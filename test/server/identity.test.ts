/**
 * GET /api/v1/identity names the cluster and the user as the API server does, for each of the
 * demo's users, and follows the kubeconfig: rewritten to another current context, the next
 * answer names the new context and its user, never the previous one.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemoCluster, type DemoCluster } from '../../demo-cluster/index.js';
import { startBackend, type Backend } from '../../server/serve.js';
import { getJson, testConfig, waitFor } from './support.js';

let demo: DemoCluster;
let dir: string;

beforeAll(async () => {
  demo = await startDemoCluster({ port: 0, nodes: 1, pods: 5, churn: 0, seed: 4 });
  dir = mkdtempSync(join(tmpdir(), 'kubelive-identity-'));
});
afterAll(async () => {
  await demo.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The demo's kubeconfig with `context` current, written as kubectl writes it: a new file renamed over the old. */
function writeKubeconfig(path: string, context: string): void {
  writeFileSync(`${path}.new`, demo.kubeconfigYaml.replace(/^current-context: .*$/m, `current-context: ${JSON.stringify(context)}`));
  renameSync(`${path}.new`, path);
}

test('namesEachDemoUserAsTheApiServerDoes', async () => {
  const expected = {
    [demo.users.contexts.admin]: { username: 'kubelive-demo', groups: ['system:masters', 'system:authenticated'] },
    [demo.users.contexts.namespaceUser]: { username: 'jane', groups: ['kubelive-demo:developers', 'system:authenticated'] },
    [demo.users.contexts.readOnly]: { username: 'viewer', groups: ['kubelive-demo:viewers', 'system:authenticated'] },
  };
  for (const [context, user] of Object.entries(expected)) {
    const backend: Backend = await startBackend({ kubeconfigYaml: demo.kubeconfigYaml, context, port: 0, config: testConfig });
    try {
      const answer = await getJson(`${backend.url}api/v1/identity`);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.body).toEqual({ context, clusterEntry: 'kubelive-demo', userEntry: context, server: demo.url.replace(/\/$/, ''), user, inCluster: false, demo: false });
    } finally {
      await backend.stop();
    }
  }
}, 60_000);

test('followsTheKubeconfigToAnotherContextAndItsUser', async () => {
  const path = join(dir, 'config');
  writeKubeconfig(path, demo.users.contexts.readOnly);
  const backend = await startBackend({ kubeconfigPath: path, port: 0, config: testConfig });
  try {
    expect((await getJson(`${backend.url}api/v1/identity`)).body.user.username).toBe('viewer');
    writeKubeconfig(path, demo.users.contexts.namespaceUser);
    const after = await waitFor('the identity of the new current context', async () => {
      const body = (await getJson(`${backend.url}api/v1/identity`)).body;
      return body.context === demo.users.contexts.namespaceUser ? body : undefined;
    });
    expect(after.user).toEqual({ username: 'jane', groups: ['kubelive-demo:developers', 'system:authenticated'] });
  } finally {
    await backend.stop();
  }
}, 60_000);
