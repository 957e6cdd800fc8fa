/**
 * Credentials as kubectl has them, against the demo cluster over real sockets:
 * - an exec credential plugin whose token expires (after a second or two here) is run again by
 *   client-node when the token's expirationTimestamp passes, and after a 401 (tokens revoked
 *   early) the backend renews once and retries, so a headless engine subscribed across several
 *   expiries and a revocation never leaves `streamingHealthy` and its store equals the cluster;
 * - KUBECONFIG naming several files is merged as kubectl merges it (client-node's
 *   loadFromDefault), the first file's current context winning;
 * - a static token from inline YAML gets no second try: its 401 is reported as it is;
 * - a client certificate from the kubeconfig is presented in the TLS handshake of requests and
 *   watches alike (through the one keep-alive agent).
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import WebSocket from 'ws';
import type { Engine, SocketLike } from '../../adapters/engine/engine.js';
import { createEngine } from '../../adapters/engine/engine.js';
import { KubeApiError, KubeClient, loadKubeConfig } from '../../adapters/kube/client.js';
import { startDemoCluster, type DemoCluster } from '../../demo-cluster/index.js';
import { makeServingCertificates } from '../../demo-cluster/tls.js';
import { startBackend, type Backend } from '../../server/serve.js';
import { kubectlPath } from '../demo-cluster/client.js';
import { getJson, testConfig, waitFor } from './support.js';

const nodeSocket = (url: string) => new WebSocket(url) as unknown as SocketLike;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs a headless engine on the pods view as the rotating user while `during` acts on the
 * cluster, recording every state its subscription is seen in (sampled every 50 ms) and every
 * transition it makes. Returns them with the backend's diagnostics after.
 */
async function engineAcross(tokenLifetimeMs: number, during: (demo: DemoCluster) => Promise<void>) {
  const demo = await startDemoCluster({ port: 0, nodes: 3, pods: 40, churn: 0, seed: 5, bookmarkIntervalMs: 1000, tokenLifetimeMs });
  const backend: Backend = await startBackend({ kubeconfigYaml: demo.kubeconfigYaml, context: demo.users.contexts.rotating, port: 0, config: testConfig });
  const engine: Engine = createEngine({ server: backend.url, config: testConfig, socket: nodeSocket });
  try {
    engine.subscribe('pods', '');
    const row = () => engine.diagnostics().rows.find((r) => r.key === 'pods:');
    await waitFor('pods streamingHealthy', () => row()?.state === 'streamingHealthy');
    const healthySince = Date.now();
    const issuedBefore = demo.users.tokensIssued();
    const states = new Set<string>();
    let acting = true;
    const sampling = (async () => {
      while (acting) {
        states.add(row()?.state ?? 'gone');
        await sleep(50);
      }
    })();
    await during(demo);
    acting = false;
    await sampling;
    // The store holds what the cluster holds.
    await waitFor('the store to equal the cluster', () => {
      const cluster = demo.listVersions('pods').map((o) => `${o.uid}@${o.resourceVersion}`).sort();
      const held = engine.store.rows('pods:').map((r) => `${r.uid}@${r.resourceVersion}`).sort();
      return held.join() === cluster.join();
    });
    const diagnostics = (await getJson(`${backend.url.replace(/\/$/, '')}/api/v1/diagnostics`)).body;
    return {
      states: [...states],
      // Every time it left streamingHealthy after it got there.
      transitions: (row()?.transitions ?? []).filter((t) => t.at >= healthySince && t.from === 'streamingHealthy'),
      lastError: row()?.lastError ?? null,
      tokensIssued: demo.users.tokensIssued() - issuedBefore,
      renewals: diagnostics.kube.credentialRenewals as number,
      pods: diagnostics.upstreams.find((u: { key: string }) => u.key === 'pods'),
    };
  } finally {
    engine.stop();
    await backend.stop();
    await demo.stop();
  }
}

describe('an expiring token renewed through the exec plugin, with no error reaching a view', () => {
  test('aHeadlessEngineSubscribedAcrossSeveralTokenLifetimesStaysHealthy', async () => {
    const seen = await engineAcross(1000, async (demo) => {
      await sleep(3000);
      demo.churn(5);
      await sleep(3500);
    });
    expect(seen.states).toEqual(['streamingHealthy']);
    expect(seen.transitions).toEqual([]);
    expect(seen.lastError).toBeNull();
    // Probes every second or two need a new token about every other time: the plugin ran again.
    expect(seen.tokensIssued).toBeGreaterThanOrEqual(2);
    expect(seen.pods.report.healthy).toBe(true);
    expect(seen.pods.lastError).toBeNull();
  }, 40_000);

  test('tokensRevokedBeforeTheyExpireAreRenewedAfterOne401', async () => {
    // A token that would live a minute is revoked at once: client-node's cached credential is
    // still "valid", so the next request carries it and gets 401; the backend runs the plugin
    // again and retries, and the view never hears of it.
    const seen = await engineAcross(60_000, async (demo) => {
      await sleep(500);
      demo.users.revokeIssuedTokens();
      demo.churn(5);
      await sleep(4000);
    });
    expect(seen.states).toEqual(['streamingHealthy']);
    expect(seen.transitions).toEqual([]);
    expect(seen.lastError).toBeNull();
    expect(seen.renewals).toBeGreaterThanOrEqual(1);
    expect(seen.tokensIssued).toBeGreaterThanOrEqual(1);
    expect(seen.pods.report.healthy).toBe(true);
    expect(seen.pods.lastError).toBeNull();
  }, 40_000);
});

