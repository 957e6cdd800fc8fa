/**
 * The headless commands as a user runs them: the built `kubelive watch` and
 * `kubelive diagnostics` in child processes, against a real backend and demo cluster, while
 * faults are injected from outside.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startStack, waitFor, type Stack } from './support.js';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..');
const bin = join(root, 'bin', 'kubelive');
const built = join(root, 'dist', 'server', 'headless.js');

let stack: Stack;
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (!existsSync(built)) throw new Error(`${built} is missing: run 'npm run build' (npm ci runs it through prepare) first`);
  stack = await startStack({ demo: { nodes: 3, pods: 30, churn: 0, seed: 5 } });
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await stack.stop();
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
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, stderr: () => err, exited };
}

async function debugFault(body: object | null) {
  const response = await fetch(`${stack.base}/_debug/faults`, {
    method: body ? 'POST' : 'DELETE',
    headers: { 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  expect(response.status).toBeLessThan(300);
}

type Row = { key: string; state: string; mode: string; health: string; reason: string | null; polling: { enabled: boolean } };

test('diagnosticsJsonFollowShowsEachStateWhileItHappens', async () => {
  stack.demo.faults.set({ fault: 'forbid', resource: 'namespaces' });
  const run = launch(['diagnostics', '--server', stack.backend.url, '--domains', 'pods,namespaces,pod-logs,node-metrics', '--json', '--follow', '--interval', '250ms', '--settle', '500ms', '--metrics-interval', '1s']);
  const rowsOf = (line: string) => (JSON.parse(line) as { rows: Row[] }).rows;
  const seen = (predicate: (rows: Row[]) => boolean) => () => run.lines.some((l) => predicate(rowsOf(l)));
  const pods = (rows: Row[]) => rows.find((r) => r.key === 'pods:');

  await waitFor('pods streaming and healthy', seen((rows) => pods(rows)?.state === 'streamingHealthy' && pods(rows)?.polling.enabled === false), 30_000);
  await waitFor('namespaces blocked for permissions', seen((rows) => rows.some((r) => r.key === 'namespaces:' && r.state === 'blocked' && r.reason === 'permissions')));
  expect(run.lines.some((l) => rowsOf(l).some((r) => r.key === 'pod-logs:' && r.health === 'unhealthy' && r.reason === 'no scope'))).toBe(true);
  expect(run.lines.some((l) => rowsOf(l).some((r) => r.key === 'node-metrics:' && r.mode === 'metrics-only'))).toBe(true);

  const before = run.lines.length;
  await debugFault({ fault: 'close-streams' });
  await waitFor('pods polling for a disconnect', () =>
    run.lines.slice(before).some((l) => {
      const p = pods(rowsOf(l));
      return p?.state === 'fallbackPolling' && p.mode === 'polling' && p.reason === 'disconnect' && p.polling.enabled;
    }),
  );
  const cut = run.lines.length;
  await debugFault(null);
  await waitFor('healthy again', () => run.lines.slice(cut).some((l) => pods(rowsOf(l))?.state === 'streamingHealthy'), 30_000);
  stack.demo.faults.clear();
  run.child.kill('SIGTERM');
  expect(await run.exited).toBe(0);
});

test('watchPrintsRowsThenTheChangeACordonMakes', async () => {
  const run = launch(['watch', 'nodes', '--server', stack.backend.url, '--json']);
  const events = () => run.lines.map((l) => JSON.parse(l) as { type: string; row: { name: string; unschedulable?: boolean } });
  await waitFor('three nodes added', () => events().filter((e) => e.type === 'ADDED').length === 3, 30_000);
  const name = events()[0]!.row.name;
  const response = await fetch(`${stack.base}/api/v1/nodes/${name}/cordon`, { method: 'POST', headers: { 'Content-Type': 'application/json' } });
  expect(response.status).toBe(200);
  await waitFor('the cordon as a MODIFIED line', () => events().some((e) => e.type === 'MODIFIED' && e.row.name === name && e.row.unschedulable === true));
  await fetch(`${stack.base}/api/v1/nodes/${name}/uncordon`, { method: 'POST', headers: { 'Content-Type': 'application/json' } });
  await waitFor('the uncordon too', () => events().some((e) => e.type === 'MODIFIED' && e.row.name === name && e.row.unschedulable === false));
  run.child.kill('SIGTERM');
  expect(await run.exited).toBe(0);
});

test.each([
  [['watch'], /watch needs a domain/],
  [['watch', 'deployments'], /unknown domain "deployments"/],
  [['watch', 'pods', '--scope', 'Bad_NS'], /"Bad_NS" is not a namespace name/],
  [['watch', 'nodes', '--server', 'ftp://x'], /--server must be an http\(s\) URL/],
  [['diagnostics', '--interval', 'soon'], /--interval: "soon" is not a duration/],
  [['diagnostics', '--domains', 'nodes=default'], /nodes is cluster-wide and takes no scope/],
  [['diagnostics', '--bogus'], /unknown option --bogus/],
])('badArguments %j exit 2 with a clear message', async (args, message) => {
  const run = launch(args);
  expect(await run.exited).toBe(2);
  expect(run.stderr()).toMatch(message);
});
