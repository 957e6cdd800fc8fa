/**
 * The demo cluster's users as kubectl meets them: the rotating user's token expires (shortened to
 * two seconds here) and kubectl keeps working because it runs the credential plugin again, an
 * expired token is refused 401, and several demo clusters share one kubeconfig with a context each.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemoCluster, startDemoClusters } from '../../demo-cluster/index.js';
import type { DemoCluster } from '../../demo-cluster/index.js';
import { credentialPluginPath } from '../../demo-cluster/kubeconfig.js';
import { kubectl, kubectlPath } from './client.js';

const describeWithKubectl = kubectlPath ? describe : describe.skip;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function statusWith(cluster: DemoCluster, token: string, path = '/api/v1/namespaces'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, cluster.url), { ca: cluster.caPem, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Runs the plugin as a kubeconfig's exec would, with the environment the demo kubeconfig gives it. */
function runPlugin(cluster: DemoCluster): Promise<{ token: string; expirationTimestamp: string }> {
  const env = { ...process.env, KUBELIVE_DEMO_SERVER: cluster.url, KUBELIVE_DEMO_CA_DATA: Buffer.from(cluster.caPem).toString('base64'), KUBELIVE_DEMO_REFRESH_TOKEN: cluster.users.credentials.rotatingRefresh };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [credentialPluginPath()], { env }, (error, stdout) => {
      if (error) return reject(error);
      const credential = JSON.parse(stdout) as { apiVersion: string; kind: string; status: { token: string; expirationTimestamp: string } };
      expect(credential.apiVersion).toBe('client.authentication.k8s.io/v1');
      expect(credential.kind).toBe('ExecCredential');
      resolve(credential.status);
    });
  });
}

describe('the rotating user', () => {
  let cluster: DemoCluster;
  beforeAll(async () => {
    cluster = await startDemoCluster({ seed: 3, pods: 40, tokenLifetimeMs: 2000 });
  });
  afterAll(() => cluster.stop());

  test('thePluginsTokenWorksUntilItsExpirationTimestampThenIs401', async () => {
    const issued = await runPlugin(cluster);
    expect(issued.expirationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const expires = Date.parse(issued.expirationTimestamp);
    expect(expires - Date.now()).toBeLessThanOrEqual(3000);
    expect(await statusWith(cluster, issued.token)).toBe(200);
    await sleep(Math.max(0, expires - Date.now()) + 50);
    expect(await statusWith(cluster, issued.token)).toBe(401);
  });

  test('aWrongRefreshSecretGetsNoToken', async () => {
    const env = { ...process.env, KUBELIVE_DEMO_SERVER: cluster.url, KUBELIVE_DEMO_CA_DATA: Buffer.from(cluster.caPem).toString('base64'), KUBELIVE_DEMO_REFRESH_TOKEN: cluster.token };
    const result = await new Promise<{ code: number; stderr: string }>((resolve) => execFile(process.execPath, [credentialPluginPath()], { env }, (error, _out, stderr) => resolve({ code: error ? 1 : 0, stderr })));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('401');
  });
});

describeWithKubectl('kubectl with the demo users', () => {
  let cluster: DemoCluster;
  let cacheDir: string;
  beforeAll(async () => {
    cacheDir = mkdtempSync(join(tmpdir(), 'kubelive-users-cache-'));
    cluster = await startDemoCluster({ seed: 3, pods: 40, tokenLifetimeMs: 2000 });
  });
  afterAll(async () => {
    await cluster.stop();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  test('theExecPluginUserWorksAcrossATokenExpiry', async () => {
    const as = (args: string[]) => kubectl(cluster.kubeconfigPath, ['--cache-dir', cacheDir, '--context', cluster.users.contexts.rotating, ...args]);
    const whoami = await as(['auth', 'can-i', 'list', 'pods', '-A']);
    expect(whoami.stdout.trim()).toBe('yes');
    for (let round = 0; round < 3; round++) {
      const r = await as(['get', 'pods', '-A', '-o', 'name']);
      expect(r.stderr).toBe('');
      expect(r.stdout.trim().split('\n').length).toBe(cluster.listObjects('pods').length);
      await sleep(2200); // past the token's life: the next kubectl runs the plugin again
    }
    const write = await as(['delete', 'pod', '-n', 'shop', (cluster.listObjects('pods', 'shop') as { metadata: { name: string } }[])[0]!.metadata.name]);
    expect(write.stderr).toContain('is forbidden: User "rotating" cannot delete resource "pods" in API group "" in the namespace "shop"');
  }, 30_000);
});

describeWithKubectl('several demo clusters behind one kubeconfig', () => {
  test('eachContextReachesItsOwnClusterOfItsOwnSize', async () => {
    const demos = await startDemoClusters(3, { pods: 100, nodes: 4, seed: 5 });
    const cacheDir = mkdtempSync(join(tmpdir(), 'kubelive-demos-cache-'));
    try {
      expect(demos.contexts).toEqual(['kubelive-demo', 'kubelive-demo-2', 'kubelive-demo-3']);
      const counts = demos.clusters.map((c) => c.listObjects('pods').length);
      expect(new Set(counts).size).toBe(3);
      for (const [i, context] of demos.contexts.entries()) {
        const r = await kubectl(demos.kubeconfigPath, ['--cache-dir', cacheDir, '--context', context, 'get', 'pods', '-A', '-o', 'name']);
        expect(r.stderr).toBe('');
        expect(r.stdout.trim().split('\n').length).toBe(counts[i]);
      }
      const jane = await kubectl(demos.kubeconfigPath, ['--cache-dir', cacheDir, '--context', 'kubelive-demo-3-jane', 'auth', 'can-i', 'list', 'pods', '-A']);
      expect(jane.stdout.trim()).toBe('no');
      const current = await kubectl(demos.kubeconfigPath, ['config', 'current-context']);
      expect(current.stdout.trim()).toBe('kubelive-demo');
    } finally {
      await demos.stop();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }, 60_000);
});
