/**
 * `kubelive serve --in-cluster` as the Deployment in deploy/kubelive.yaml runs it, against the
 * demo cluster standing in for the pod's cluster:
 * - the manifests are applied with kubectl as the demo's admin, the Deployment too (the demo's
 *   deployment controller adopts it: `kubectl rollout status` finishes), its arguments checked
 *   with the parser, and pass `kubectl apply --dry-run=server` with every kubectl installed;
 * - the demo issues the service account's token, which goes with the CA and the namespace into
 *   a folder standing in for /var/run/secrets/kubernetes.io/serviceaccount;
 * - every view a user opens is healthy, the header's identity names the service account as the
 *   API server does, and the ClusterRole's cordon works;
 * - a rotated token file is used without a restart: the old token revoked, everything still
 *   answers;
 * - with the read-only ClusterRole applied, cordon is refused in the API server's words, and
 *   Helm releases (Secrets) become forbidden while the other views stay healthy;
 * - the kubelet's probe of /healthz needs no token, and nothing else goes without one.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:https';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createEngine, type Engine, type SocketLike } from '../../adapters/engine/engine.js';
import { startDemoCluster, type DemoCluster } from '../../demo-cluster/index.js';
import type { IncomingMessage } from 'node:http';
import { RequestPolicy } from '../../server/requestPolicy.js';
import { parseServeArgs } from '../../server/serve.js';
import { kubectl, kubectlPath, requireKubectlInCi, versionedKubectls } from '../demo-cluster/client.js';
import { getJson, testConfig, waitFor } from './support.js';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..');
const bin = join(root, 'bin', 'kubelive');
const manifest = join(root, 'deploy', 'kubelive.yaml');
const readOnlyManifest = join(root, 'deploy', 'kubelive-readonly.yaml');
const serviceAccount = 'system:serviceaccount:kubelive:kubelive';
const views = ['pods', 'nodes', 'workloads', 'events', 'core/v1/configmaps', 'helm-releases'] as const;

let demo: DemoCluster;
let dir: string;
let saDir: string;
let child: ChildProcess | undefined;
let output = '';
let base = '';
let engine: Engine | undefined;

/** The manifest's documents, and the Deployment alone: applied last, once what it needs is there. */
function documents(): { deployment: string; rest: string } {
  const docs = readFileSync(manifest, 'utf8').split(/^---$/m);
  const deployment = docs.find((d) => /^kind: Deployment$/m.test(d));
  if (!deployment) throw new Error('deploy/kubelive.yaml has no Deployment');
  return { deployment, rest: docs.filter((d) => d !== deployment).join('---') };
}

/** What the kubelet would mount, written as it writes it: a new file renamed over the old. */
function mountToken(token: string): void {
  writeFileSync(join(saDir, 'token.new'), token);
  renameSync(join(saDir, 'token.new'), join(saDir, 'token'));
}

beforeAll(async () => {
  requireKubectlInCi();
  demo = await startDemoCluster({ port: 0, nodes: 3, pods: 40, churn: 0, seed: 11, bookmarkIntervalMs: 1000 });
  dir = mkdtempSync(join(tmpdir(), 'kubelive-in-cluster-'));
  saDir = join(dir, 'serviceaccount');
  writeFileSync(join(dir, 'rest.yaml'), documents().rest);
  writeFileSync(join(dir, 'deployment.yaml'), documents().deployment);
  mkdirSync(saDir);
}, 30_000);

