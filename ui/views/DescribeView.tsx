/**
 * One object on one page, as `kubectl describe` puts it: a summary (kind, namespace, name,
 * labels, created, owner, status), its conditions, the Events about it and the objects around
 * it (owner chain, what it owns, a pod's node and the Services selecting it, a Service's
 * EndpointSlices, a node's or a workload's pods), each a link to its own Describe page or to a
 * filtered Pods view. `#/describe/<domain>?sel=<namespace>/<name>`.
 *
 * The object is fetched whole (`GET /api/v1/object?domain=`) when the page opens and again when
 * the resourceVersion its domain's row carries moves; everything else is rows the engine streams.
 * Deleted while open, the page keeps what it last read and the Events about it, marked deleted.
 */
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import type { NodeRow, PodRow, ResourceRow, WorkloadRow } from '../../adapters/rows.js';
import type { Domain } from '../../machines/domains.js';
import { DescribeLink, PodsLink, RouteLink } from '../components/DrillLinks.js';
import { FreshnessBadge } from '../components/StatusBar.js';
import { useScopeCluster } from '../hooks/clusters.js';
import { useNow } from '../hooks/engine.js';
import { useDiscovery } from '../hooks/useCatalog.js';
import { useDomain } from '../hooks/useDomain.js';
import { useColumns, useRows } from '../hooks/useStore.js';
import { ApiError, fetchObject } from '../lib/api.js';
import { ageSince } from '../lib/format.js';
import { statusText as nodeStatusText, troubleConditions } from '../lib/nodes.js';
import { phaseClass, phaseText } from '../lib/pods.js';
import { cellOf, domainOfKind, findWorkload, kindOfDomain, ownedWorkloads, ownerChain, podsOfWorkload, servicesSelecting, slicesOfService, type ObjectLink } from '../lib/related.js';
import { defaultRoute, type Route } from '../lib/route.js';
import { workloadStatusClass } from '../lib/workloads.js';
import { ObjectEvents } from './ObjectEvents.js';
import { DeletedNote, ReplacedNote } from '../components/GoneNote.js';
import { useOpenObject } from '../hooks/useOpenObject.js';

interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  readonly lastTransitionTime?: string;
}

type Json = Record<string, any>;

/** At most this many pods listed under Related; the Pods link shows them all. */
const podsListed = 20;

