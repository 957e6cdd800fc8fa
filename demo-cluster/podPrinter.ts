/**
 * kube-apiserver's pod printer (`printPod` in pkg/printers/internalversion/printers.go), read in
 * its source and written here for the demo's Table: READY counts restartable init containers
 * (sidecars) with the main ones; STATUS walks init containers first (`Init:N/M`, `Init:<reason>`,
 * `Init:Signal:N`, `Init:ExitCode:N`), then, once initialised, the main containers from last to
 * first so the first one's state speaks; RESTARTS says how long ago the last one was. kubelive's
 * own reading of pods (adapters/kube/rows.ts) is written apart from this on purpose: the status
 * test compares the two through kubectl.
 */
import { humanAge, type Any } from './columns.js';
import type { KubeObject } from './store.js';

export interface PrintedPod {
  ready: string;
  status: string;
  restarts: string;
  readinessGates: string;
}

const isSidecar = (container: Any | undefined): boolean => container?.restartPolicy === 'Always';

/** The later of two RFC 3339 times, either absent. */
function later(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

/** A container that exited, named as the printer names it: its reason, else its signal, else its exit code. */
function exitText(terminated: Any): string {
  if (terminated.reason) return String(terminated.reason);
  if (terminated.signal) return `Signal:${terminated.signal}`;
  return `ExitCode:${terminated.exitCode ?? 0}`;
}

/** The row last printed: a Table asks for one pod's cells one after another, so one entry spares two of three walks. */
let last: { pod: KubeObject; now: number; printed: PrintedPod } | undefined;

export function printPod(pod: KubeObject, now: number): PrintedPod {
  if (last?.pod === pod && last.now === now) return last.printed;
  const printed = printPodOnce(pod, now);
  last = { pod, now, printed };
  return printed;
}

function printPodOnce(pod: KubeObject, now: number): PrintedPod {
  const spec = (pod.spec ?? {}) as Any;
  const status = (pod.status ?? {}) as Any;
  const conditions = (status.conditions ?? []) as Any[];
  const initSpecs = new Map<string, Any>(((spec.initContainers ?? []) as Any[]).map((c) => [c.name, c]));
  const conditionIs = (type: string, value: string): boolean => conditions.some((c) => c.type === type && c.status === value);

  const total = ((spec.containers ?? []) as Any[]).length + [...initSpecs.values()].filter(isSidecar).length;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart: string | undefined;
  let lastSidecarRestart: string | undefined;
  let reason: string = status.reason || status.phase || '';
  if (conditions.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  let initializing = false;
  const initStatuses = (status.initContainerStatuses ?? []) as Any[];
  for (const [index, c] of initStatuses.entries()) {
    const finished = c.lastState?.terminated?.finishedAt as string | undefined;
    restarts += Number(c.restartCount ?? 0);
    lastRestart = later(lastRestart, finished);
    const sidecar = isSidecar(initSpecs.get(c.name));
    if (sidecar) {
      sidecarRestarts += Number(c.restartCount ?? 0);
      lastSidecarRestart = later(lastSidecarRestart, finished);
    }
    const state = (c.state ?? {}) as Any;
    if (state.terminated && Number(state.terminated.exitCode ?? 0) === 0) continue;
    if (sidecar && c.started === true) {
      if (c.ready) ready++;
      continue;
    }
    initializing = true;
    if (state.terminated) reason = `Init:${exitText(state.terminated)}`;
    else if (state.waiting?.reason && state.waiting.reason !== 'PodInitializing') reason = `Init:${state.waiting.reason}`;
    else reason = `Init:${index}/${initSpecs.size}`;
    break;
  }

  if (!initializing || conditionIs('Initialized', 'True')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let anyRunning = false;
    const statuses = (status.containerStatuses ?? []) as Any[];
    for (const c of [...statuses].reverse()) {
      restarts += Number(c.restartCount ?? 0);
      lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt);
      const state = (c.state ?? {}) as Any;
      if (state.waiting?.reason) reason = String(state.waiting.reason);
      else if (state.terminated) reason = exitText(state.terminated);
      else if (c.ready && state.running) {
        anyRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && anyRunning) reason = conditionIs('Ready', 'True') ? 'Running' : 'NotReady';
  }

  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && status.phase !== 'Succeeded' && status.phase !== 'Failed') reason = 'Terminating';

  const gates = (spec.readinessGates ?? []) as Any[];
  const gatesTrue = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length;
  return {
    ready: `${ready}/${total}`,
    status: reason,
    restarts: restarts !== 0 && lastRestart ? `${restarts} (${humanAge(now - Date.parse(lastRestart))} ago)` : String(restarts),
    readinessGates: gates.length > 0 ? `${gatesTrue}/${gates.length}` : '<none>',
  };
}

/** A Job's STATUS as `printJob` chooses it: Complete, Failed, Terminating, Suspended, FailureTarget, else Running. */
export function jobStatus(job: KubeObject): string {
  const conditions = (((job.status ?? {}) as Any).conditions ?? []) as Any[];
  const has = (type: string): boolean => conditions.find((c) => c.type === type)?.status === 'True';
  if (has('Complete')) return 'Complete';
  if (has('Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  if (has('Suspended')) return 'Suspended';
  if (has('FailureTarget')) return 'FailureTarget';
  return 'Running';
}

/** A Node's STATUS as `printNode` builds it: Ready or NotReady from the Ready condition (Unknown when there is none), then SchedulingDisabled. */
export function nodeStatus(node: KubeObject): string {
  const readyCondition = ((((node.status ?? {}) as Any).conditions ?? []) as Any[]).find((c) => c.type === 'Ready');
  const parts = [readyCondition === undefined ? 'Unknown' : readyCondition.status === 'True' ? 'Ready' : 'NotReady'];
  if (((node.spec ?? {}) as Any).unschedulable === true) parts.push('SchedulingDisabled');
  return parts.join(',');
}
