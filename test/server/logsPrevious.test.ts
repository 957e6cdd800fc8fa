/**
 * `GET /api/v1/logs/previous`: the previous run of a restarted container reads as `kubectl logs
 * --previous` prints it; a container that never restarted is a 400 in the API server's words;
 * bad parameters are refused before anything reaches the API server.
 */
import { kubectl } from '../demo-cluster/client.js';
import { startStack, type Stack } from './support.js';

interface DemoPod {
  metadata: { name: string; namespace: string };
  spec: { containers: { name: string }[] };
  status: { containerStatuses?: { name: string; restartCount?: number; state?: { running?: unknown }; lastState?: { terminated?: unknown } }[] };
}

interface Answer {
  status: number;
  body: { error?: string; reason?: string; container?: string; tailLines?: number; lines?: Array<{ container: string; time: string | null; line: string }> };
}

let stack: Stack;

beforeAll(async () => {
  // No churn: the restarted containers stay as generated while kubectl and the backend read them.
  stack = await startStack({ demo: { pods: 120, namespaces: 6, churn: 0 } });
});

afterAll(async () => {
  await stack.stop();
});

async function previous(query: Record<string, string>): Promise<Answer> {
  const response = await fetch(`${stack.base}/api/v1/logs/previous?${new URLSearchParams(query).toString()}`);
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

function pods(): DemoPod[] {
  return stack.demo.listObjects('pods') as unknown as DemoPod[];
}

/** A container that restarted and runs again (a crash-looping one's current log is its last run, the same as previous). */
function restartedContainer(): { pod: DemoPod; container: string } {
  for (const pod of pods()) {
    const status = pod.status.containerStatuses?.find((c) => (c.restartCount ?? 0) > 0 && c.lastState?.terminated && c.state?.running);
    if (status) return { pod, container: status.name };
  }
  throw new Error('the demo cluster generated no restarted container');
}

test('aRestartedContainersPreviousRunReadsAsKubectlLogsPreviousPrintsIt', async () => {
  const { pod, container } = restartedContainer();
  const { namespace, name } = pod.metadata;
  const answer = await previous({ namespace, pod: name, container, tailLines: '1000' });
  expect(answer.status).toBe(200);
  const lines = answer.body.lines!;
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.every((l) => l.container === container)).toBe(true);

  const plain = await kubectl(stack.demo.kubeconfigPath, ['logs', '-n', namespace, name, '-c', container, '--previous', '--tail=1000']);
  expect(plain.code).toBe(0);
  expect(lines.map((l) => l.line)).toEqual(plain.stdout.split('\n').filter((l) => l !== ''));
  const stamped = await kubectl(stack.demo.kubeconfigPath, ['logs', '-n', namespace, name, '-c', container, '--previous', '--tail=1000', '--timestamps']);
  expect(lines.map((l) => `${l.time} ${l.line}`)).toEqual(stamped.stdout.split('\n').filter((l) => l !== ''));

  // The run is a different one from the current: its lines are not the live log's.
  const current = await kubectl(stack.demo.kubeconfigPath, ['logs', '-n', namespace, name, '-c', container, '--tail=1000', '--timestamps']);
  const currentLines = new Set(current.stdout.split('\n'));
  expect(lines.some((l) => currentLines.has(`${l.time} ${l.line}`))).toBe(false);

  // tailLines is the tail of that run.
  const tail = await previous({ namespace, pod: name, container, tailLines: '3' });
  expect(tail.body.lines!.map((l) => l.line)).toEqual(lines.slice(-3).map((l) => l.line));
});

test('aContainerThatNeverRestartedIsA400InTheApiServersWords', async () => {
  const pod = pods().find((p) => p.spec.containers.length === 1 && (p.status.containerStatuses ?? []).every((c) => (c.restartCount ?? 0) === 0 && !c.lastState?.terminated));
  if (!pod) throw new Error('the demo cluster generated no pod without restarts');
  const container = pod.spec.containers[0]!.name;
  const answer = await previous({ namespace: pod.metadata.namespace, pod: pod.metadata.name, container });
  expect(answer.status).toBe(400);
  expect(answer.body.error).toBe('no-previous-run');
  const printed = await kubectl(stack.demo.kubeconfigPath, ['logs', '-n', pod.metadata.namespace, pod.metadata.name, '-c', container, '--previous']);
  expect(printed.code).not.toBe(0);
  // kubectl prints the same words the backend relays.
  expect(answer.body.reason).toBe(`previous terminated container "${container}" in pod "${pod.metadata.name}" not found`);
  expect(printed.stderr).toContain(answer.body.reason);
});

test('badParametersAndMissingPodsAreRefusedClearly', async () => {
  const { pod, container } = restartedContainer();
  const { namespace, name } = pod.metadata;
  await expect(previous({ namespace, pod: name, container, tailLines: '0' })).resolves.toMatchObject({ status: 400, body: { error: 'bad-request', reason: expect.stringContaining('tailLines') } });
  await expect(previous({ namespace, pod: name, container, tailLines: '1e9' })).resolves.toMatchObject({ status: 400, body: { error: 'bad-request' } });
  await expect(previous({ namespace, pod: '../secrets', container })).resolves.toMatchObject({ status: 400, body: { error: 'bad-request' } });
  await expect(previous({ pod: name })).resolves.toMatchObject({ status: 400, body: { error: 'bad-request' } });
  await expect(previous({ namespace, pod: 'no-such-pod', container })).resolves.toMatchObject({ status: 404, body: { error: 'not-found' } });
  await expect(previous({ namespace, pod: name, container: 'nope' })).resolves.toMatchObject({ status: 400, body: { error: 'bad-request', reason: `container nope is not valid for pod ${name}` } });
});
