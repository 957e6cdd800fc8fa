/**
 * `kubelive serve` and which cluster it acts on (issue 13, "identity and safety"): an unknown
 * context fails loudly instead of starting the demo; the demo's users are reachable by context;
 * `--namespaces` feeds partial views; `--demo-clusters N` starts N clusters behind one kubeconfig.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKubeConfig } from '../../adapters/kube/client.js';
import { parseServeArgs, startBackend, UsageError } from '../../server/serve.js';
import { getJson, testConfig } from './support.js';

const noKubeconfig = { KUBECONFIG: '/nonexistent/kubeconfig' };

describe('kubelive serve --context', () => {
  test('aContextWithNoKubeconfigToFindItInIsAnErrorNotTheDemo', () => {
    expect(() => parseServeArgs(['--context', 'prod'], noKubeconfig)).toThrow(UsageError);
    expect(() => parseServeArgs(['--context', 'prod'], noKubeconfig)).toThrow(/--context prod: there is no kubeconfig.*add --demo/);
    // With --demo, a context names one of the demo's users.
    expect(parseServeArgs(['--demo', '--context', 'kubelive-demo-jane'], noKubeconfig).backend).toMatchObject({ demo: {}, context: 'kubelive-demo-jane' });
  });

  test('aContextTheKubeconfigLacksFailsTheStartNamingTheOnesItHas', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubelive-context-'));
    try {
      const file = join(dir, 'config');
      writeFileSync(file, 'apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:1"}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: real\n  context: {cluster: c, user: u}\ncurrent-context: real\n');
      expect(parseServeArgs(['--context', 'nope'], { KUBECONFIG: file }).backend.demo).toBeUndefined();
      const args = parseServeArgs(['--kubeconfig', file, '--context', 'nope', '--port', '0'], noKubeconfig);
      expect(args.backend.demo).toBeUndefined();
      await expect(startBackend({ ...args.backend, config: testConfig })).rejects.toThrow('kubeconfig has no context "nope" (it has: real)');
      expect(() => loadKubeConfig({ kubeconfigPath: file, context: 'nope' })).toThrow(/no context "nope"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('theNamespacesSettingComesFromTheFlagOrTheEnvironment', () => {
    expect(parseServeArgs(['--demo', '--namespaces', 'shop,payments'], noKubeconfig).backend.namespaces).toEqual(['shop', 'payments']);
    expect(parseServeArgs(['--demo'], { ...noKubeconfig, KUBELIVE_NAMESPACES: 'data' }).backend.namespaces).toEqual(['data']);
    expect(() => parseServeArgs(['--demo', '--namespaces', 'Shop'], noKubeconfig)).toThrow(/not a list of namespace names/);
  });
});

describe('kubelive serve --demo --demo-clusters 3', () => {
  test('startsThreeClustersOfDifferentSizesBehindOneKubeconfigAndWatchesTheFirst', async () => {
    const args = parseServeArgs(['--demo', '--demo-clusters', '3', '--pods', '50', '--port', '0'], noKubeconfig);
    expect(args.backend.demo).toEqual({ clusters: 3, pods: 50 });
    expect(() => parseServeArgs(['--kubeconfig', '/x', '--demo-clusters', '2'], noKubeconfig)).toThrow(/add --demo/);
    const backend = await startBackend({ ...args.backend, config: testConfig });
    try {
      expect(backend.kube.context).toBe('kubelive-demo');
      const kc = loadKubeConfig({ kubeconfigYaml: backend.demo!.kubeconfigYaml });
      expect(kc.getClusters().map((c) => c.name)).toEqual(['kubelive-demo', 'kubelive-demo-2', 'kubelive-demo-3']);
      expect(kc.getContexts().map((c) => c.name)).toEqual(expect.arrayContaining(['kubelive-demo-2', 'kubelive-demo-3-jane', 'kubelive-demo-2-rotating']));
      const snapshot = await getJson(`${backend.url.replace(/\/$/, '')}/api/v1/snapshot/pods?scope=`);
      expect(snapshot.body.count).toBe(backend.demo!.listObjects('pods').length);
    } finally {
      await backend.stop();
    }
  }, 60_000);
});
