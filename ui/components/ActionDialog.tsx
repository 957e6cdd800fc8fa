/**
 * The confirmation of an action, and its progress once confirmed. Before anything is sent it
 * names the cluster (the kubeconfig context the backend acts with) and the object, says what will
 * happen, and for a drain lists the pods it will evict and those it will leave; a scale asks for
 * the number here. Asked once: Confirm sends, and the same dialog then shows the action pending
 * until the stream brings the change back (StreamWatch), then done, or the API server's refusal
 * in its own words. Esc or Cancel before confirming sends nothing.
 */
import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { createPortal } from 'react-dom';
import type { NodeRow, PodRow, WorkloadRow } from '../../adapters/rows.js';
import { useDomain } from '../hooks/useDomain.js';
import { useRows } from '../hooks/useStore.js';
import { isLoading } from '../lib/freshness.js';
import {
  actionLabel,
  actionVerb,
  consequence,
  fetchActionCluster,
  fetchDrainPlan,
  hasArrived,
  maxReplicas,
  objectLabel,
  pendingText,
  type ActionAnswer,
  type ActionRequest,
  type ActionTarget,
  type DrainPlan,
} from '../lib/actions.js';
import './ActionDialog.css';

export type ActionPhase = 'confirming' | 'sending' | 'awaitingStream' | 'unconfirmed' | 'done' | 'refused' | 'cancelled';

export interface ActionDialogProps {
  readonly request: ActionRequest;
  readonly phase: ActionPhase;
  readonly answer: ActionAnswer | null;
  readonly refusal: { readonly status: number; readonly reason: string } | null;
  readonly confirmedRequest: ActionRequest;
  readonly before: string | null;
  /** Why this dialog must not act any more (its object was deleted, or replaced under its name); null while it may. */
  readonly stale?: string | null;
  readonly onConfirm: (request: ActionRequest) => void;
  readonly onArrived: () => void;
  readonly onClose: () => void;
}

