/**
 * A button that acts on one object: its accessible name says which ("Drain demo-worker-1",
 * "Delete pod shop/web-1"), a click opens the ActionDialog, and while the action is pending the
 * button says so ("Draining…") even with the dialog closed. The action's life is actionMachine's.
 */
import { useMachine } from '@xstate/react';
import { useCallback, useEffect, useRef, useState } from 'react';
import { actionLabel, actionVerb, objectLabel, type ActionRequest } from '../lib/actions.js';
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

export function ActionButton({ request: asked, rowVersion, testId, className = 'small' }: { request: ActionRequest; rowVersion: string | null; testId?: string; className?: string }) {
  // The action goes to the cluster whose rows the button sits on: the engine it is rendered under.
  const { cluster } = useEngine();
  const request: ActionRequest = cluster === null || asked.cluster !== undefined ? asked : { ...asked, cluster };
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
        disabled={pending && !open}
        onClick={(e) => {
          e.stopPropagation(); // the row's own click opens the object's panel
          setOpening((n) => n + 1);
          setOpen(true);
        }}
        data-testid={testId}
      >
        {pending ? pendingWords[request.action] : actionVerb(request.action)}
      </button>
      {opening > 0 ? (
        <ActionRun
          key={opening}
          request={request}
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

/** One run of the action: the machine lives here, so closing the dialog does not forget what is pending. */
function ActionRun({ request, rowVersion, open, onClose, onPending }: { request: ActionRequest; rowVersion: string | null; open: boolean; onClose: () => void; onPending: (pending: boolean) => void }) {
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
      onConfirm={(confirmed) => send({ type: 'ACTION.CONFIRM', request: confirmed, before: rowVersion })}
      onArrived={onArrived}
      onClose={() => {
        if (phase === 'confirming') send({ type: 'ACTION.CANCEL' });
        onClose();
      }}
    /> : null}
    </>
  );
}
