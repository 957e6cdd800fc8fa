/**
 * `kubelive watch` and `kubelive diagnostics` as the demo's namespace-limited user (the
 * `kubelive-jane` context): a partial view says what it covers, `pods in 2 of N namespaces`, and
 * lists every namespace it does not show, as the dashboard's note does. Checked against the
 * admin's kubectl: the namespaces that exist, and the pods in jane's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemoCluster, type DemoCluster } from '../../demo-cluster/index.js';
import { runDiagnostics, runWatch } from '../../server/headless.js';
import { startBackend, type Backend } from '../../server/serve.js';
import { kubectl, kubectlPath } from '../demo-cluster/client.js';
import { testConfig } from './support.js';

let demo: DemoCluster;
let backend: Backend;
let cacheDir: string;

beforeAll(async () => {
  cacheDir = mkdtempSync(join(tmpdir(), 'kubelive-headless-partial-'));
  demo = await startDemoCluster({ port: 0, nodes: 3, pods: 60, churn: 0, seed: 7 });
  expect(demo.users.contexts.namespaceUser).toBe('kubelive-demo-jane');
  backend = await startBackend({ kubeconfigYaml: demo.kubeconfigYaml, context: demo.users.contexts.namespaceUser, port: 0, config: testConfig });
});
afterAll(async () => {
  await backend?.stop();
  await demo?.stop();
  rmSync(cacheDir, { recursive: true, force: true });
});

/** What the admin's kubectl says (the cluster's own store when there is no kubectl). */
async function asAdmin(args: string[], fallback: () => string[]): Promise<string[]> {
  if (!kubectlPath) return fallback();
  const r = await kubectl(demo.kubeconfigPath, ['--cache-dir', cacheDir, '--context', demo.users.contexts.admin, ...args, '-o', 'name']);
  expect(r.code).toBe(0);
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => l.replace(/^[a-z]+\//, '')).sort();
}

const namespacesOfCluster = () => asAdmin(['get', 'namespaces'], () => demo.listObjects('namespaces').map((n) => (n as { metadata: { name: string } }).metadata.name).sort());
const podsIn = (ns: string) => asAdmin(['get', 'pods', '-n', ns], () => demo.listObjects('pods', ns).map((p) => (p as { metadata: { name: string } }).metadata.name).sort());

test('watchPrintsThePartialSummaryAndEveryNamespaceItDoesNotShow', async () => {
  const out: string[] = [];
  const notes: string[] = [];
  const code = await runWatch(['pods', '--server', backend.url, '--once'], (l) => out.push(l), (l) => notes.push(l));
  expect(code).toBe(0);
  const all = await namespacesOfCluster();
  const mine = [...demo.users.namespaceUserNamespaces].sort();
  expect(notes[0]).toBe(`pods in ${mine.length} of ${all.length} namespaces (the ones you may list): ${mine.join(', ')}`);
  const notShown = notes.slice(1).map((l) => /^ {2}not shown: ([^:]+): (.+)$/.exec(l));
  expect(notShown.every((m) => m !== null)).toBe(true);
  expect(notShown.map((m) => m![1]).sort()).toEqual(all.filter((n) => !mine.includes(n)));
  for (const m of notShown) expect(m![2]).toMatch(/not permitted|cannot list/);

  // The table holds exactly the pods of jane's namespaces.
  const rows = out.slice(1).map((l) => l.split(/\s+/).slice(0, 2).join('/')).sort();
  const expected = (await Promise.all(mine.map(async (ns) => (await podsIn(ns)).map((p) => `${ns}/${p}`)))).flat().sort();
  expect(rows).toEqual(expected);
}, 60_000);

test('watchJsonSaysPartialOnALineOfItsOwn', async () => {
  const out: string[] = [];
  expect(await runWatch(['pods', '--server', backend.url, '--once', '--json'], (l) => out.push(l), () => undefined)).toBe(0);
  const partial = out.map((l) => JSON.parse(l) as { type: string; partial?: { namespaces: string[]; total: number } }).filter((l) => l.type === 'PARTIAL');
  expect(partial).toHaveLength(1);
  expect(partial[0]!.partial!.namespaces).toEqual([...demo.users.namespaceUserNamespaces].sort());
  expect(partial[0]!.partial!.total).toBe((await namespacesOfCluster()).length);
}, 60_000);

test('diagnosticsPrintsThePartialNoteUnderTheTable', async () => {
  let text = '';
  const code = await runDiagnostics(['--server', backend.url, '--domains', 'pods,nodes', '--settle', '2s'], (t) => void (text += t), { isTTY: false, columns: () => 200 });
  expect(code).toBe(0);
  const all = await namespacesOfCluster();
  const mine = [...demo.users.namespaceUserNamespaces].sort();
  const lines = text.split('\n');
  const at = lines.indexOf('partial: pods (all):');
  expect(at).toBeGreaterThan(0);
  expect(lines[at + 1]).toBe(`  pods in ${mine.length} of ${all.length} namespaces (the ones you may list): ${mine.join(', ')}`);
  expect(lines.filter((l) => l.startsWith('    not shown: '))).toHaveLength(all.length - mine.length);
  // Nodes are cluster-scoped: all or nothing, no partial note.
  expect(lines.some((l) => l.startsWith('partial: nodes'))).toBe(false);
}, 60_000);