afterAll(async () => {
  engine?.stop();
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await demo?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The demo's stand-in for the kubelet's TokenRequest: its loopback control surface. */
function tokenFromControlSurface(namespace: string, name: string): Promise<{ status: number; body: { token?: string; expirationTimestamp?: string } }> {
  return new Promise((resolve, reject) => {
    const req = request(`${demo.url.replace(/\/$/, '')}/_demo/serviceaccount-token`, { method: 'POST', ca: demo.caPem, headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ namespace, name }));
  });
}

const nodeSocket = (url: string) => new WebSocket(url) as unknown as SocketLike;

/** kubectl as the demo's admin, with a cache of its own (discovery of this demo, not another's). */
function admin(args: string[], binary = kubectlPath): ReturnType<typeof kubectl> {
  return kubectl(demo.kubeconfigPath, [...args, '--cache-dir', join(dir, `cache-${(binary ?? 'kubectl').split('/').pop()}`)], 60_000, binary);
}

test('theManifestsApplyToTheDemoClusterAndPassServerDryRunWithEveryKubectl', async () => {
  if (!kubectlPath) return;
  const applied = await admin(['apply', '-f', join(dir, 'rest.yaml')]);
  expect(applied.stderr).toBe('');
  expect(applied.stdout.split('\n').filter(Boolean).sort()).toEqual(
    ['clusterrole.rbac.authorization.k8s.io/kubelive created', 'clusterrolebinding.rbac.authorization.k8s.io/kubelive created', 'namespace/kubelive created', 'service/kubelive created', 'serviceaccount/kubelive created'],
  );
  for (const binary of [kubectlPath, ...versionedKubectls()]) {
    for (const file of [manifest, readOnlyManifest]) {
      const dry = await admin(['apply', '--dry-run=server', '-f', file], binary);
      expect({ binary, file, code: dry.code, stderr: dry.stderr }).toEqual({ binary, file, code: 0, stderr: '' });
      expect(dry.stdout).toMatch(/\(server dry run\)/);
    }
  }
  // The Deployment, applied for real: the demo's controller makes its ReplicaSet and pod, and
  // kubectl's own rollout check passes.
  const created = await admin(['apply', '-f', join(dir, 'deployment.yaml')]);
  expect({ code: created.code, stdout: created.stdout.trim(), stderr: created.stderr }).toEqual({ code: 0, stdout: 'deployment.apps/kubelive created', stderr: '' });
  const rollout = await admin(['rollout', 'status', 'deployment/kubelive', '-n', 'kubelive', '--timeout=60s']);
  expect({ code: rollout.code, stderr: rollout.stderr }).toEqual({ code: 0, stderr: '' });
  expect(rollout.stdout).toContain('deployment "kubelive" successfully rolled out');
  const pods = JSON.parse((await admin(['get', 'pods', '-n', 'kubelive', '-l', 'app.kubernetes.io/name=kubelive', '-o', 'json'])).stdout) as { items: { spec: { serviceAccountName: string }; status: { phase: string } }[] };
  expect(pods.items.map((p) => [p.spec.serviceAccountName, p.status.phase])).toEqual([['kubelive', 'Running']]);
  // What the cluster stored, and arguments kubelive accepts.
  const stored = await admin(['get', 'deployment/kubelive', '-n', 'kubelive', '-o', 'json']);
  expect(stored.code).toBe(0);
  const deployment = JSON.parse(stored.stdout);
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  expect(pod.serviceAccountName).toBe('kubelive');
  expect(pod.securityContext.runAsNonRoot).toBe(true);
  expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { drop: ['ALL'] } });
  expect(container.livenessProbe.httpGet.path).toBe('/healthz');
  expect(container.readinessProbe.httpGet.path).toBe('/healthz');
  expect(container.resources.requests).toEqual({ cpu: '100m', memory: '256Mi' });
  const args = parseServeArgs(container.args.slice(1), {});
  expect(args.backend.inCluster).toBe(true);
  expect(args.backend.allowRemote).toBe(true);
}, 180_000);

