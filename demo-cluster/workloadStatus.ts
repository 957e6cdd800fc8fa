/**
 * What a controller's status says, computed from its pods, and the pod template a controller
 * stamps its pods from: shared by the generator and the live controllers.
 */
import type { PodTemplate } from './objects.js';
import type { KubeObject } from './store.js';

/** The pod template of a controller (ReplicaSet, StatefulSet, DaemonSet, Job), as new pods get it. */
export function podTemplateOf(owner: KubeObject): PodTemplate {
  const spec = owner.spec as {
    template: {
      metadata: { labels: Record<string, string> };
      spec: { containers: { name: string; image: string; resources?: { requests?: { cpu?: string; memory?: string } } }[]; restartPolicy?: PodTemplate['restartPolicy']; tolerations?: { key?: string }[] };
    };
  };
  const pod = spec.template.spec;
  return {
    labels: spec.template.metadata.labels,
    // A client's template may request nothing (a BestEffort pod): its metrics start from zero.
    containers: pod.containers.map((c) => ({ name: c.name, image: c.image, cpuMilli: parseInt(c.resources?.requests?.cpu ?? '0', 10) || 0, memoryMi: parseInt(c.resources?.requests?.memory ?? '0', 10) || 0 })),
    restartPolicy: pod.restartPolicy ?? 'Always',
    tolerateControlPlane: (pod.tolerations ?? []).some((t) => t.key === 'node-role.kubernetes.io/control-plane'),
  };
}

export function isPodReady(pod: KubeObject): boolean {
  const conditions = (pod.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

export function replicaStatus(pods: KubeObject[]): Record<string, unknown> {
  const ready = pods.filter(isPodReady).length;
  return { replicas: pods.length, fullyLabeledReplicas: pods.length, readyReplicas: ready, availableReplicas: ready, observedGeneration: 1 };
}

export function deploymentStatus(deployment: KubeObject, pods: KubeObject[], replicas: number, updated = pods.length): Record<string, unknown> {
  const ready = pods.filter(isPodReady).length;
  const at = deployment.metadata.creationTimestamp;
  return {
    observedGeneration: deployment.metadata.generation ?? 1,
    replicas: pods.length,
    updatedReplicas: updated,
    readyReplicas: ready,
    availableReplicas: ready,
    ...(pods.length - ready > 0 ? { unavailableReplicas: pods.length - ready } : {}),
    conditions: [
      { type: 'Available', status: ready >= Math.max(1, Math.floor(replicas * 0.75)) || replicas === 0 ? 'True' : 'False', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastUpdateTime: at, lastTransitionTime: at },
      { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet has successfully progressed.`, lastUpdateTime: at, lastTransitionTime: at },
    ],
  };
}
