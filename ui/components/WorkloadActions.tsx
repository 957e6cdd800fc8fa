/**
 * What an operator does to a workload, beside its YAML: Restart a Deployment, StatefulSet or
 * DaemonSet, Scale a Deployment or StatefulSet, Suspend or Resume a CronJob; each confirmed
 * (ActionButton). `workload` is its row as the stream keeps it now, or as last seen once the
 * cluster deleted it at `goneAt` (the buttons are then disabled, and one sentence beside them,
 * their description, says why for all of them).
 */
import { useId } from 'react';
import type { WorkloadRow } from '../../adapters/rows.js';
import { deletedReason, type ActionName } from '../lib/actions.js';
import { ActionButton, DeletedReason } from './ActionButton.js';

export function WorkloadActions({ workload, goneAt = null }: { workload: WorkloadRow; goneAt?: number | null }) {
  const { kind, namespace, name, resourceVersion, uid } = workload;
  const reasonId = useId();
  const restartable = kind === 'Deployment' || kind === 'StatefulSet' || kind === 'DaemonSet';
  const scalable = kind === 'Deployment' || kind === 'StatefulSet';
  const suspendable = kind === 'CronJob';
  const suspendOrResume = workload.suspended ? 'resume' : 'suspend';
  const actions: ActionName[] = [];
  if (restartable) actions.push('restart');
  if (scalable) actions.push('scale');
  if (suspendable) actions.push(suspendOrResume);
  const reason = goneAt === null || actions.length === 0 ? undefined : { id: reasonId, text: deletedReason({ kind, namespace, name }, actions, goneAt) };
  const common = { uid, goneAt, rowVersion: resourceVersion, reason };
  const buttons = [];
  if (restartable) buttons.push(<ActionButton key="restart" request={{ action: 'restart', object: { kind, namespace, name } }} testId="action-restart" {...common} />);
  if (scalable) buttons.push(<ActionButton key="scale" request={{ action: 'scale', object: { kind, namespace, name }, replicas: workload.desired }} testId="action-scale" {...common} />);
  if (suspendable) {
    // One button whose action flips with the row: the same component, so a pending suspend's dialog stays open as the row turns.
    buttons.push(<ActionButton key="suspend-resume" request={{ action: suspendOrResume, object: { kind, namespace, name } }} testId={`action-${suspendOrResume}`} {...common} />);
  }
  return (
    <span className="action-cell">
      {reason ? <DeletedReason {...reason} /> : null}
      {buttons}
    </span>
  );
}
