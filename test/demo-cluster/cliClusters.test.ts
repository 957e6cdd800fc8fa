/**
 * `kubelive demo-cluster --clusters N`: N clusters of different sizes behind the one kubeconfig
 * it prints, each reachable through its printed context with kubectl (or, without kubectl, an
 * HTTPS read with that context's credentials), each holding the pods it says it holds.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemoCluster } from '../../demo-cluster/cli.js';
import { KubeClient, loadKubeConfig } from '../../adapters/kube/client.js';
import { kubectl, kubectlPath } from './client.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubelive-clusters-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Pods in a context as kubectl lists them (namespace/name), or as a direct API read with its credentials. */
async function podsIn(kubeconfig: string, context: string): Promise<string[]> {
  if (kubectlPath) {
    const r = await kubectl(kubeconfig, ['--cache-dir', join(dir, 'cache'), '--context', context, 'get', 'pods', '-A', '-o', 'custom-columns=NS:.metadata.namespace,NAME:.metadata.name', '--no-headers']);
    expect(r.code).toBe(0);
    return r.stdout.trim().split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/).join('/'));
  }
  const client = new KubeClient(loadKubeConfig({ kubeconfigPath: kubeconfig, context }));
  const list = await client.requestJson<{ items: { metadata: { namespace: string; name: string } }[] }>('GET', '/api/v1/pods');
  return list.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
}

test('threeClustersOfDifferentSizesEachListTheirPodsThroughTheirContext', async () => {
  const kubeconfig = join(dir, 'kubeconfig');
  const lines: string[] = [];
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  let ready!: () => void;
  const listening = new Promise<void>((resolve) => (ready = resolve));
  const run = runDemoCluster(['--clusters', '3', '--pods', '40', '--nodes', '4', '--seed', '2', '--no-metrics', '--kubeconfig-out', kubeconfig], (l) => lines.push(l), () => {
    ready();
    return stopped;
  });
  await Promise.race([listening, run.then((code) => Promise.reject(new Error(`exited with ${code} before serving: ${lines.join('\n')}`)))]);

  expect(lines).toContain(`kubeconfig: ${kubeconfig}`);
  const start = lines.indexOf('contexts:');
  const rows = lines.slice(start + 1, start + 4).map((l) => /^ {2}(\S+)\s+(https:\/\/\S+)\s+(\d+) nodes, (\d+) pods, (\d+) namespaces$/.exec(l));
  expect(rows.every((r) => r !== null)).toBe(true);
  const contexts = rows.map((r) => r![1]!);
  expect(contexts).toEqual(['kubelive-demo', 'kubelive-demo-2', 'kubelive-demo-3']);
  // Every printed context is in the kubeconfig written, with its users' contexts beside it.
  const written = readFileSync(kubeconfig, 'utf8');
  for (const c of contexts) for (const name of [c, `${c}-jane`, `${c}-viewer`, `${c}-rotating`]) expect(written).toContain(`name: "${name}"`);

  const counts: number[] = [];
  for (const [i, context] of contexts.entries()) {
    const pods = await podsIn(kubeconfig, context);
    expect(pods.length).toBe(Number(rows[i]![4]));
    expect(new Set(pods).size).toBe(pods.length);
    counts.push(pods.length);
  }
  // Different sizes: no two clusters alike.
  expect(new Set(counts).size).toBe(3);
  expect(new Set(rows.map((r) => r![2])).size).toBe(3);

  stop();
  expect(await run).toBe(0);
  expect(lines.at(-1)).toBe('kubelive demo clusters stopped');
}, 90_000);

test('clustersOutOfRangeIsAUsageError', async () => {
  const out: string[] = [];
  const errors: string[] = [];
  const consoleError = console.error;
  console.error = (m: string) => void errors.push(m);
  try {
    expect(await runDemoCluster(['--clusters', '11'], (l) => out.push(l), () => Promise.resolve())).toBe(2);
    expect(await runDemoCluster(['--clusters', 'two'], (l) => out.push(l), () => Promise.resolve())).toBe(2);
  } finally {
    console.error = consoleError;
  }
  expect(errors[0]).toMatch(/--clusters: 11 is out of range \(1 to 10\)/);
  expect(errors[1]).toMatch(/--clusters: "two" is not a whole number/);
  expect(out).toEqual([]);
});