export function ActionDialog(props: ActionDialogProps) {
  const { request, phase, answer, stale = null, onConfirm, onClose } = props;
  const titleId = useId();
  const [cluster, setCluster] = useState<ActionTarget | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [plan, setPlan] = useState<DrainPlan | null>(null);
  const [replicas, setReplicas] = useState(request.action === 'scale' ? String(request.replicas) : '');
  const firstControl = useRef<HTMLButtonElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const abort = new AbortController();
    fetchActionCluster(request.cluster, abort.signal).then(setCluster, (e: unknown) => !abort.signal.aborted && setProblem(`Which cluster this would act on is not known: ${e instanceof Error ? e.message : String(e)}`));
    if (request.action === 'drain') {
      fetchDrainPlan(request.object.name, request.cluster, abort.signal).then(setPlan, (e: unknown) => !abort.signal.aborted && setProblem(`The pods on ${request.object.name} could not be read: ${e instanceof Error ? e.message : String(e)}`));
    }
    return () => abort.abort();
    // One dialog, one object: read once when it opens.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // Cancel is focused first: Enter on an opened dialog must not be what acts.
  useEffect(() => firstControl.current?.focus(), []);
  const finished = phase === 'done' || phase === 'refused' || phase === 'unconfirmed';
  useEffect(() => {
    if (finished) closeButton.current?.focus();
  }, [finished]);

  const scaleTo = Number(replicas);
  const replicasValid = request.action !== 'scale' || (replicas.trim() !== '' && Number.isInteger(scaleTo) && scaleTo >= 0 && scaleTo <= maxReplicas);
  const confirmed: ActionRequest = request.action === 'scale' ? { ...request, replicas: scaleTo } : request;
  const ready = cluster !== null && (request.action !== 'drain' || plan !== null) && replicasValid && stale === null;
  const label = actionLabel(request.action, request.object);

  const dialog = useRef<HTMLDivElement>(null);
  const onKeyDown = (e: KeyboardEvent) => {
    // The dialog is rendered elsewhere but its events bubble through the list it was opened from: keep them here.
    e.stopPropagation();
    if (e.key === 'Escape' && phase !== 'sending') onClose();
    // Modal: Tab goes round the dialog's own controls, never to the page behind it.
    if (e.key === 'Tab' && dialog.current) {
      const controls = [...dialog.current.querySelectorAll<HTMLElement>('button:not(:disabled), input:not(:disabled), summary, [tabindex="0"]')];
      const first = controls[0];
      const last = controls[controls.length - 1];
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last?.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first?.focus();
      }
    }
  };

  return createPortal(
    <div className="action-backdrop" onClick={(e) => e.stopPropagation()} onKeyDown={onKeyDown}>
      <div className="action-dialog" ref={dialog} role="dialog" aria-modal="true" aria-labelledby={titleId} data-testid="action-dialog" data-phase={phase}>
        {/* A question until it is asked; then the name of what is under way. */}
        <h2 id={titleId}>{phase === 'confirming' ? `${label}?` : label}</h2>
        <dl className="action-facts">
          <dt>Cluster</dt>
          <dd data-testid="action-cluster">
            {cluster ? (
              <>
                <strong className="mono">{cluster.cluster}</strong>
                <span className="muted">
                  {' '}
                  (context; cluster <span className="mono">{cluster.clusterEntry}</span> at <span className="mono">{cluster.server}</span>, as user <span className="mono">{cluster.user}</span>)
                </span>
              </>
            ) : (
              <span className="muted">reading…</span>
            )}
          </dd>
          <dt>{request.object.kind}</dt>
          <dd className="mono" data-testid="action-object">
            {objectLabel(request.object)}
          </dd>
          {request.action === 'scale' ? (
            <>
              <dt>Replicas now</dt>
              <dd>{request.replicas}</dd>
            </>
          ) : null}
        </dl>
        <p className="action-consequence">{consequence(confirmed)}</p>
        {request.action === 'scale' ? (
          <label className="field">
            Replicas
            <input
              type="number"
              min={0}
              max={maxReplicas}
              step={1}
              value={replicas}
              disabled={phase !== 'confirming'}
              onChange={(e) => setReplicas(e.target.value)}
              aria-invalid={!replicasValid}
              data-testid="action-replicas"
            />
            {replicasValid ? null : <span className="bad">a whole number from 0 to {maxReplicas}</span>}
          </label>
        ) : null}
        {request.action === 'drain' ? (
          phase === 'confirming' || phase === 'cancelled' ? <DrainPlanList plan={plan} answer={answer} live={null} node={request.object.name} /> : <DrainProgress plan={plan} answer={answer} node={request.object.name} />
        ) : null}
        {stale !== null && phase === 'confirming' ? (
          <div className="problem problem-warning" role="status" data-testid="action-stale">
            {stale}
          </div>
        ) : null}
        {problem ? (
          <div className="problem problem-error" role="alert">
            {problem}
          </div>
        ) : null}
        <Progress {...props} />
        <div className="action-buttons">
          {phase === 'confirming' ? (
            <>
              <button type="button" ref={firstControl} onClick={onClose} data-testid="action-cancel">
                Cancel
              </button>
              <button type="button" className="danger" disabled={!ready} onClick={() => onConfirm(confirmed)} data-testid="action-confirm">
                {actionVerb(request.action)} {request.object.kind === 'Node' ? '' : `${request.object.kind.toLowerCase()} `}
                {request.object.name}
                {request.action === 'scale' && replicasValid ? ` to ${scaleTo}` : ''}
              </button>
            </>
          ) : (
            <button type="button" ref={closeButton} onClick={onClose} disabled={phase === 'sending'} data-testid="action-close">
              Close
            </button>
          )}
        </div>
      </div>
    </div>,
    document.body,
  );
}

/** What happened since Confirm: sent, accepted and waiting for the stream, done, or refused in the API server's words. */
function Progress({ request, phase, answer, refusal }: ActionDialogProps) {
  if (phase === 'confirming' || phase === 'cancelled') return null;
  if (phase === 'refused') {
    return (
      <div className="problem problem-error action-refusal" role="alert" data-testid="action-refusal">
        <strong>Refused{refusal && refusal.status > 0 ? ` (${refusal.status})` : ''}:</strong> {refusal?.reason}
      </div>
    );
  }
  // A drain that left pods behind is done as far as it went: said as a warning, with the pods marked above.
  const partial = answer?.complete === false;
  const text =
    phase === 'sending'
      ? `Sending to the API server…`
      : phase === 'awaitingStream'
        ? `${answer?.message ?? 'Accepted'}: ${pendingText(request)}…`
        : phase === 'unconfirmed'
          ? `${answer?.message ?? 'Accepted'}, but the stream has not shown it yet: ${pendingText(request)}.`
          : partial
            ? `${answer?.message ?? ''}. The stream shows the evicted pods going; those marked blocked or failed are still on the node.`
            : `Done: ${answer?.message ?? ''}, and the stream shows it.`;
  return (
    <div className={`action-progress ${phase === 'done' ? (partial ? 'partial' : 'ok') : ''}`} role="status" data-testid="action-progress">
      {phase === 'done' ? null : <span className="spinner" aria-hidden="true" />} {text}
    </div>
  );
}

