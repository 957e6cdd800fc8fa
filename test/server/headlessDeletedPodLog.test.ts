/**
 * `kubelive watch pod-logs` tells the person at the terminal when the pod is deleted: once, as it
 * happens, on stderr beside the lines (stdout keeps only log lines), and as one `ENDED` object with
 * --json. The backend says so on the wire (`upstream.ended`); before, the watch went quiet and
 * looked exactly like a pod that had stopped writing. The built command in a child process,
 * against a real backend and the demo cluster.
 */
import type { ChildProcess } from 'node:child_process';
import { call } from '../demo-cluster/client.js';
import { killLeftovers, launchCommand, requireBuiltCommand } from './commands.js';
import { startStack, waitFor, type Stack } from './support.js';

interface DemoPod {
  metadata: { name: string; namespace: string; deletionTimestamp?: string; ownerReferences?: { kind: string }[] };
  spec: { containers: { name: string }[] };
  status: { phase?: string; containerStatuses?: { state?: { running?: { startedAt?: string } } }[] };
}

let stack: Stack;
const children: ChildProcess[] = [];

beforeAll(async () => {
  requireBuiltCommand();
  stack = await startStack({ demo: { pods: 40, namespaces: 5 } });
});

afterAll(async () => {
  killLeftovers(children);
  await stack.stop();
});

/**
 * Running ReplicaSet pods, none deleted, whose container has run a while (so its log has lines to
 * print): each deletion here is of a pod nothing brings back under its name.
 */
const runningPods = () =>
  (stack.demo.listObjects('pods') as DemoPod[]).filter(
    (p) =>
      p.status.phase === 'Running' &&
      !p.metadata.deletionTimestamp &&
      p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet' &&
      Date.parse(p.status.containerStatuses?.[0]?.state?.running?.startedAt ?? '') < Date.now() - 10_000,
  );

async function deleteNow(pod: DemoPod): Promise<void> {
  const path = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`;
  expect((await call(stack.demo, `${path}?gracePeriodSeconds=0`, { method: 'DELETE' })).status).toBe(200);
}

/** Heartbeats every 2 s carry the same report: long enough for three of them to repeat it. */
const repeatsMs = 6_500;

test('watchingALogSaysOnceThatThePodWasDeletedAndItsLogIsComplete', async () => {
  const pod = runningPods()[0]!;
  const scope = `${pod.metadata.namespace}/${pod.metadata.name}/${pod.spec.containers[0]!.name}`;
  const run = launchCommand(['watch', 'pod-logs', '--scope', scope, '--server', stack.backend.url], children);
  // The table, or (a first answer that came empty) the first line as a change.
  await waitFor('the first log lines', () => run.lines.some((l) => l.startsWith('TIME') || / ADDED +LogLine /.test(l)), 30_000, () => `stderr ${run.stderr()} stdout ${run.lines.slice(0, 5).join(' / ')}`);
  const said = () => run.stderr().split('\n').filter((l) => l.includes('was deleted'));
  const before = run.stderr();
  expect(said()).toEqual([]);

  await deleteNow(pod);
  await waitFor('the note that the pod was deleted', () => said().length > 0, 20_000, () => run.stderr());
  await new Promise((resolve) => setTimeout(resolve, repeatsMs));
  expect(said()).toEqual([`pod ${pod.metadata.namespace}/${pod.metadata.name} was deleted: its log is complete, the lines above are all there will be`]);
  // Nothing else on stderr since: no error, no fallback.
  expect(run.stderr().slice(before.length).trim()).toBe(said()[0]);
  run.child.kill('SIGTERM');
  expect(await run.exited).toBe(0);
}, 60_000);

test('watchingALogAsJsonSaysOnceThatItEnded', async () => {
  const pod = runningPods()[0]!;
  const scope = `${pod.metadata.namespace}/${pod.metadata.name}/${pod.spec.containers[0]!.name}`;
  const run = launchCommand(['watch', 'pod-logs', '--scope', scope, '--server', stack.backend.url, '--json'], children);
  const events = () => run.lines.map((l) => JSON.parse(l) as { type: string; key?: string; ended?: string | null });
  await waitFor('the first lines', () => events().some((e) => e.type === 'ADDED'), 30_000, () => run.stderr());

  await deleteNow(pod);
  const ended = () => events().filter((e) => e.type === 'ENDED');
  await waitFor('an ENDED object', () => ended().length > 0, 20_000, () => run.stderr());
  await new Promise((resolve) => setTimeout(resolve, repeatsMs));
  expect(ended()).toEqual([expect.objectContaining({ type: 'ENDED', key: `pod-logs:${scope}`, ended: 'pod-deleted' })]);
  run.child.kill('SIGTERM');
  expect(await run.exited).toBe(0);
}, 60_000);
