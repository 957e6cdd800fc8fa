/**
 * The Eviction subresource (`POST /api/v1/namespaces/NS/pods/NAME/eviction`, a policy/v1 or
 * v1beta1 Eviction body): a pod deletion that asks the pod's PodDisruptionBudget first, as
 * kube-apiserver's EvictionREST does (pkg/registry/core/pod/storage/eviction.go, read at 1.31):
 * - a pod that is Pending, finished or already Terminating has caused its disruption already and
 *   is deleted without asking any budget;
 * - a pod covered by more than one budget is refused with a 500, which the real server gives too;
 * - a pod that is not ready, under a budget that has the healthy pods it needs, is deleted
 *   without spending the budget (it is not counted as healthy);
 * - otherwise a budget with no disruption left is a 429 TooManyRequests whose cause
 *   (`DisruptionBudget`) says how many healthy pods it needs and has; one with disruptions left
 *   is decremented, records the pod in `status.disruptedPods`, and the pod is deleted gracefully.
 * The budget's status is written before the pod's deletion, so a second eviction in the same
 * moment sees the decrement (the real server gets the same from its conflict retry).
 */
import { isoAt } from './generate.js';
import { ApiError, badRequest } from './status.js';
import type { KubeObject, ObjectStore } from './store.js';
import type { Stores } from './stores.js';
import { isPodReady } from './workloadStatus.js';

export interface EvictionContext {
  readonly stores: Stores;
  /** Deletes a pod gracefully, as a DELETE would (Simulation.deletePod). */
  readonly deletePod: (namespace: string, name: string, gracePeriodSeconds?: number) => KubeObject | undefined;
  readonly now: () => number;
}

export interface EvictionRequest {
  readonly gracePeriodSeconds: number | undefined;
  readonly dryRun: boolean;
}

/** The Status a successful eviction answers, with 201 as the real server's create does. */
export const evictionSucceeded = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };

const evictionVersions = new Set(['policy/v1', 'policy/v1beta1']);

/**
 * Reads an Eviction body: 400 for anything that is not one, or whose name is not the URL's, in
 * the words kube-apiserver uses.
 */
export function parseEviction(body: unknown, podName: string, queryDryRun: boolean): EvictionRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the request body must be an Eviction object');
  const b = body as { kind?: unknown; apiVersion?: unknown; metadata?: { name?: unknown }; deleteOptions?: unknown };
  if (b.kind !== undefined && b.kind !== 'Eviction') throw badRequest(`not a Eviction object: ${String(b.kind)}`);
  if (b.apiVersion !== undefined && !evictionVersions.has(String(b.apiVersion))) throw badRequest(`Eviction in version "${String(b.apiVersion)}" cannot be handled as a Eviction: no kind "Eviction" is registered for that version`);
  if (b.metadata?.name !== podName) throw badRequest('name in URL does not match name in Eviction object');
  let gracePeriodSeconds: number | undefined;
  let dryRun = queryDryRun;
  const options = b.deleteOptions;
  if (options !== undefined && options !== null) {
    if (typeof options !== 'object' || Array.isArray(options)) throw badRequest('deleteOptions must be a DeleteOptions object');
    const o = options as { gracePeriodSeconds?: unknown; dryRun?: unknown };
    if (o.gracePeriodSeconds !== undefined && o.gracePeriodSeconds !== null) {
      const g = o.gracePeriodSeconds;
      if (typeof g !== 'number' || !Number.isInteger(g) || g < 0) throw badRequest(`gracePeriodSeconds: Invalid value: ${JSON.stringify(g)}: must be a whole number of seconds, 0 or more`);
      gracePeriodSeconds = g;
    }
    if (o.dryRun !== undefined && o.dryRun !== null) {
      if (!Array.isArray(o.dryRun) || o.dryRun.some((v) => v !== 'All')) throw new ApiError(422, 'Invalid', `DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ${JSON.stringify(o.dryRun)}: supported values: "All"`);
      // The query and the body may both say it, but must not disagree.
      if (queryDryRun !== o.dryRun.length > 0 && queryDryRun) throw badRequest(`Non-matching dry-run options in request and content: [All] and ${JSON.stringify(o.dryRun)}`);
      dryRun = dryRun || o.dryRun.length > 0;
    }
  }
  return { gracePeriodSeconds, dryRun };
}

