/**
 * Every pod state the demo's troubleshooting scenario produces, read two ways that share no code:
 * kubectl's printed STATUS (the demo's Table printer follows kube-apiserver's printPod) and
 * kubelive's own row status (adapters/kube/rows.ts) over the same pod read from the API. They must
 * agree for each pod, under each kubectl version installed.
 */
import { podRow, type KubeObject } from '../../adapters/kube/rows.js';
import { startDemoCluster, type DemoCluster } from '../../demo-cluster/index.js';
import { call, kubectl, kubectlPath, versionedKubectls } from './client.js';

const describeWithKubectl = kubectlPath ? describe : describe.skip;

/** What each scenario pod is there to show; the test fails if the demo stops producing one. */
const expected: Record<string, string> = {
  crashloop: 'CrashLoopBackOff',
  creating: 'ContainerCreating',
  'image-pull-backoff': 'ImagePullBackOff',
  'err-image-pull': 'ErrImagePull',
  'config-error': 'CreateContainerConfigError',
  'oom-killed': 'OOMKilled',
  error: 'Error',
  completed: 'Completed',
  'init-waiting': 'Init:0/2',
  'init-second': 'Init:1/2',
  'init-crashloop': 'Init:CrashLoopBackOff',
  'init-error': 'Init:Error',
  'pod-initializing': 'PodInitializing',
  'not-ready': 'NotReady',
  'sidecar-unready': 'Running',
  terminating: 'Terminating',
  unschedulable: 'Pending',
  'scheduling-gated': 'SchedulingGated',
  evicted: 'Evicted',
  'evicted-running': 'ContainerStatusUnknown',
  'node-lost': 'Unknown',
};

/** NAME and one column of each line of `kubectl get pods`, found by the header's offsets of that column and the next. */
function printedColumn(stdout: string, column: string, next: string): Map<string, string> {
  const [header = '', ...lines] = stdout.trimEnd().split('\n');
  const at = header.indexOf(column);
  const end = header.indexOf(next);
  return new Map(lines.map((line) => [line.split(/\s+/)[0] as string, line.slice(at, end).trim()]));
}

/** NAME and STATUS of each line of `kubectl get pods`, found by the header's column offsets. */
function printedStatuses(stdout: string): Map<string, string> {
  const [header = '', ...lines] = stdout.trimEnd().split('\n');
  const at = header.indexOf('STATUS');
  const end = header.indexOf('RESTARTS');
  expect(at).toBeGreaterThan(0);
  return new Map(lines.map((line) => [line.split(/\s+/)[0] as string, line.slice(at, end).trim()]));
}

describeWithKubectl('pod STATUS: kubelive against kubectl, for each state the demo produces', () => {
  let cluster: DemoCluster;
  let rows: Map<string, string>;
  let restarts: Map<string, number>;

  beforeAll(async () => {
    cluster = await startDemoCluster({ seed: 11, pods: 40, scenarios: true });
    const list = await call(cluster, '/api/v1/namespaces/troubleshooting/pods');
    rows = new Map(list.json<{ items: KubeObject[] }>().items.map((pod) => [String(pod.metadata?.name), podRow(pod).status ?? '']));
    restarts = new Map(list.json<{ items: KubeObject[] }>().items.map((pod) => [String(pod.metadata?.name), podRow(pod).restarts]));
  });
  afterAll(() => cluster.stop());

  test('theScenarioHasAPodInEachState', () => {
    for (const [name, status] of Object.entries(expected)) expect({ name, status: rows.get(name) }).toEqual({ name, status });
  });

  test.each([kubectlPath as string, ...versionedKubectls()])('everyRowStatusIsWhat %s prints', async (binary) => {
    const r = await kubectl(cluster.kubeconfigPath, ['get', 'pods', '-n', 'troubleshooting'], 60_000, binary);
    expect(r.code).toBe(0);
    const printed = printedStatuses(r.stdout);
    expect([...printed.keys()].sort()).toEqual([...rows.keys()].sort());
    for (const [name, status] of rows) expect({ name, status }).toEqual({ name, status: printed.get(name) });
    // RESTARTS too: `9 (5m10s ago)` counts the init containers while a pod initialises.
    const printedRestarts = printedColumn(r.stdout, 'RESTARTS', 'AGE');
    for (const [name, count] of restarts) expect({ name, restarts: String(count) }).toEqual({ name, restarts: printedRestarts.get(name)?.split(' ')[0] });
  });
});