describe('kubeconfig sources', () => {
  let demo: DemoCluster;
  let dir: string;
  beforeAll(async () => {
    demo = await startDemoCluster({ port: 0, nodes: 2, pods: 10, seed: 2 });
    dir = mkdtempSync(join(tmpdir(), 'kubelive-kubeconfigs-'));
  });
  afterAll(async () => {
    await demo.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('kubeconfigWithSeveralFilesIsMergedAsKubectlMergesIt', async () => {
    // The demo's kubeconfig split in two: the clusters and a first context in one file, the users
    // and the other contexts in another. Neither works alone; merged they do.
    const yaml = demo.kubeconfigYaml;
    const [head, rest] = [yaml.slice(0, yaml.indexOf('users:')), yaml.slice(yaml.indexOf('users:'))];
    const first = join(dir, 'clusters');
    const second = join(dir, 'users');
    writeFileSync(first, `${head}contexts:\n- name: "elsewhere"\n  context:\n    cluster: "kubelive-demo"\n    user: "kubelive-demo-viewer"\ncurrent-context: "elsewhere"\n`);
    // The second file also names the same cluster, elsewhere: the first file's entry wins (client-node's
    // own merge would throw "Duplicate cluster"), as does the first current-context (it would take the last).
    const shadow = 'clusters:\n- name: "kubelive-demo"\n  cluster:\n    server: "https://127.0.0.1:1"\n';
    writeFileSync(second, `apiVersion: v1\nkind: Config\n${shadow}${rest.replace(/current-context: .*\n/, 'current-context: "kubelive-demo"\n')}`);
    const before = process.env.KUBECONFIG;
    process.env.KUBECONFIG = [first, second].join(delimiter);
    try {
      const kc = loadKubeConfig({});
      // The first file's current context wins, as with kubectl; its user comes from the second file.
      expect(kc.getCurrentContext()).toBe('elsewhere');
      const client = new KubeClient(kc);
      const pods = await client.requestJson<{ items: unknown[] }>('GET', '/api/v1/pods');
      expect(pods.items).toHaveLength(demo.listObjects('pods').length);
      const write = client.requestJson('DELETE', '/api/v1/namespaces/shop/pods/nope').catch((e: unknown) => e);
      expect(((await write) as KubeApiError).status).toBe(403); // the viewer from the second file
      client.close();
      if (kubectlPath) {
        const env = { ...process.env, KUBECONFIG: [first, second].join(delimiter) };
        const kubectlSays = (args: string[]) => new Promise<string>((resolve) => execFile(kubectlPath!, args, { env }, (_e, out) => resolve(out.trim())));
        expect(await kubectlSays(['config', 'current-context'])).toBe('elsewhere');
        expect(await kubectlSays(['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}'])).toBe(demo.url);
      }
      const jane = new KubeClient(loadKubeConfig({ context: demo.users.contexts.namespaceUser }));
      expect(jane.contextNamespace).toBe(demo.users.namespaceUserNamespaces[0]);
      jane.close();
    } finally {
      if (before === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = before;
    }
  });

  test('aStaticTokensUnauthorizedIsReportedAfterNoRenewal', async () => {
    const broken = demo.kubeconfigYaml.replace(`token: "${demo.token}"`, 'token: "not-a-token"');
    const client = new KubeClient(loadKubeConfig({ kubeconfigYaml: broken }));
    const error = (await client.requestJson('GET', '/api/v1/namespaces').catch((e: unknown) => e)) as KubeApiError;
    expect(error.status).toBe(401);
    expect(client.credentialRenewals).toBe(0);
    client.close();
  });
});

describe('client certificates', () => {
  test('theKubeconfigsClientCertificateIsPresentedInTheHandshakeOfRequestsAndWatches', async () => {
    // A TLS server that asks for a client certificate and answers with the one it was shown. (The
    // demo cluster authenticates bearer tokens only, so this checks what kubelive sends; the
    // certificate doubles as the client's, which this server does not verify.)
    const server = makeServingCertificates();
    const client = makeServingCertificates();
    const https = createHttpsServer({ key: server.keyPem, cert: server.certPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ items: [], fingerprint: peer.fingerprint256 ?? null }) + '\n');
    });
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', () => resolve()));
    const port = (https.address() as AddressInfo).port;
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    const yaml = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: c',
      '  cluster:',
      `    server: https://127.0.0.1:${port}`,
      `    certificate-authority-data: ${b64(server.caPem)}`,
      'users:',
      '- name: u',
      '  user:',
      `    client-certificate-data: ${b64(client.certPem)}`,
      `    client-key-data: ${b64(client.keyPem)}`,
      'contexts:',
      '- name: x',
      '  context: {cluster: c, user: u}',
      'current-context: x',
      '',
    ].join('\n');
    const kube = new KubeClient(loadKubeConfig({ kubeconfigYaml: yaml }));
    try {
      const expected = new X509Certificate(client.certPem).fingerprint256;
      const answer = await kube.requestJson<{ fingerprint: string | null }>('GET', '/api/v1/pods');
      expect(answer.fingerprint).toBe(expected);
      const stream = await kube.openStream('/api/v1/pods', { query: { watch: true } });
      const line = await new Promise<string>((resolve, reject) => stream.read(resolve, (e) => (e ? reject(e) : undefined)));
      expect(JSON.parse(line).fingerprint).toBe(expected);
      stream.abort();
    } finally {
      kube.close();
      https.closeAllConnections();
      await new Promise<void>((resolve) => https.close(() => resolve()));
    }
  });
});