/**
 * A drain under way: the listed pods as the stream shows them while the backend evicts (a drain
 * answers only when it is over, up to `drainTimeoutMs` later), then the backend's word on each.
 */
function DrainProgress({ plan, answer, node }: { plan: DrainPlan | null; answer: ActionAnswer | null; node: string }) {
  const pods = useDomain('pods', '');
  const rows = useRows<PodRow>(pods.key);
  const live = useMemo(() => new Map(rows.map((p) => [`${p.namespace}/${p.name}`, p])), [rows]);
  return <DrainPlanList plan={plan} answer={answer} live={isLoading(pods.status, rows.length) ? null : live} node={node} />;
}

/** What the stream says of a pod the drain listed: still running there, Terminating, or gone from the node. */
function streamState(pod: PodRow | undefined, node: string): 'running' | 'terminating' | 'gone' {
  if (!pod || pod.nodeName !== node) return 'gone';
  return pod.deleting ? 'terminating' : 'running';
}

/** For a drain: the pods it will evict and those it leaves; while it runs, each as the stream shows it; once answered, what became of each. */
function DrainPlanList({ plan, answer, live, node }: { plan: DrainPlan | null; answer: ActionAnswer | null; live: ReadonlyMap<string, PodRow> | null; node: string }) {
  if (!plan) return <div className="muted">Reading the pods on the node…</div>;
  const outcome = new Map((answer?.pods ?? []).map((p) => [`${p.namespace}/${p.name}`, p]));
  return (
    <div className="drain-plan">
      <h3>
        {plan.evict.length === 0 ? 'No pod to evict' : `Pods it will evict (${plan.evict.length})`}
      </h3>
      {/* It scrolls past a dozen pods: focusable, so the keyboard can scroll it too. */}
      <ul data-testid="drain-evict" tabIndex={0} aria-label="Pods it will evict">
        {plan.evict.map((p) => {
          const o = outcome.get(`${p.namespace}/${p.name}`);
          const seen = live ? streamState(live.get(`${p.namespace}/${p.name}`), node) : null;
          return (
            <li key={`${p.namespace}/${p.name}`} data-outcome={o?.outcome ?? ''} data-stream={seen ?? ''}>
              <span className="mono">
                {p.namespace}/{p.name}
              </span>
              {seen && seen !== 'running' ? <span className="muted">{seen === 'terminating' ? 'Terminating' : 'gone'}</span> : null}
              {o ? <span className={`pill ${o.outcome === 'evicted' ? 'pill-ok' : 'pill-warn'}`}>{o.outcome}</span> : null}
              {o?.message && o.outcome !== 'evicted' ? <span className="drain-why">{o.status ? `${o.status}: ` : ''}{o.message}</span> : null}
            </li>
          );
        })}
      </ul>
      {plan.leave.length > 0 ? (
        <details>
          <summary>Pods it leaves ({plan.leave.length})</summary>
          <ul data-testid="drain-leave" tabIndex={0} aria-label="Pods it leaves">
            {plan.leave.map((p) => (
              <li key={`${p.namespace}/${p.name}`}>
                <span className="mono">
                  {p.namespace}/{p.name}
                </span>{' '}
                <span className="muted">{p.reason}</span>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}

/** Watches the rows that show the action's effect while it is pending, and says when they do. */
export function StreamWatch({ request, answer, before, onArrived }: { request: ActionRequest; answer: ActionAnswer | null; before: string | null; onArrived: () => void }) {
  const { object } = request;
  const nodeAction = request.action === 'cordon' || request.action === 'uncordon' || request.action === 'drain';
  const podScope = request.action === 'drain' ? '' : request.action === 'delete-pod' ? (object.namespace ?? '') : null;
  const workloadScope = !nodeAction && request.action !== 'delete-pod' ? (object.namespace ?? '') : null;
  const nodes = useDomain('nodes', nodeAction ? '' : null);
  const pods = useDomain('pods', podScope);
  const workloads = useDomain('workloads', workloadScope);
  const nodeRows = useRows<NodeRow>(nodes.key);
  const podRows = useRows<PodRow>(pods.key);
  const workloadRows = useRows<WorkloadRow>(workloads.key);
  const arrived =
    answer !== null &&
    // Pods count only once their list has arrived: an empty list before it would read as "every pod gone".
    hasArrived(request, answer, { ...(nodeAction ? { nodes: nodeRows } : {}), ...(podScope !== null && !isLoading(pods.status, podRows.length) ? { pods: podRows } : {}), ...(workloadScope !== null ? { workloads: workloadRows } : {}) }, before);
  useEffect(() => {
    if (arrived) onArrived();
  }, [arrived, onArrived]);
  return null;
}