describeWithKubectl('the crash loop going round, read by kubelive and by kubectl', () => {
  let cluster: DemoCluster;

  beforeAll(async () => {
    cluster = await startDemoCluster({ seed: 11, pods: 40, scenarios: true, churn: 1 });
  });
  afterAll(() => cluster.stop());

  /** The crash loop's status, with the resourceVersion it was read at (a status alone can go round and come back while kubectl reads). */
  const rowStatus = async (): Promise<string> => {
    const pod = (await call(cluster, '/api/v1/namespaces/troubleshooting/pods/crashloop')).json<KubeObject>();
    return `${podRow(pod).status ?? ''}@${String(pod.metadata?.resourceVersion)}`;
  };

  test('eachStateOfTheCycleReadsTheSameBothWays', async () => {
    const seen = new Set<string>();
    const deadline = Date.now() + 40_000;
    while (seen.size < 3 && Date.now() < deadline) {
      // A state read the same by kubelive before and after kubectl's read is the state kubectl saw.
      const before = await rowStatus();
      const r = await kubectl(cluster.kubeconfigPath, ['get', 'pod', 'crashloop', '-n', 'troubleshooting']);
      const after = await rowStatus();
      if (before !== after) continue;
      const status = before.slice(0, before.lastIndexOf('@'));
      expect({ kubelive: status }).toEqual({ kubelive: printedStatuses(r.stdout).get('crashloop') });
      seen.add(status);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect([...seen].sort()).toEqual(['CrashLoopBackOff', 'Error', 'Running']);
  }, 60_000);
});

describeWithKubectl('pods the simulation makes on its own, under churn', () => {
  let cluster: DemoCluster;

  beforeAll(async () => {
    cluster = await startDemoCluster({ seed: 13, pods: 300, churn: 60 });
  });
  afterAll(() => cluster.stop());

  /** Each pod's status with the resourceVersion it was read at. */
  const rowStatuses = async (): Promise<Map<string, { status: string; resourceVersion: string }>> =>
    new Map(
      (await call(cluster, '/api/v1/pods'))
        .json<{ items: KubeObject[] }>()
        .items.map((pod) => [`${pod.metadata?.namespace}/${pod.metadata?.name}/${pod.metadata?.uid}`, { status: podRow(pod).status ?? '', resourceVersion: String(pod.metadata?.resourceVersion) }]),
    );

  test('everyPodReadTheSameBeforeAndAfterKubectlReadsAsKubectlPrintsIt', async () => {
    const seen = new Set<string>();
    let compared = 0;
    for (let round = 0; round < 12; round++) {
      const before = await rowStatuses();
      const r = await kubectl(cluster.kubeconfigPath, ['get', 'pods', '-A']);
      const after = await rowStatuses();
      const [header = '', ...lines] = r.stdout.trimEnd().split('\n');
      const at = header.indexOf('STATUS');
      const printed = new Map(lines.map((l) => [l.split(/\s+/).slice(0, 2).join('/'), l.slice(at, header.indexOf('RESTARTS')).trim()]));
      for (const [key, { status, resourceVersion }] of before) {
        // A pod that changed while kubectl read says nothing about either reading. Its
        // resourceVersion says so, where its status may not: a crash loop once went Running,
        // CrashLoopBackOff and Running again while kubectl read (a loaded CI run), and kubectl
        // printed the middle one.
        if (after.get(key)?.resourceVersion !== resourceVersion) continue;
        const [ns, name] = key.split('/');
        const kubectlSays = printed.get(`${ns}/${name}`);
        if (kubectlSays === undefined) continue;
        expect({ pod: key, status }).toEqual({ pod: key, status: kubectlSays });
        seen.add(status);
        compared++;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(compared).toBeGreaterThan(1000);
    // What the simulation makes by itself: running pods, finished Job pods, crash loops.
    for (const status of ['Running', 'Completed']) expect(seen).toContain(status);
    // And some of its passing states (CrashLoopBackOff, Terminating, Pending, ContainerCreating), most runs.
    expect(seen.size).toBeGreaterThan(2);
  }, 90_000);
});
