/**
 * What an operator does to a workload, beside its YAML: Restart a Deployment, StatefulSet or
 * DaemonSet, Scale a Deployment or StatefulSet, Suspend or Resume a CronJob; each confirmed
 * (ActionButton). `workload` is its row as the stream keeps it now, or as last seen once the
 * cluster deleted it at `goneAt` (the buttons are then disabled, saying why).
 */
import type { WorkloadRow } from '../../adapters/rows.js';
import { ActionButton } from './ActionButton.js';

export function WorkloadActions({ workload, goneAt = null }: { workload: WorkloadRow; goneAt?: number | null }) {
  const { kind, namespace, name, resourceVersion, uid } = workload;
  const buttons = [];
  if (kind === 'Deployment' || kind === 'StatefulSet' || kind === 'DaemonSet') {
    buttons.push(<ActionButton key="restart" request={{ action: 'restart', object: { kind, namespace, name } }} uid={uid} goneAt={goneAt} rowVersion={resourceVersion} testId="action-restart" />);
  }
  if (kind === 'Deployment' || kind === 'StatefulSet') {
    buttons.push(<ActionButton key="scale" request={{ action: 'scale', object: { kind, namespace, name }, replicas: workload.desired }} uid={uid} goneAt={goneAt} rowVersion={resourceVersion} testId="action-scale" />);
  }
  if (kind === 'CronJob') {
    const action = workload.suspended ? 'resume' : 'suspend';
    // One button whose action flips with the row: the same component, so a pending suspend's dialog stays open as the row turns.
    buttons.push(<ActionButton key="suspend-resume" request={{ action, object: { kind, namespace, name } }} uid={uid} goneAt={goneAt} rowVersion={resourceVersion} testId={`action-${action}`} />);
  }
  return <span className="action-cell">{buttons}</span>;
}
