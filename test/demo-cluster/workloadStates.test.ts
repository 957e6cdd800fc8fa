/**
 * Workload status read two ways that share no code: kubelive's row status (adapters/kube/rows.ts
 * `workloadStatus`) and `kubectl rollout status --watch=false`, for every Deployment, StatefulSet
 * and DaemonSet of the demo cluster with its troubleshooting scenario (a paused Deployment, a
 * rollout past its deadline, one its quota blocks). kubectl says a rollout is done, waiting, or
 * past its deadline; kubelive's word must say the same. A Job's STATUS is kubectl's own word, so
 * there the two must be equal.
 */
import { workloadRow, type KubeObject } from '../../adapters/kube/rows.js';
import type { WorkloadKind } from '../../adapters/rows.js';
import { startDemoCluster, type DemoCluster } from '../../demo-cluster/index.js';
import { call, kubectl, kubectlPath } from './client.js';

const describeWithKubectl = kubectlPath ? describe : describe.skip;

/** What kubectl rollout status says, in three words. */
function rolloutVerdict(r: { stdout: string; stderr: string }): string {
  if (r.stderr.includes('exceeded its progress deadline')) return 'deadline';
  if (/successfully rolled out|rolling update complete/.test(r.stdout)) return 'done';
  if (r.stdout.startsWith('Waiting for')) return 'waiting';
  return `unexpected: ${r.stdout}${r.stderr}`;
}

/** kubelive's words for each verdict: a paused Deployment that finished its rollout is done to kubectl. */
const verdictOf: Record<string, string> = {
  Available: 'done',
  Paused: 'done',
  Progressing: 'waiting',
  Unavailable: 'waiting',
  ReplicaFailure: 'waiting',
  ProgressDeadlineExceeded: 'deadline',
};

const kinds: [WorkloadKind, string, string][] = [
  ['Deployment', '/apis/apps/v1/deployments', 'deployment'],
  ['StatefulSet', '/apis/apps/v1/statefulsets', 'statefulset'],
  ['DaemonSet', '/apis/apps/v1/daemonsets', 'daemonset'],
];

describeWithKubectl('workload status: kubelive against kubectl rollout status', () => {
  let cluster: DemoCluster;

  beforeAll(async () => {
    cluster = await startDemoCluster({ seed: 17, pods: 400, scenarios: true });
  });
  afterAll(() => cluster.stop());

  test('everyRolloutReadsTheSameBothWays', async () => {
    const seen = new Set<string>();
    for (const [kind, path, resource] of kinds) {
      for (const object of (await call(cluster, path)).json<{ items: KubeObject[] }>().items) {
        const { name = '', namespace = '' } = object.metadata ?? {};
        const status = workloadRow(kind)(object).status ?? '';
        const r = await kubectl(cluster.kubeconfigPath, ['rollout', 'status', `${resource}/${name}`, '-n', namespace, '--watch=false']);
        expect({ workload: `${kind} ${namespace}/${name}`, status, kubectl: verdictOf[status] }).toEqual({ workload: `${kind} ${namespace}/${name}`, status, kubectl: rolloutVerdict(r) });
        seen.add(status);
      }
    }
    for (const status of ['Available', 'Paused', 'ProgressDeadlineExceeded', 'ReplicaFailure']) expect(seen).toContain(status);
  }, 120_000);

  test('everyJobsStatusIsWhatKubectlPrints', async () => {
    const r = await kubectl(cluster.kubeconfigPath, ['get', 'jobs', '-A']);
    const [header = '', ...lines] = r.stdout.trimEnd().split('\n');
    const at = header.indexOf('STATUS');
    const printed = new Map(lines.map((l) => [l.split(/\s+/).slice(0, 2).join('/'), l.slice(at, header.indexOf('COMPLETIONS')).trim()]));
    const jobs = (await call(cluster, '/apis/batch/v1/jobs')).json<{ items: KubeObject[] }>().items;
    expect(jobs.length).toBe(printed.size);
    const statuses = jobs.map((job) => ({ job: `${job.metadata?.namespace}/${job.metadata?.name}`, status: workloadRow('Job')(job).status }));
    expect(statuses).toEqual(statuses.map(({ job }) => ({ job, status: printed.get(job) })));
    expect(new Set(statuses.map((s) => s.status))).toEqual(new Set(['Complete', 'Failed', 'Suspended']));
  });
});
