/**
 * `kubelive serve` as a user runs it: the built command in a child process. With no kubeconfig
 * anywhere it runs on the demo cluster, prints its URL first, serves the API and the placeholder
 * page, and stops cleanly on SIGTERM; bad flags name themselves.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectDashboardServed, waitFor } from './support.js';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..');
const bin = join(root, 'bin', 'kubelive');
const built = join(root, 'dist', 'server', 'serve.js');

let home: string;
let child: ChildProcess | undefined;

beforeAll(() => {
  if (!existsSync(built)) throw new Error(`${built} is missing: run 'npm run build' (npm ci runs it through prepare) before these tests`);
  home = mkdtempSync(join(tmpdir(), 'kubelive-serve-test-'));
});
afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

/** An environment with no kubeconfig: no KUBECONFIG, and a HOME without ~/.kube. */
function bareEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  delete env.KUBECONFIG;
  for (const key of Object.keys(env)) if (key.startsWith('KUBELIVE_')) delete env[key];
  return env;
}

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 30_000, env: bareEnv() }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('serveWithoutKubeconfigRunsOnTheDemoClusterPrintsItsUrlFirstAndStopsOnSigterm', async () => {
  child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--pods', '20', '--nodes', '2'], { env: bareEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));

  const firstLine = await waitFor('the first line of output', () => (out.includes('\n') ? out.split('\n')[0] : undefined), 30_000);
  expect(firstLine).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  await waitFor('the line saying which cluster it watches', () => /demo cluster/.test(out));
  await expectDashboardServed(firstLine!);
  const nodes = (await (await fetch(`${firstLine}api/v1/snapshot/nodes`)).json()) as { count: number; items: unknown[] };
  expect(nodes.count).toBe(2);

  child.kill('SIGTERM');
  expect(await exited).toBe(0);
});

test('serveHelpListsEveryIntervalAndBadFlagsNameThemselves', async () => {
  const help = await run(['serve', '--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('--metrics-interval');
  expect(help.stdout).toContain('KUBELIVE_UPSTREAM_STALL_TIMEOUT');
  const bad = await run(['serve', '--metrics-interval', 'often']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/--metrics-interval: "often" is not a duration/);
});
