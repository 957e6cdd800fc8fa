/**
 * What a panel or a Describe page says when the object it shows is not the live one any more:
 * deleted from the cluster, shown as last known; or, after such a deletion, a new object that
 * took the name (lib/openObject.ts).
 */
import { formatAge, formatClock } from '../lib/format.js';

/**
 * `at`: when the list dropped the object, which is when the API server's watch said it was
 * deleted (within a stream batch). `lastVersion`: the resourceVersion of what is shown, if known.
 */
export function DeletedNote({ where, at, now, lastVersion }: { where: string; at: number; now: number; lastVersion: string | null }) {
  return (
    <div className="problem problem-warning" role="status" data-testid="object-deleted" data-gone-at={new Date(at).toISOString()}>
      <strong>Deleted from the cluster at {formatClock(at)}</strong> ({formatAge(Math.max(0, now - at))} ago). What is shown of <span className="mono">{where}</span> is its last known state
      {lastVersion ? ` (resourceVersion ${lastVersion})` : ''}; the Events about it stay, and any that still arrive are added.
    </div>
  );
}

/** `uid`: the object shown; `before`: the deleted one of the same name that was shown until it came. */
export function ReplacedNote({ where, uid, before }: { where: string; uid: string; before: string }) {
  return (
    <div className="problem problem-warning" role="status" data-testid="object-replaced" data-uid={uid} data-replaced={before}>
      A new object took the name <span className="mono">{where}</span> (uid <span className="mono">{uid}</span>): the one shown before (uid <span className="mono">{before}</span>)
      was deleted. What is shown now, Events included, is the new one.
    </div>
  );
}

/**
 * A logs panel's pod was deleted: kubectl's follow ends with the container, and here the panel
 * stops asking for the logs of a pod the cluster no longer has, keeping the lines it received.
 */
export function LogsEndedNote({ where, at, now }: { where: string; at: number; now: number }) {
  return (
    <div className="problem problem-warning" role="status" data-testid="logs-ended" data-gone-at={new Date(at).toISOString()}>
      <strong>Deleted from the cluster at {formatClock(at)}</strong> ({formatAge(Math.max(0, now - at))} ago). The logs of <span className="mono">{where}</span> are no longer
      followed: the lines below are the last received before it went.
    </div>
  );
}

/**
 * The backend says the lines a logs panel holds are of a pod that was deleted (`upstream.ended`):
 * the panel's pod was deleted and the pods list has not said so yet, or a pod that took its name
 * is shown, whose own log is read once its container has started. Either way the lines are not
 * a live pod's, and the panel says whose they are.
 */
export function LogsOfDeletedPodNote({ where, another }: { where: string; another: boolean }) {
  if (another) {
    return (
      <div className="problem problem-warning" role="status" data-testid="logs-of-deleted-pod" data-another="true">
        <strong>This pod&apos;s log is not read yet.</strong> The log the backend holds under <span className="mono">{where}</span> is of the pod that had the name before and
        was deleted, so none of it is shown here; this pod&apos;s own log is, once its container has started.
      </div>
    );
  }
  return (
    <div className="problem problem-warning" role="status" data-testid="logs-of-deleted-pod">
      <strong>The lines below are of a pod that was deleted.</strong> The pod named <span className="mono">{where}</span> whose log they are is gone, and the log is complete. A
      pod that takes the name has a log of its own, shown here once its container has started.
    </div>
  );
}

/**
 * An address names an object the list, received whole, does not have: deleted before the page
 * opened, or never there. Nothing is held to show, and nothing is read for it (a read would be
 * a 404); `onClose` clears the address's selection.
 */
export function NotInListNote({ where, among, onClose, testId }: { where: string; among: string; onClose: () => void; testId: string }) {
  return (
    <div className="problem problem-warning" role="status" data-testid={testId}>
      <span className="mono">{where}</span> is not among the {among}: it was deleted before this page opened, or never existed.{' '}
      <button type="button" className="small" onClick={onClose}>
        Close
      </button>
    </div>
  );
}