export function DescribeView({ route }: { route: Route }) {
  const now = useNow();
  const discovery = useDiscovery();
  const domain = route.domain ?? '';
  const [namespace, name] = route.selected?.includes('/') ? (route.selected.split('/') as [string, string]) : ['', route.selected ?? ''];
  const kind = kindOfDomain(domain, discovery.rows) ?? domain.split('/').pop() ?? '';

  // The object's own domain, for its row: its resourceVersion (when to fetch again) and printed cells.
  const own = useDomain(domain as Domain, namespace);
  const ownRows = useRows<ResourceRow>(own.key);
  const ownColumns = useColumns(own.key) ?? [];
  const row = ownRows.find((r) => r.name === name && r.namespace === namespace) ?? null;
  // Deleted while the page is open: the page stays on what was last read, and says when it went.
  const open = useOpenObject(name === '' ? null : `${domain}:${namespace}/${name}`, row ?? undefined);
  const goneAt = open?.goneAt ?? null;
  // The live row, or once deleted the row last seen: its owner and printed status still describe it.
  const lastRow = open?.row ?? row;
  const object = useObject(domain, namespace, name, row?.resourceVersion ?? null, ownRows.length > 0 || own.status?.dataAgeMs != null);

  const isWorkload = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob'].includes(kind);
  const workloads = useDomain('workloads', namespace !== '' ? namespace : null);
  const workloadRows = useRows<WorkloadRow>(workloads.key);
  const pods = useDomain('pods', kind === 'Node' ? '' : isWorkload || kind === 'Pod' ? namespace : null);
  const podRows = useRows<PodRow>(pods.key);
  const nodes = useDomain('nodes', kind === 'Node' ? '' : null);
  const nodeRows = useRows<NodeRow>(nodes.key);
  const services = useDomain('core/v1/services' as Domain, kind === 'Pod' ? namespace : null);
  const serviceRows = useRows<ResourceRow>(services.key);
  const serviceColumns = useColumns(services.key) ?? [];
  const slices = useDomain('discovery.k8s.io/v1/endpointslices' as Domain, kind === 'Service' ? namespace : null);
  const sliceRows = useRows<ResourceRow>(slices.key);

  const metadata = (object.value?.metadata ?? {}) as Json;
  const uid = String(metadata.uid ?? row?.uid ?? '');
  const labels = (metadata.labels ?? {}) as Record<string, string>;
  const podRow = kind === 'Pod' ? podRows.find((p) => p.name === name) : undefined;
  const workloadRow = isWorkload ? findWorkload(`${kind}/${name}`, namespace, workloadRows) : null;
  const nodeRow = kind === 'Node' ? nodeRows.find((n) => n.name === name) : undefined;

  const related = useMemo(() => {
    const groups: { title: string; testId: string; items: ReactNode[] }[] = [];
    const ownerRef = podRow?.owner ?? workloadRow?.owner ?? lastRow?.owner ?? null;
    const chain = ownerChain(ownerRef, namespace, workloadRows);
    if (chain.length > 0) groups.push({ title: 'Owners', testId: 'related-owners', items: chain.map((o) => <ObjectLinkItem key={o.uid ?? o.name} from={route} link={o} discovery={discovery.rows} />) });
    if (workloadRow) {
      const owned = ownedWorkloads(workloadRow.uid, workloadRows);
      if (owned.length > 0) groups.push({ title: 'Owns', testId: 'related-owned', items: owned.map((w) => <ObjectLinkItem key={w.uid} from={route} link={w} discovery={discovery.rows} extra={`${w.ready}/${w.desired} ready`} />) });
      const its = podsOfWorkload(workloadRow, workloadRows, podRows);
      groups.push({ title: 'Pods', testId: 'related-pods', items: [<PodsLink key="all" by={{ owner: `${kind}/${name}`, namespace }}>{`All ${its.length} pods of ${kind}/${name}`}</PodsLink>, ...its.slice(0, podsListed).map((p) => <PodItem key={p.uid} from={route} pod={p} />)] });
    }
    if (kind === 'Pod' && podRow?.nodeName) {
      groups.push({ title: 'Node', testId: 'related-node', items: [<span key="n"><DescribeLink from={route} domain="core/v1/nodes" namespace="" name={podRow.nodeName}>{podRow.nodeName}</DescribeLink> · <PodsLink by={{ node: podRow.nodeName }}>pods on it</PodsLink></span>] });
    }
    if (kind === 'Pod') {
      const selecting = servicesSelecting(labels, serviceRows, serviceColumns);
      groups.push({ title: 'Services selecting it', testId: 'related-services', items: selecting.map((s) => <ObjectLinkItem key={s.uid} from={route} link={{ kind: 'Service', namespace: s.namespace, name: s.name }} discovery={discovery.rows} />) });
    }
    if (kind === 'Service') {
      groups.push({ title: 'EndpointSlices', testId: 'related-slices', items: slicesOfService(uid, sliceRows).map((s) => <ObjectLinkItem key={s.uid} from={route} link={{ kind: 'EndpointSlice', namespace: s.namespace, name: s.name }} discovery={discovery.rows} />) });
    }
    if (kind === 'Node') {
      const on = podRows.filter((p) => p.nodeName === name);
      groups.push({ title: 'Pods', testId: 'related-pods', items: [<PodsLink key="all" by={{ node: name }}>{`All ${on.length} pods on ${name}`}</PodsLink>, ...on.slice(0, podsListed).map((p) => <PodItem key={p.uid} from={route} pod={p} withNamespace />)] });
    }
    return groups;
  }, [kind, name, namespace, uid, route, discovery.rows, podRow, workloadRow, lastRow, workloadRows, podRows, serviceRows, serviceColumns, sliceRows, labels]);

  const conditions = (((object.value?.status ?? {}) as Json).conditions ?? []) as Condition[];
  const lastStatus = statusOf(kind, { pod: podRow, workload: workloadRow, node: nodeRow, row: lastRow, columns: ownColumns, object: object.value });
  // A deleted object's phase as last read (a pod's Running) would say it still runs.
  const status = goneAt === null ? lastStatus : { text: 'Deleted', className: 'bad', detail: `last seen ${lastStatus.text || '—'}` };
  const owner = podRow?.owner ?? workloadRow?.owner ?? lastRow?.owner ?? null;

  return (
    <section className="view describe" aria-label={`Describe ${kind} ${name}`} data-testid="describe" data-uid={uid}>
      <div className="toolbar">
        <h2>
          {kind} <span className="mono">{name}</span>
        </h2>
        <span className="drill-links">
          <RouteLink to={{ ...defaultRoute, tab: 'resource', domain, namespace, selected: route.selected }} testId="describe-yaml">
            YAML
          </RouteLink>
        </span>
        <div className="badges">
          <FreshnessBadge label={kind.toLowerCase() || 'object'} status={own.status} />
        </div>
      </div>
      {goneAt !== null ? <DeletedNote where={namespace ? `${namespace}/${name}` : name} at={goneAt} now={now} lastVersion={typeof metadata.resourceVersion === 'string' ? metadata.resourceVersion : null} /> : null}
      {open?.replaced && goneAt === null ? <ReplacedNote where={namespace ? `${namespace}/${name}` : name} uid={open.row.uid} before={open.replaced} /> : null}
      {object.problem && goneAt === null ? <div className="problem" role="alert">{object.problem}</div> : null}
      <div className="describe-grid">
        <section aria-label="Summary" className="describe-section">
          <h3>Summary</h3>
          <dl className="summary" data-testid="describe-summary">
            <dt>Kind</dt>
            <dd>{kind}</dd>
            {namespace ? (
              <>
                <dt>Namespace</dt>
                <dd>{namespace}</dd>
              </>
            ) : null}
            <dt>Name</dt>
            <dd className="mono">{name}</dd>
            <dt>Status</dt>
            <dd data-testid="describe-status">
              <span className={status.className}>{status.text}</span>
              {status.detail ? <span className="muted"> · {status.detail}</span> : null}
            </dd>
            <dt>Owner</dt>
            <dd data-testid="describe-owner">{owner ? <ObjectLinkItem from={route} link={{ kind: owner.kind, namespace, name: owner.name }} discovery={discovery.rows} /> : <span className="muted">none</span>}</dd>
            <dt>Created</dt>
            <dd>{metadata.creationTimestamp ? `${ageSince(String(metadata.creationTimestamp), now)} ago (${String(metadata.creationTimestamp)})` : '—'}</dd>
            <dt>Labels</dt>
            <dd>
              {Object.keys(labels).length === 0 ? (
                <span className="muted">none</span>
              ) : (
                Object.entries(labels).map(([k, v]) => (
                  <span key={k} className="label-chip mono">
                    {k}={v}
                  </span>
                ))
              )}
            </dd>
          </dl>
        </section>
        <section aria-label="Conditions" className="describe-section">
          <h3>Conditions</h3>
          {conditions.length === 0 ? (
            <div className="muted small">{object.value ? 'No conditions.' : 'Loading…'}</div>
          ) : (
            <table className="conditions" data-testid="describe-conditions">
              <thead>
                <tr>
                  <th>Type</th>
                  <th>Status</th>
                  <th>Reason</th>
                  <th>Since</th>
                  <th>Message</th>
                </tr>
              </thead>
              <tbody>
                {conditions.map((c) => (
                  <tr key={c.type}>
                    <td>{c.type}</td>
                    <td className={conditionClass(c)}>{c.status}</td>
                    <td>{c.reason ?? ''}</td>
                    <td>{c.lastTransitionTime ? ageSince(c.lastTransitionTime, now) : ''}</td>
                    <td>{c.message ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        {kind === 'Pod' && object.value ? <ContainersSection pod={object.value} now={now} /> : null}
        <section aria-label="Related objects" className="describe-section" data-testid="describe-related">
          <h3>Related</h3>
          {related.length === 0 ? <div className="muted small">Nothing related.</div> : null}
          {related.map((g) => (
            <div key={g.title} className="related-group" data-testid={g.testId}>
              <h4>{g.title}</h4>
              {g.items.length === 0 ? <div className="muted small">none</div> : <ul>{g.items.map((item, i) => <li key={i}>{item}</li>)}</ul>}
            </div>
          ))}
        </section>
        <div className="describe-section">{uid ? <ObjectEvents subject={{ uid, kind, namespace, name }} /> : null}</div>
      </div>
    </section>
  );
}

/** The whole object, fetched again whenever its row's resourceVersion moves. */
function useObject(domain: string, namespace: string, name: string, resourceVersion: string | null, listed: boolean): { value: Json | null; problem: string | null } {
  const [value, setValue] = useState<Json | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const cluster = useScopeCluster();
  useEffect(() => {
    setValue(null);
    setProblem(null);
  }, [domain, namespace, name]);
  useEffect(() => {
    if (name === '') {
      setProblem('No object named: the address needs ?sel=<namespace>/<name>.');
      return;
    }
    // Once the list has answered without the object, it is gone: keep what was last read (the
    // page says it was deleted).
    if (resourceVersion === null && listed && value !== null) return;
    const abort = new AbortController();
    fetchObject({ domain, namespace, name }, abort.signal, cluster).then(
      (object) => {
        setValue(object as Json);
        setProblem(null);
      },
      (error: unknown) => {
        if (abort.signal.aborted) return;
        setProblem(error instanceof ApiError && error.status === 404 ? `${name} is not in the cluster.` : String(error instanceof Error ? error.message : error));
      },
    );
    return () => abort.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [domain, namespace, name, resourceVersion, cluster]);
  return { value, problem };
}

function ObjectLinkItem({ from, link, discovery, extra }: { from: Route; link: ObjectLink; discovery: Parameters<typeof domainOfKind>[1]; extra?: string }) {
  const domain = domainOfKind(link.kind, discovery);
  const text = `${link.kind}/${link.name}`;
  return (
    <span className="related-item">
      {domain ? (
        <DescribeLink from={from} domain={domain} namespace={link.kind === 'Node' ? '' : link.namespace} name={link.name}>
          {text}
        </DescribeLink>
      ) : (
        text
      )}
      {extra ? <span className="muted"> · {extra}</span> : null}
    </span>
  );
}

/** `withNamespace`: a node's pods come from every namespace, and a name alone may be in several. */
function PodItem({ from, pod, withNamespace = false }: { from: Route; pod: PodRow; withNamespace?: boolean }) {
  return (
    <span className="related-item">
      <DescribeLink from={from} domain="core/v1/pods" namespace={pod.namespace} name={pod.name}>
        {withNamespace ? `${pod.namespace}/${pod.name}` : pod.name}
      </DescribeLink>{' '}
      <span className={phaseClass(pod)}>{phaseText(pod)}</span> <span className="muted">{pod.ready}</span>
    </span>
  );
}

/** One container's state in kubectl describe's words: Running, Waiting (reason), Terminated (reason, exit code). */
function stateText(state: Json | undefined, now: number): { text: string; className: string } {
  if (state?.running) return { text: `Running since ${ageSince(String(state.running.startedAt ?? ''), now)}`, className: 'ok' };
  if (state?.waiting) return { text: `Waiting: ${String(state.waiting.reason ?? '')}${state.waiting.message ? ` (${String(state.waiting.message)})` : ''}`, className: 'warn' };
  if (state?.terminated) {
    const t = state.terminated;
    const reason = t.reason ? String(t.reason) : t.signal ? `Signal ${String(t.signal)}` : 'exited';
    return { text: `Terminated: ${reason}, exit code ${String(t.exitCode ?? 0)}${t.finishedAt ? `, ${ageSince(String(t.finishedAt), now)} ago` : ''}`, className: Number(t.exitCode ?? 0) === 0 ? 'muted' : 'bad' };
  }
  return { text: '—', className: 'muted' };
}

/** A pod's containers, init containers first, each with its state, last state, readiness and restarts: the first thing read for a crash loop. */
function ContainersSection({ pod, now }: { pod: Json; now: number }) {
  const spec = (pod.spec ?? {}) as Json;
  const status = (pod.status ?? {}) as Json;
  const rows = [
    ...((spec.initContainers ?? []) as Json[]).map((c) => ({ c, init: true, s: ((status.initContainerStatuses ?? []) as Json[]).find((x) => x.name === c.name) })),
    ...((spec.containers ?? []) as Json[]).map((c) => ({ c, init: false, s: ((status.containerStatuses ?? []) as Json[]).find((x) => x.name === c.name) })),
  ];
  return (
    <section aria-label="Containers" className="describe-section" data-testid="describe-containers">
      <h3>Containers</h3>
      <table className="conditions">
        <thead>
          <tr>
            <th>Name</th>
            <th>State</th>
            <th>Last state</th>
            <th>Ready</th>
            <th>Restarts</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ c, init, s }) => {
            const state = stateText(s?.state, now);
            const last = s?.lastState?.terminated ? stateText(s.lastState, now) : null;
            return (
              <tr key={`${init ? 'init' : 'main'}/${String(c.name)}`} data-container={String(c.name)}>
                <td className="mono" title={String(c.image ?? '')}>
                  {String(c.name)}
                  {init ? <span className="muted"> (init{c.restartPolicy === 'Always' ? ', sidecar' : ''})</span> : null}
                </td>
                <td className={state.className}>{state.text}</td>
                <td className={last?.className}>{last?.text ?? ''}</td>
                <td>{s ? (s.ready ? 'yes' : 'no') : ''}</td>
                <td>{s ? String(s.restartCount ?? 0) : ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

function conditionClass(c: Condition): string {
  // For pressure and failure conditions True is the bad news; for the rest False is.
  const badWhenTrue = /Pressure$|Unavailable$|^ReplicaFailure$|^Failed$|^FailureTarget$|^DisruptionTarget$/.test(c.type);
  if (c.status === 'Unknown') return 'warn';
  return (c.status === 'True') === badWhenTrue ? 'bad' : 'ok';
}

/** The status word for the summary: kubelive's own for pods, workloads and nodes; the printed Status column, or the phase, for any other kind. */
function statusOf(
  kind: string,
  from: { pod: PodRow | undefined; workload: WorkloadRow | null; node: NodeRow | undefined; row: ResourceRow | null; columns: readonly { name: string }[]; object: Json | null },
): { text: string; className?: string; detail?: string } {
  if (from.pod) return { text: phaseText(from.pod), className: phaseClass(from.pod), detail: `${from.pod.ready} ready, ${from.pod.restarts} restarts` };
  if (from.workload) return { text: from.workload.status ?? '—', className: workloadStatusClass(from.workload), ...(from.workload.statusMessage ? { detail: from.workload.statusMessage } : {}) };
  if (from.node) {
    const trouble = troubleConditions(from.node);
    return { text: nodeStatusText(from.node), className: from.node.ready === 'True' && trouble.length === 0 ? 'ok' : 'bad', ...(trouble.length ? { detail: trouble.join(', ') } : {}) };
  }
  const printed = from.row ? cellOf(from.row, from.columns, 'Status') : undefined;
  if (typeof printed === 'string' && printed !== '') return { text: printed };
  const phase = ((from.object?.status ?? {}) as Json).phase;
  return { text: typeof phase === 'string' ? phase : kind ? '—' : '' };
}
