/**
 * A workload's status word, from the conditions its controller writes (the shapes kube-controller-
 * manager writes, e.g. Progressing False with ProgressDeadlineExceeded) and for Jobs in kubectl's
 * printJob order.
 */
import { workloadRow, workloadStatus, type KubeObject } from '../../../adapters/kube/rows.js';
import type { WorkloadKind } from '../../../adapters/rows.js';

const c = (type: string, status: string, reason = '', message = '') => ({ type, status, reason, message });
const object = (spec: object, status: object, metadata: object = {}): KubeObject => ({ metadata: { name: 'w', namespace: 'ns', uid: 'u', resourceVersion: '1', ...metadata }, spec, status });
const healthy = [c('Available', 'True', 'MinimumReplicasAvailable'), c('Progressing', 'True', 'NewReplicaSetAvailable')];

test.each<[string, WorkloadKind, KubeObject, string]>([
  ['a Deployment with every replica updated and ready', 'Deployment', object({ replicas: 2 }, { replicas: 2, updatedReplicas: 2, readyReplicas: 2, conditions: healthy }), 'Available'],
  ['a paused Deployment', 'Deployment', object({ replicas: 2, paused: true }, { replicas: 2, updatedReplicas: 2, readyReplicas: 2, conditions: [c('Progressing', 'Unknown', 'DeploymentPaused')] }), 'Paused'],
  ['a rollout past its deadline', 'Deployment', object({ replicas: 2 }, { replicas: 3, updatedReplicas: 1, readyReplicas: 2, conditions: [c('Available', 'True'), c('Progressing', 'False', 'ProgressDeadlineExceeded', 'ReplicaSet "x" has timed out progressing.')] }), 'ProgressDeadlineExceeded'],
  ['a Deployment whose pods cannot be created', 'Deployment', object({ replicas: 1 }, { conditions: [c('Available', 'False'), c('ReplicaFailure', 'True', 'FailedCreate', 'exceeded quota')] }), 'ReplicaFailure'],
  ['a Deployment below its minimum', 'Deployment', object({ replicas: 4 }, { replicas: 4, updatedReplicas: 4, readyReplicas: 1, conditions: [c('Available', 'False', 'MinimumReplicasUnavailable'), c('Progressing', 'True', 'ReplicaSetUpdated')] }), 'Unavailable'],
  ['a rollout under way', 'Deployment', object({ replicas: 2 }, { replicas: 3, updatedReplicas: 1, readyReplicas: 2, conditions: [c('Available', 'True'), c('Progressing', 'True', 'ReplicaSetUpdated')] }), 'Progressing'],
  ['a StatefulSet short of ready', 'StatefulSet', object({ replicas: 3 }, { readyReplicas: 2, updatedReplicas: 3 }), 'Progressing'],
  ['a StatefulSet still on its old revision', 'StatefulSet', object({ replicas: 3 }, { readyReplicas: 3, updatedReplicas: 3, currentRevision: 'db-1', updateRevision: 'db-2' }), 'Progressing'],
  ['a StatefulSet rolled out', 'StatefulSet', object({ replicas: 3 }, { readyReplicas: 3, updatedReplicas: 3, currentRevision: 'db-2', updateRevision: 'db-2' }), 'Available'],
  ['a DaemonSet on every node', 'DaemonSet', object({}, { desiredNumberScheduled: 3, numberReady: 3, updatedNumberScheduled: 3 }), 'Available'],
  ['a finished Job', 'Job', object({ completions: 1 }, { succeeded: 1, conditions: [c('SuccessCriteriaMet', 'True'), c('Complete', 'True')] }), 'Complete'],
  ['a Job past its backoff limit', 'Job', object({}, { failed: 1, conditions: [c('FailureTarget', 'True'), c('Failed', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit')] }), 'Failed'],
  ['a suspended Job', 'Job', object({ suspend: true }, { conditions: [c('Suspended', 'True', 'JobSuspended')] }), 'Suspended'],
  ['a Job being deleted', 'Job', object({}, { active: 1 }, { deletionTimestamp: '2026-11-30T10:00:00Z' }), 'Terminating'],
  ['a Job at work', 'Job', object({}, { active: 1 }), 'Running'],
  ['a suspended CronJob', 'CronJob', object({ suspend: true }, {}), 'Suspended'],
  ['a CronJob with a Job running', 'CronJob', object({}, { active: [{ name: 'j' }] }), 'Active'],
  ['a quiet CronJob', 'CronJob', object({}, {}), 'Scheduled'],
])('%s reads %s', (_what, kind, o, expected) => {
  expect(workloadStatus(kind, o).status).toBe(expected);
  expect(workloadRow(kind)(o).status).toBe(expected);
});

test('the deciding condition speaks for a workload in trouble, and conditions travel with the row', () => {
  const o = object({ replicas: 1 }, { conditions: [c('Available', 'False'), c('ReplicaFailure', 'True', 'FailedCreate', 'exceeded quota: compute')] });
  const row = workloadRow('Deployment')(o);
  expect(row).toMatchObject({ status: 'ReplicaFailure', statusMessage: 'exceeded quota: compute' });
  expect(row.conditions?.map((x) => x.type)).toEqual(['Available', 'ReplicaFailure']);
});
