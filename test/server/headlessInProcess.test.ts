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
import type { ChildProcess } from 'node:child_process';
import { kubectl, kubectlPath } from '../demo-cluster/client.js';
import { startDemo, type DemoHandle } from '../../server/demo.js';
import { killLeftovers, launchCommand, requireBuiltCommand, type Command } from './commands.js';
import { waitFor } from './support.js';

jest.setTimeout(120_000);

/** Past this after SIGTERM the command is taken to hang: stopping the in-process backend takes well under a second. */
const exitWithinMs = 15_000;

let twin: DemoHandle;
const children: ChildProcess[] = [];

beforeAll(async () => {
  requireBuiltCommand();
  twin = await startDemo({});
});

afterAll(async () => {
  killLeftovers(children);
  await twin?.stop();
});

const launch = (args: string[]) => launchCommand(args, children);

/** SIGTERM, then how the process ended: `hung` when it did not within exitWithinMs. */
async function terminate(run: Command): Promise<{ code: number | null; signal: string | null } | 'hung'> {
  run.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), exitWithinMs)));
  try {
    return await Promise.race([run.ended, hung]);
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
