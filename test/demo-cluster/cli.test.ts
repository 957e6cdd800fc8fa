/**
 * `kubelive demo-cluster` as a user runs it: the built command in a child process, serving until
 * signalled, writing the kubeconfig it prints, reachable by kubectl (or any HTTPS client) through
 * it; `kubelive demo-cluster fault` switching a fault from another process; flags validated.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, kubectl, kubectlPath, waitUntil } from './client.js';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..');
const bin = join(root, 'bin', 'kubelive');
const built = join(root, 'dist', 'demo-cluster', 'cli.js');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let dir: string;
let child: ChildProcess | undefined;

beforeAll(() => {
  if (!existsSync(built)) throw new Error(`${built} is missing: run 'npm run build' (npm ci runs it through prepare) before these tests`);
  dir = mkdtempSync(join(tmpdir(), 'kubelive-cli-test-'));
});
afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

test('demoClusterServesUntilSignalledAndItsKubeconfigWorks', async () => {
  const kubeconfig = join(dir, 'kubeconfig');
  child = spawn(process.execPath, [bin, 'demo-cluster', '--port', '0', '--kubeconfig-out', kubeconfig, '--nodes', '3', '--pods', '40', '--seed', '4', '--bookmark-interval', '1s', '--no-metrics'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));

  const url = await waitUntil(() => /serving at (https:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1], 'the command printed its URL', 30_000);
  // Each line is its own write to the pipe, so the URL can arrive before the lines after it.
  await waitUntil(() => out.includes('faults:'), 'the command printed its last line', 10_000);
  expect(out).toContain(`kubeconfig: ${kubeconfig}`);
  expect(out).toContain(`kubectl --kubeconfig ${kubeconfig} get pods -A`);
  const yaml = readFileSync(kubeconfig, 'utf8');
  expect(yaml).toContain(`server: "${url}"`);
  expect(yaml).toContain('current-context: "kubelive-demo"');

  const ca = Buffer.from(/certificate-authority-data: "([^"]+)"/.exec(yaml)![1]!, 'base64').toString('utf8');
  const token = /token: "([^"]+)"/.exec(yaml)![1]!;
  const nodes = await call({ url, caPem: ca, token }, '/api/v1/nodes');
  expect(nodes.json().items).toHaveLength(3);
  if (kubectlPath) {
    const r = await kubectl(kubeconfig, ['get', 'pods', '-A', '--no-headers']);
    expect(r.stdout.trim().split('\n')).toHaveLength(40);
  }

  // Another process switches a fault on, lists it and clears it.
  const set = await run(['demo-cluster', 'fault', 'fail-lists', '--resource', 'pods', '--server', url, '--kubeconfig', kubeconfig]);
  expect(set.stdout).toContain('fail-lists (pods)');
  expect((await call({ url, caPem: ca, token }, '/api/v1/pods')).status).toBe(500);
  expect((await run(['demo-cluster', 'fault', 'list', '--server', url])).stdout).toContain('fail-lists');
  expect((await run(['demo-cluster', 'fault', 'clear', '--server', url])).stdout).toContain('no faults active');
  expect((await call({ url, caPem: ca, token }, '/api/v1/pods')).status).toBe(200);
  // A streaming list of pods becomes a plain watch: its ADDED events never end with the bookmark.
  expect((await run(['demo-cluster', 'fault', 'ignore-initial-events', '--resource', 'pods', '--server', url])).stdout).toContain('ignore-initial-events (pods)');
  const badScope = await run(['demo-cluster', 'fault', 'ignore-initial-events', '--resource', 'Pods', '--server', url]);
  expect(badScope.code).toBe(1);
  expect(badScope.stderr).toContain('400 resource must be a plural resource name');
  expect((await run(['demo-cluster', 'fault', 'list', '--server', url])).stdout).toBe('ignore-initial-events (pods)\n');
  const plain = await call({ url, caPem: ca, token }, '/api/v1/pods?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1');
  expect(plain.text.split('\n').filter((l) => l.includes('"ADDED"'))).toHaveLength(40);
  expect(plain.text).not.toContain('k8s.io/initial-events-end');
  expect((await run(['demo-cluster', 'fault', 'clear', '--server', url])).stdout).toContain('no faults active');
  // lag-watches takes its lag in --ms; the server refuses a bad one and keeps what it had.
  expect((await run(['demo-cluster', 'fault', 'lag-watches', '--resource', 'pods', '--ms', '2000', '--server', url])).stdout).toBe('lag-watches (pods) 2000 ms\n');
  const badLag = await run(['demo-cluster', 'fault', 'lag-watches', '--resource', 'nodes', '--ms', '0', '--server', url]);
  expect(badLag.code).toBe(2);
  expect(badLag.stderr).toContain('--ms: 0 is out of range (1 to 60000)');
  expect((await run(['demo-cluster', 'fault', 'list', '--server', url])).stdout).toBe('lag-watches (pods) 2000 ms\n');
  expect((await run(['demo-cluster', 'fault', 'clear', '--server', url])).stdout).toContain('no faults active');
  const blackhole = await run(['demo-cluster', 'fault', 'blackhole-watches', '--resource', 'pods', '--server', url]);
  expect(blackhole.stdout).toContain('blackhole-watches (pods)');
  await run(['demo-cluster', 'fault', 'clear', '--server', url]);

  // --no-metrics: no metrics.k8s.io at all; --bookmark-interval 1s: a bookmark within the 3 s watch.
  expect((await call({ url, caPem: ca, token }, '/apis/metrics.k8s.io/v1beta1/nodes')).status).toBe(404);
  expect(JSON.stringify((await call({ url, caPem: ca, token }, '/apis')).json())).not.toContain('metrics.k8s.io');
  const watched = await call({ url, caPem: ca, token }, '/api/v1/namespaces?watch=true&resourceVersion=0&allowWatchBookmarks=true&timeoutSeconds=3');
  expect(watched.text.split('\n').filter((l) => l.includes('"BOOKMARK"')).length).toBeGreaterThanOrEqual(2);

  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(out).toContain('stopped');
}, 60_000);

test('badFlagsAreRejectedWithAMessageNamingTheFlag', async () => {
  const cases: [string[], RegExp][] = [
    [['demo-cluster', '--nodes', 'many'], /--nodes: "many" is not a whole number/],
    [['demo-cluster', '--pods', '200000'], /--pods: 200000 is out of range/],
    [['demo-cluster', '--metrics-resolution', 'soon'], /--metrics-resolution: "soon" is not a duration/],
    [['demo-cluster', '--churn', '-1'], /--churn/],
    [['demo-cluster', '--bookmark-interval', '200ms'], /--bookmark-interval must be at least 1s/],
    [['demo-cluster', '--history-window', 'long'], /--history-window: "long" is not a duration/],
    [['demo-cluster', '--host', '0.0.0.0'], /--host must be a loopback address/],
    [['demo-cluster', '--bogus'], /Unknown option '--bogus'/],
    [['demo-cluster', 'fault', 'melt', '--server', 'https://127.0.0.1:1'], /unknown fault "melt"/],
    [['demo-cluster', 'fault', 'slow', '--server', 'https://127.0.0.1:1'], /slow fault needs --ms/],
    [['demo-cluster', 'fault', 'lag-watches', '--server', 'https://127.0.0.1:1'], /the lag-watches fault needs --ms N, the lag from 1 to 60000/],
    [['demo-cluster', 'fault', 'lag-watches', '--ms', '0', '--server', 'https://127.0.0.1:1'], /--ms: 0 is out of range \(1 to 60000\)/],
    [['demo-cluster', 'fault', 'lag-watches', '--ms', '60001', '--server', 'https://127.0.0.1:1'], /--ms: 60001 is out of range \(1 to 60000\)/],
    [['demo-cluster', 'fault', 'lag-watches', '--ms', 'soon', '--server', 'https://127.0.0.1:1'], /--ms: "soon" is not a whole number/],
    [['demo-cluster', 'fault', 'forbid', '--server', 'https://example.com:6443'], /loopback/],
  ];
  for (const [args, message] of cases) {
    const r = await run(args);
    expect({ args, code: r.code }).toEqual({ args, code: 2 });
    expect(r.stderr).toMatch(message);
  }
  const help = await run(['demo-cluster', '--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('--kubeconfig-out FILE');
  expect(help.stdout).toMatch(/Faults: .*lag-watches/);
  expect(help.stdout).toContain('the lag of lag-watches');
}, 60_000);
