/**
 * `kubelive watch` and `kubelive diagnostics` without `--server`, as a user first runs them: the
 * built command in a child process starts the demo cluster and a backend inside itself (client-node
 * reaching the cluster through its kubeconfig), shows a live view of it, and ends with exit code 0
 * on SIGTERM, leaving nothing running that would keep the process alive.
 *
 * The child's cluster is out of reach from here, so the truth is its twin: the demo cluster with
 * the same (default) options is generated from the same seed, names and uids included, and kubectl
 * reads that one.
 */
import { jest } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { kubectl, kubectlPath } from '../demo-cluster/client.js';
import { startDemo, type DemoHandle } from '../../server/demo.js';
import { waitFor } from './support.js';

jest.setTimeout(120_000);

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..');
const bin = join(root, 'bin', 'kubelive');
const built = join(root, 'dist', 'server', 'headless.js');

/** Past this after SIGTERM the command is taken to hang: stopping the in-process backend takes well under a second. */
const exitWithinMs = 15_000;

let twin: DemoHandle;
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (!existsSync(built)) throw new Error(`${built} is missing: run 'npm run build' (npm ci runs it through prepare) first`);
  twin = await startDemo({});
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await twin?.stop();
});

function launch(args: string[]) {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: string[] = [];
  let err = '';
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    partial += d;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, lines, stderr: () => err, exited };
}

/** SIGTERM, then how the process ended: `hung` when it did not within exitWithinMs. */
async function terminate(run: ReturnType<typeof launch>): Promise<{ code: number | null; signal: string | null } | 'hung'> {
  run.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), exitWithinMs)));
  try {
    return await Promise.race([run.exited, hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** The twin's nodes as kubectl reads them from its API server: `name uid`, sorted. */
async function twinNodes(): Promise<string[]> {
  const result = await kubectl(twin.kubeconfigPath, ['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.metadata.uid}{"\\n"}{end}']);
  expect(result.code).toBe(0);
  return result.stdout.trim().split('\n').sort();
}

const describeWithKubectl = kubectlPath ? describe : describe.skip;

describeWithKubectl('without --server', () => {
  test('watchStartsTheDemoInProcessPrintsItsNodesAndExitsCleanlyOnSigterm', async () => {
    const want = await twinNodes();
    const run = launch(['watch', 'nodes', '--json']);
    const added = () => run.lines.map((l) => JSON.parse(l) as { type: string; row: { name: string; uid: string } }).filter((e) => e.type === 'ADDED');
    await waitFor(`${want.length} nodes printed`, () => added().length >= want.length, 45_000, () => `lines ${JSON.stringify(run.lines.slice(0, 10))}; stderr ${JSON.stringify(run.stderr().slice(-500))}`);
    expect(added().map((e) => `${e.row.name} ${e.row.uid}`).sort()).toEqual(want);
    expect(await terminate(run)).toEqual({ code: 0, signal: null });
    expect(run.stderr()).toBe('');
  });

  test('diagnosticsStartsTheDemoInProcessReachesHealthyStreamsAndExitsCleanlyOnSigterm', async () => {
    const nodes = (await twinNodes()).length;
    const run = launch(['diagnostics', '--domains', 'nodes,pods', '--json', '--follow', '--interval', '250ms', '--settle', '500ms']);
    type Row = { key: string; state: string; health: string; itemCount: number | null };
    const rows = () => run.lines.map((l) => (JSON.parse(l) as { rows: Row[] }).rows);
    const healthy = (row: Row | undefined) => row?.state === 'streamingHealthy' && row.health === 'healthy';
    await waitFor(
      'nodes and pods streaming and healthy',
      () => rows().some((r) => healthy(r.find((x) => x.key === 'nodes:')) && healthy(r.find((x) => x.key === 'pods:'))),
      45_000,
      () => `last ${JSON.stringify(rows().at(-1) ?? null)}; stderr ${JSON.stringify(run.stderr().slice(-500))}`,
    );
    const seen = rows().find((r) => healthy(r.find((x) => x.key === 'nodes:')))!;
    expect(seen.find((x) => x.key === 'nodes:')!.itemCount).toBe(nodes);
    expect(await terminate(run)).toEqual({ code: 0, signal: null });
    expect(run.stderr()).toBe('');
  });
});
