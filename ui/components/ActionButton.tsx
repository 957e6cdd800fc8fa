/**
 * A button that acts on one object: its accessible name says which ("Drain demo-worker-1",
 * "Delete pod shop/web-1"), a click opens the ActionDialog, and while the action is pending the
 * button says so ("Draining…") even with the dialog closed. The action's life is actionMachine's.
 *
 * An object the cluster no longer has (a panel keeps a deleted one shown, hooks/useOpenObject.ts)
 * has nothing to act on: the button stays, disabled, and the reason is written beside it, as
 * text one sees and as the button's description (aria-describedby) a screen reader reads with it;
 * not only in a title, which needs a mouse (docs/ui.md, "Actions on a deleted object"). A dialog
 * already open is for the object it was opened on, by uid: if that one goes, or another takes its
 * name, it sends nothing (ActionDialog's `stale`).
 */
import { useMachine } from '@xstate/react';
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { actionLabel, actionVerb, deletedReason, objectLabel, staleReason, type ActionRequest } from '../lib/actions.js';
import { useEngine } from '../hooks/engine.js';
import { actionMachine } from '../lib/actionMachine.js';
import { ActionDialog, StreamWatch, type ActionPhase } from './ActionDialog.js';

const pendingWords: Record<ActionRequest['action'], string> = {
  cordon: 'Cordoning…',
  uncordon: 'Uncordoning…',
  drain: 'Draining…',
  'delete-pod': 'Deleting…',
  restart: 'Restarting…',
  scale: 'Scaling…',
  suspend: 'Suspending…',
  resume: 'Resuming…',
};

/**
 * Why a deleted object's buttons are disabled, written once beside them (`id` for their
 * aria-describedby). A group of buttons on one object (WorkloadActions) shows one for all.
 */
export function DeletedReason({ id, text }: { id: string; text: string }) {
  return (
    <span id={id} className="action-reason" data-testid="action-reason">
      {text}
    </span>
  );
}

/**
 * `uid`: the object the button is about, as the view shows it now; `goneAt`: when the cluster
 * deleted it (the panel still shows it), null while the cluster has it. `reason`: the
 * DeletedReason a group shows for all its buttons; without it the button shows its own.
 */
export function ActionButton({
  request: asked,
  uid,
  goneAt = null,
  rowVersion,
  testId,
  className = 'small',
  reason: shared,
}: {
  request: ActionRequest;
  uid: string;
  goneAt?: number | null;
  rowVersion: string | null;
  testId?: string;
  className?: string;
  reason?: { id: string; text: string };
}) {
  // The action goes to the cluster whose rows the button sits on: the engine it is rendered under.
  const { cluster } = useEngine();
  const request: ActionRequest = { ...(cluster === null || asked.cluster !== undefined ? asked : { ...asked, cluster }), uid };
  const ownReasonId = useId();
  const reason = goneAt === null ? null : (shared ?? { id: ownReasonId, text: deletedReason(request.object, [request.action], goneAt) });
  // A fresh machine per opening: `key` changes with each click.
  const [opening, setOpening] = useState(0);
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  return (
    <>
      <button
        ref={button}
        type="button"
        className={className}
        aria-label={pending ? `${pendingWords[request.action]} ${objectLabel(request.object)}` : actionLabel(request.action, request.object)}
        disabled={(pending && !open) || (reason !== null && !pending)}
        title={reason && !pending ? reason.text : undefined}
        aria-describedby={reason && !pending ? reason.id : undefined}
        onClick={(e) => {
          e.stopPropagation(); // the row's own click opens the object's panel
          setOpening((n) => n + 1);
          setOpen(true);
        }}
        data-testid={testId}
      >
        {pending ? pendingWords[request.action] : actionVerb(request.action)}
      </button>
      {reason && !pending && !shared ? <DeletedReason {...reason} /> : null}
      {opening > 0 ? (
        <ActionRun
          key={opening}
          request={request}
          live={{ uid, goneAt }}
          rowVersion={rowVersion}
          open={open}
          onClose={() => {
            setOpen(false);
            // Back to where the keyboard was before the dialog opened.
            button.current?.focus();
          }}
          onPending={setPending}
        />
      ) : null}
    </>
  );
}

/**
 * One run of the action: the machine lives here, so closing the dialog does not forget what is
 * pending. The request is the one of the opening, uid included: props that move on to another
 * object of the same name must not change what Confirm sends.
 */
function ActionRun({
  request: current,
  live,
  rowVersion,
  open,
  onClose,
  onPending,
}: {
  request: ActionRequest;
  live: { uid: string; goneAt: number | null };
  rowVersion: string | null;
  open: boolean;
  onClose: () => void;
  onPending: (pending: boolean) => void;
}) {
  const [opened] = useState(current);
  // What moves with the row (a scale's replicas now, a CronJob's suspend flipping) is still this object's, so it is taken; the uid is not.
  const request: ActionRequest = { ...current, uid: opened.uid } as ActionRequest;
  const stale = staleReason(opened, live);
  const [snapshot, send] = useMachine(actionMachine, { input: { request } });
  const phase = snapshot.value as ActionPhase;
  const pending = phase === 'sending' || phase === 'awaitingStream';
  useEffect(() => onPending(pending), [pending, onPending]);
  const onArrived = useCallback(() => send({ type: 'STREAM.ARRIVED' }), [send]);
  const context = snapshot.context;
  return (
    <>
      {/* Watches while pending whether or not the dialog is open: the button settles when the stream shows the change. */}
      {phase === 'awaitingStream' || phase === 'unconfirmed' ? <StreamWatch request={context.request} answer={context.answer} before={context.before} onArrived={onArrived} /> : null}
      {open ? <ActionDialog
      request={request}
      phase={phase}
      answer={snapshot.context.answer}
      refusal={snapshot.context.refusal}
      confirmedRequest={snapshot.context.request}
      before={snapshot.context.before}
      stale={stale}
      onConfirm={(confirmed) => stale === null && send({ type: 'ACTION.CONFIRM', request: confirmed, before: rowVersion })}
      onArrived={onArrived}
      onClose={() => {
        if (phase === 'confirming') send({ type: 'ACTION.CANCEL' });
        onClose();
      }}
    /> : null}
    </>
  );
}