/** Evicts one pod, or throws the ApiError the real server answers. Returns what to answer on success. */
export function evictPod(ctx: EvictionContext, namespace: string, pod: KubeObject, request: EvictionRequest): { code: number; body: object } {
  const name = pod.metadata.name;
  if (canIgnoreBudget(pod)) {
    if (!request.dryRun) ctx.deletePod(namespace, name, request.gracePeriodSeconds);
    return { code: 201, body: evictionSucceeded };
  }
  const pdbs = ctx.stores.byName('poddisruptionbudgets.policy');
  const budgets = [...pdbs.values(namespace)].filter((pdb) => selects(pdb, pod));
  if (budgets.length > 1) {
    return { code: 500, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.', code: 500 } };
  }
  const budget = budgets[0];
  if (budget) {
    const status = (budget.status ?? {}) as BudgetStatus;
    const unhealthyAndCovered = !isPodReady(pod) && (status.currentHealthy ?? 0) >= (status.desiredHealthy ?? 0) && (status.desiredHealthy ?? 0) > 0;
    if (!unhealthyAndCovered) spendDisruption(ctx, pdbs, budget, name, request.dryRun);
  }
  if (!request.dryRun) ctx.deletePod(namespace, name, request.gracePeriodSeconds);
  return { code: 201, body: evictionSucceeded };
}

interface BudgetStatus {
  disruptionsAllowed?: number;
  currentHealthy?: number;
  desiredHealthy?: number;
  disruptedPods?: Record<string, string>;
  conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[];
}

/** kube-apiserver's checkAndDecrement: 429 when the budget has nothing left, else one disruption spent. */
function spendDisruption(ctx: EvictionContext, pdbs: ObjectStore, budget: KubeObject, podName: string, dryRun: boolean): void {
  const name = budget.metadata.name;
  const status = structuredClone((budget.status ?? {}) as BudgetStatus);
  const allowed = status.disruptionsAllowed ?? 0;
  if (allowed < 0) {
    throw new ApiError(403, 'Forbidden', `poddisruptionbudget.policy "${name}" is forbidden: pdb disruptions allowed is negative`, { name, group: 'policy', kind: 'poddisruptionbudget' });
  }
  if (allowed === 0) {
    throw new ApiError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
      causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently` }],
    });
  }
  if (dryRun) return;
  status.disruptionsAllowed = allowed - 1;
  if (status.disruptionsAllowed === 0) {
    // pdbhelper.UpdateDisruptionAllowedCondition: the condition turns False with the reason the controller would give.
    const at = isoAt(ctx.now());
    const others = (status.conditions ?? []).filter((c) => c.type !== 'DisruptionAllowed');
    status.conditions = [...others, { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', lastTransitionTime: at }];
  }
  status.disruptedPods = { ...(status.disruptedPods ?? {}), [podName]: isoAt(ctx.now()) };
  pdbs.replace({ ...budget, metadata: { ...budget.metadata }, status: status as Record<string, unknown> });
}

/** Pending, finished or Terminating: the disruption has happened already (canIgnorePDB). */
function canIgnoreBudget(pod: KubeObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata.deletionTimestamp !== undefined;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Whether a budget's selector picks the pod; an empty or missing selector picks nothing, as on a real server. */
function selects(pdb: KubeObject, pod: KubeObject): boolean {
  const selector = (pdb.spec as { selector?: LabelSelector } | undefined)?.selector;
  const labels = pod.metadata.labels ?? {};
  const matchLabels = Object.entries(selector?.matchLabels ?? {});
  const expressions = Array.isArray(selector?.matchExpressions) ? selector.matchExpressions : [];
  if (matchLabels.length === 0 && expressions.length === 0) return false;
  if (!matchLabels.every(([k, v]) => labels[k] === v)) return false;
  return expressions.every((e) => {
    const has = Object.hasOwn(labels, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        return has && values.includes(labels[e.key] as string);
      case 'NotIn':
        return !has || !values.includes(labels[e.key] as string);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        return false; // an invalid selector matches nothing
    }
  });
}