test('servesEveryViewAsTheServiceAccountAndActsAsItsClusterRoleAllows', async () => {
  expect((await tokenFromControlSurface('kubelive', 'nobody')).status).toBe(404);
  const answer = await tokenFromControlSurface('kubelive', 'kubelive');
  expect(answer.status).toBe(200);
  const issued = { token: answer.body.token! };
  // An hour, as the kubelet asks for a projected token.
  expect(Date.parse(answer.body.expirationTimestamp!) - Date.now()).toBeGreaterThan(3590_000);
  writeFileSync(join(saDir, 'ca.crt'), demo.caPem);
  writeFileSync(join(saDir, 'namespace'), 'kubelive');
  mountToken(issued.token);
  // The Deployment's own arguments, on loopback and any free port.
  const deployment = readFileSync(join(dir, 'deployment.yaml'), 'utf8');
  const args = [...deployment.matchAll(/^\s+- (serve|--[a-z-]+(?:=\S+)?)\s*$/gm)].map((m) => m[1]!).map((a) => (a.startsWith('--host=') ? '--host=127.0.0.1' : a.startsWith('--port=') ? '--port=0' : a));
  expect(args.slice(0, 2)).toEqual(['serve', '--in-cluster']);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: new URL(demo.url).port, KUBELIVE_SERVICE_ACCOUNT_DIR: saDir };
  for (const [key, ms] of Object.entries(testConfig)) {
    if (typeof ms === 'number') env[`KUBELIVE_${key.replace(/Ms$/, '').replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`] = `${ms}ms`;
  }
  child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (output += d));
  const first = await waitFor(`kubelive's URL (output: ${output})`, () => (output.includes('\n') ? output.split('\n')[0] : undefined), 30_000);
  base = first.replace(/\/$/, '');
  // The line after the URL names the cluster; it may come in a later chunk of stdout.
  await waitFor(`the line naming the context (output: ${output})`, () => (/^watching .*\n/m.test(output) ? true : undefined), 30_000);
  expect(output).toMatch(/context in-cluster/);

  const identity = await getJson(`${base}/api/v1/identity`);
  expect(identity.body).toEqual({
    context: 'in-cluster',
    clusterEntry: 'in-cluster',
    userEntry: 'in-cluster',
    server: demo.url.replace(/\/$/, ''),
    user: { username: serviceAccount, groups: ['system:serviceaccounts', 'system:serviceaccounts:kubelive', 'system:authenticated'] },
    inCluster: true,
    demo: false,
  });

  engine = createEngine({ server: first, config: testConfig, socket: nodeSocket });
  for (const view of views) engine.subscribe(view, '');
  // A view's state, with its reason when it has one (a failure then says why, not only what).
  const states = () =>
    Object.fromEntries(
      views.map((v) => {
        const row = engine!.diagnostics().rows.find((r) => r.key === `${v}:`);
        return [v, row ? (row.reason ? `${row.state} (${row.reason})` : row.state) : 'none'];
      }),
    );
  await waitFor(`every view streamingHealthy (${JSON.stringify(states())})`, () => views.every((v) => states()[v] === 'streamingHealthy'), 60_000);
  expect(engine.store.rows('pods:').length).toBe(demo.listObjects('pods').length);
  expect(engine.store.rows('helm-releases:').length).toBeGreaterThan(0);
  for (const domain of ['nodes', 'pods']) {
    const metrics = await getJson(`${base}/api/v1/metrics/${domain}`);
    expect({ domain, status: metrics.status }).toEqual({ domain, status: 200 });
  }

  const node = (demo.listObjects('nodes') as { metadata: { name: string } }[])[0]!.metadata.name;
  const post = (action: string, body: object) => getJson(`${base}/api/v1/actions/${action}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const cordoned = await post('cordon', { node });
  expect(cordoned.status).toBe(200);
  expect(cordoned.body.user).toBe('in-cluster');
  expect((await post('uncordon', { node })).status).toBe(200);

  // The kubelet rotates the token: the new file is read without a restart, and the old token
  // can stop working.
  const before = (await getJson(`${base}/api/v1/diagnostics`)).body.kube.kubeconfigReloads as number;
  const rotated = demo.users.serviceAccountToken('kubelive', 'kubelive');
  mountToken(`${rotated.token}\n`);
  await waitFor('the rotated token file read', async () => (await getJson(`${base}/api/v1/diagnostics`)).body.kube.kubeconfigReloads > before);
  demo.users.revokeToken(issued.token);
  const read = await getJson(`${base}/api/v1/object/nodes/${node}`);
  expect(read.status).toBe(200);
  expect((await post('cordon', { node })).status).toBe(200);
  expect((await post('uncordon', { node })).status).toBe(200);
  await new Promise((r) => setTimeout(r, 2 * (testConfig.freshnessBoundMs ?? 5000)));
  expect(states()).toEqual(Object.fromEntries(views.map((v) => [v, 'streamingHealthy'])));
  const diagnostics = (await getJson(`${base}/api/v1/diagnostics`)).body;
  expect(diagnostics.kube.kubeconfigReloadError).toBeNull();

  // The read-only ClusterRole: cordon is the API server's to refuse, in its words.
  if (!kubectlPath) return;
  const readOnly = await admin(['apply', '-f', readOnlyManifest]);
  expect(readOnly.stdout).toMatch(/clusterrole.rbac.authorization.k8s.io\/kubelive configured/);
  const refused = await post('cordon', { node });
  expect(refused.status).toBe(403);
  expect(refused.body.reason).toBe(`nodes "${node}" is forbidden: User "${serviceAccount}" cannot patch resource "nodes" in API group "" at the cluster scope`);
  const deletion = await post('delete-pod', { namespace: 'kube-system', name: 'no-such-pod' });
  expect(deletion.status).toBe(403);
  // Without Secrets, Helm releases are forbidden (docs/deploy.md says so), and the rest stays
  // healthy: no other view is refused at any look while Helm's block arrives, and each is
  // streaming healthily once it has.
  const others = views.filter((v) => v !== 'helm-releases');
  const othersSeen = new Set<string>();
  const helm = await waitFor(`helm-releases blocked (${JSON.stringify(states())})`, () => {
    const now = states();
    for (const v of others) othersSeen.add(`${v}: ${now[v]}`);
    const row = engine!.diagnostics().rows.find((r) => r.key === 'helm-releases:');
    return row?.state.startsWith('blocked') ? row : undefined;
  }, 60_000);
  expect(helm.reason).toBe('permissions');
  expect([...othersSeen].filter((seen) => /blocked|forbidden|permission/.test(seen))).toEqual([]);
  expect(others.map((v) => `${v}: ${states()[v]}`)).toEqual(others.map((v) => `${v}: streamingHealthy`));
  expect(await getJson(`${base}/healthz`)).toMatchObject({ status: 200 });
}, 180_000);

test('inClusterWithoutTheServiceEnvironmentSaysWhatIsMissing', async () => {
  const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(process.execPath, [bin, 'serve', '--in-cluster', '--port', '0'], { env: { PATH: process.env.PATH, HOME: dir, KUBELIVE_SERVICE_ACCOUNT_DIR: saDir }, timeout: 30_000 }, (error, _stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set/);
}, 60_000);

test('theKubeletsProbeOfHealthzNeedsNoTokenAndNothingElseDoes', () => {
  // The Deployment binds 0.0.0.0 with --allow-remote; the kubelet probes from the node's address.
  const policy = new RequestPolicy({ bindHost: '0.0.0.0', token: 'a-token-of-sixteen-or-more', allowedHosts: [], allowedOrigins: [] });
  policy.listeningOn(7654);
  const fromNode = (method: string, path: string, host = '10.244.1.7:7654') => policy.check({ method, url: path, headers: { host }, socket: { remoteAddress: '10.0.0.4' } } as unknown as IncomingMessage, path);
  expect(fromNode('GET', '/healthz')).toBeNull();
  expect(fromNode('HEAD', '/healthz')).toBeNull();
  expect(fromNode('GET', '/api/v1/identity')?.status).toBe(401);
  expect(fromNode('POST', '/healthz')?.status).toBe(401);
  expect(fromNode('GET', '/')?.status).toBe(401);
  // The Host check still holds for the probe.
  expect(fromNode('GET', '/healthz', 'evil.example:7654')?.status).toBe(421);
});
