/**
 * Pods in the chosen namespace (the scope of the `pods` and `pod-metrics` subscriptions): phase,
 * readiness, restarts, node, age and usage. Clicking a pod opens its Logs below the list, and
 * beside them its whole object as YAML.
 */
import { useDeferredValue, useMemo, useState } from 'react';
import { ChangeLog } from '../../adapters/engine/changeLog.js';
import { MetricsChangeLog } from '../../adapters/engine/metricsChangeLog.js';
import { isFinishedPhase, type PodRow, type WorkloadRow } from '../../adapters/rows.js';
import { DescribeLink, RouteLink } from '../components/DrillLinks.js';
import { domainOfKind } from '../lib/related.js';
import { ActionButton } from '../components/ActionButton.js';
import { NotInListNote } from '../components/GoneNote.js';
import { FilterBox, NamespaceSelect } from '../components/NamespaceSelect.js';
import { FreshnessBadge, Loading, Problems } from '../components/StatusBar.js';
import { VirtualTable, type Column } from '../components/VirtualTable.js';
import { useEngine, useNow } from '../hooks/engine.js';
import { useDomain } from '../hooks/useDomain.js';
import { useLoading, useMetricsVersion, useOrderedRows, useRows, useStatusCounts } from '../hooks/useStore.js';
import { rowCountText } from '../lib/loading.js';
import { ageKey, ageSince, formatBytes, formatCpu } from '../lib/format.js';
import { isLoading, staleMetrics } from '../lib/freshness.js';
import type { SortSpec } from '../lib/order.js';
import { phaseClass, phaseText, podNarrowing, podOrder, podsMoved, readyShare, restartsText, statusCounts } from '../lib/pods.js';
import { useSortedList } from '../hooks/useSortedRows.js';
import type { Navigate, Route } from '../lib/route.js';
import { LogsPanel } from './LogsPanel.js';
import { ObjectEvents } from './ObjectEvents.js';
import { ObjectPanel } from './ObjectPanel.js';
import { useOpenObject } from '../hooks/useOpenObject.js';

interface SelectedPod {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  readonly containers: readonly string[];
  /** For the logs' Previous run: offered once a container has restarted. */
  readonly restarts?: number;
  /** When the cluster deleted it: its logs stop being followed. */
  readonly goneAt: number | null;
  /** Succeeded or Failed: its log is complete. */
  readonly finished: boolean;
}

export function PodsView({ route, navigate }: { route: Route; navigate: Navigate }) {
  const namespace = route.namespace;
  const engine = useEngine();
  const now = useNow();
  const pods = useDomain('pods', namespace);
  const metrics = useDomain('pod-metrics', namespace);
  // In order already, and kept so incrementally: re-sorting 50,000 pods on every change of a
  // churning cluster dropped frames while scrolling (bench row 9).
  const list = useOrderedRows<PodRow>(pods.key, podOrder);
  const rows = list.rows;
  const loading = useLoading(pods.key);
  const metricsVersion = useMetricsVersion();
  // "Pods of this workload": the workloads rows name a Deployment's ReplicaSets (held only then).
  const workloads = useDomain('workloads', route.owner ? namespace : null);
  const workloadRows = useRows<WorkloadRow>(workloads.key);
  const narrowing = useMemo(() => podNarrowing({ owner: route.owner, node: route.node, status: route.status, namespace }, workloadRows), [route.owner, route.node, route.status, namespace, workloadRows]);
  // Filter, sort and the open pod are the route's (lib/route.ts); which panel shows is the page's.
  const filter = route.filter;
  const setFilter = (text: string) => navigate({ ...route, filter: text }, { replace: true });
  const sort = route.sort;
  const setSort = (next: SortSpec) => navigate({ ...route, sort: next });
  const setSelected = (pod: { namespace: string; name: string } | null) => navigate({ ...route, selected: pod ? `${pod.namespace}/${pod.name}` : null });
  const deferredFilter = useDeferredValue(filter);
  const [panel, setPanel] = useState<'logs' | 'yaml'>('logs');
  // The open pod, held as last seen once deleted (useOpenObject): its logs, YAML and Events stay.
  const found = useMemo(() => (route.selected ? list.rows.find((p) => `${p.namespace}/${p.name}` === route.selected) : undefined), [list, route.selected]);
  const open = useOpenObject(route.selected, found);
  const selected: SelectedPod | null = open ? { uid: open.row.uid, namespace: open.row.namespace, name: open.row.name, containers: open.row.containers, goneAt: open.goneAt, finished: isFinishedPhase(open.row.phase), ...(open.goneAt === null ? { restarts: open.row.restarts } : {}) } : null;

  const columns: Column<PodRow>[] = useMemo(() => {
    const usage = (p: PodRow) => engine.store.metricsOfRow('pod', p)?.usage;
    // Numbers older than the metrics interval are dimmed, with a title saying how old.
    const old = (p: PodRow) => staleMetrics(metrics.status, engine.store.metricsOfRow('pod', p)?.sampleTime, now);
    const oldMetrics = { cellClass: (p: PodRow) => (old(p) ? 'stale-metric' : undefined), title: (p: PodRow) => old(p) ?? undefined };
    return [
      { id: 'name', header: 'Name', width: 'minmax(14rem, 3fr)', render: (p) => <span className="mono">{p.name}</span>, title: (p) => p.name, sort: {} },
      ...(namespace === ''
        ? [{ id: 'namespace', header: 'Namespace', width: 'minmax(9rem, 1fr)', render: (p: PodRow) => p.namespace, title: (p: PodRow) => p.namespace, sort: {} }]
        : []),
      { id: 'phase', header: 'Status', width: 'minmax(14.5rem, 1.4fr)', render: (p) => <span className={phaseClass(p)}>{phaseText(p)}</span>, title: phaseText, sort: { key: phaseText } },
      { id: 'ready', header: 'Ready', width: '5.5rem', align: 'right', render: (p) => p.ready, sort: { key: readyShare } },
      {
        id: 'restarts',
        header: 'Restarts',
        width: '9.5rem',
        align: 'right',
        render: (p) => <span className={p.restarts > 0 ? 'warn' : undefined}>{restartsText(p, now)}</span>,
        sort: { key: (p) => p.restarts, descendingFirst: true },
      },
      {
        id: 'node',
        header: 'Node',
        width: 'minmax(8rem, 1.5fr)',
        render: (p) => p.nodeName ?? <span className="muted">unscheduled</span>,
        title: (p) => p.nodeName ?? '',
        sort: { key: (p) => p.nodeName ?? '' },
      },
      { id: 'age', header: 'Age', width: '5.5rem', align: 'right', render: (p) => ageSince(p.createdAt, now), sort: { key: ageKey } },
      { id: 'cpu', header: 'CPU', width: '5.5rem', align: 'right', render: (p) => formatCpu(usage(p)?.cpuMillicores), sort: { key: (p) => usage(p)?.cpuMillicores ?? -1, descendingFirst: true }, ...oldMetrics },
      { id: 'memory', header: 'Memory', width: '6rem', align: 'right', render: (p) => formatBytes(usage(p)?.memoryBytes), sort: { key: (p) => usage(p)?.memoryBytes ?? -1, descendingFirst: true }, ...oldMetrics },
    ];
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [engine, now, namespace, metricsVersion, metrics.status]);

  // Sorting 50,000 pods by a value costs the browser tens of milliseconds: a write re-places only
  // its pod, and a metrics tick (every pod's CPU moves) sorts afresh.
  // A metrics answer that moved a few samples (under churn, most: the new pods' first ones)
  // re-places those pods alone (lib/order.ts).
  const follow = useMemo(() => {
    const samples = new MetricsChangeLog(engine.store, 'pod');
    return {
      order: podOrder,
      byUid: () => (engine.store.collection(pods.key)?.rows ?? new Map()) as ReadonlyMap<string, PodRow>,
      writes: new ChangeLog(engine.store, pods.key),
      values: { attach: () => samples.attach(), take: () => podsMoved(samples.take()) },
    };
  }, [engine, pods.key]);
  const ordered = useSortedList(list, columns, sort, metricsVersion, follow);
  // Follows the list (its array is written in place, so the array alone would not say it moved).
  const narrowed = useMemo(() => (narrowing ? ordered.rows.filter(narrowing) : ordered.rows), [ordered, narrowing]);
  const sorted = useMemo(() => {
    const needle = deferredFilter.trim().toLowerCase();
    return needle === ''
      ? narrowed
      : narrowed.filter((p) => p.name.includes(needle) || p.namespace.includes(needle) || (p.nodeName ?? '').includes(needle) || phaseText(p).toLowerCase().includes(needle));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ordered, narrowed, deferredFilter]);
  // The status filter offers the statuses of the pods in scope (before narrowing by status
  // itself), counted over the pods in their own order: the counts are the same, and 50,000 pods
  // walked in CPU order, all over memory, took the browser 3.5-5 ms an update, against 2-2.7 ms.
  // Unnarrowed (the usual case), counted pod by pod as they are written (lib/statusTally.ts):
  // a count of every pod per update was a pass over 50,000 pods per change of a churning cluster.
  const tallied = useStatusCounts(pods.key);
  const statuses = useMemo(() => {
    const inScope = podNarrowing({ ...route, status: null }, workloadRows);
    return inScope ? statusCounts(list.rows.filter(inScope)) : tallied;
  }, [list, route, workloadRows, tallied]);
  const selectedPod = open?.row ?? null;
  const whatPods = namespace === '' ? 'pods in all namespaces' : `pods in ${namespace}`;

  // Received whole: a selection it does not have is not merely still to come.
  const listWhole = loading === null && pods.status?.dataAgeMs != null;
  const selectedKey = selected ? `${selected.namespace}/${selected.name}` : null;
  // The selected pod's row while the list carries it; null once it was deleted.
  const selectedRow = open && open.goneAt === null ? open.row : null;
  const switcher = (
    <>
    <span className="panel-switch" role="group" aria-label="Show">
      {(['logs', 'yaml'] as const).map((p) => (
        <button key={p} type="button" className={`chip ${panel === p ? 'active' : ''}`} aria-pressed={panel === p} onClick={() => setPanel(p)} data-testid={`panel-${p}`}>
          {p === 'logs' ? 'Logs' : 'YAML'}
        </button>
      ))}
    </span>
    {selected ? (
      <span className="drill-links">
        <DescribeLink from={route} domain="core/v1/pods" namespace={selected.namespace} name={selected.name} />
        {selectedPod?.owner && domainOfKind(selectedPod.owner.kind) ? (
          <DescribeLink from={route} domain={domainOfKind(selectedPod.owner.kind) ?? ''} namespace={selected.namespace} name={selectedPod.owner.name}>
            {`${selectedPod.owner.kind}/${selectedPod.owner.name}`}
          </DescribeLink>
        ) : null}
        {selectedPod?.nodeName ? (
          <DescribeLink from={route} domain="core/v1/nodes" namespace="" name={selectedPod.nodeName}>
            {`node ${selectedPod.nodeName}`}
          </DescribeLink>
        ) : null}
      </span>
    ) : null}
    {/* In both panels' toolbars: the open pod's one action, confirmed (ActionButton). */}
    {selected ? <ActionButton request={{ action: 'delete-pod', object: { kind: 'Pod', namespace: selected.namespace, name: selected.name } }} uid={selected.uid} goneAt={open?.goneAt ?? null} rowVersion={selectedRow?.resourceVersion ?? null} testId="action-delete-pod" className="small danger" /> : null}
    </>
  );
  return (
    <section className={`view ${selected ? 'with-panel' : ''}`} aria-label="Pods">
      <div className="toolbar">
        <h2>Pods</h2>
        <span className="count" data-testid="row-count">{rowCountText(sorted.length, rows.length, loading)}</span>
        <NamespaceSelect value={namespace} onChange={(ns) => navigate({ ...route, namespace: ns, selected: null })} />
        <FilterBox value={filter} onChange={setFilter} placeholder="pod, namespace, node or status" />
        <select aria-label="Status" data-testid="status-filter" value={route.status ?? ''} onChange={(e) => navigate({ ...route, status: e.target.value || null, selected: null })}>
          <option value="">Every status</option>
          {route.status && !statuses.some(([s]) => s === route.status) ? <option value={route.status}>{route.status} (0)</option> : null}
          {statuses.map(([s, n]) => (
            <option key={s} value={s}>
              {s} ({n.toLocaleString()}{loading ? ' so far' : ''})
            </option>
          ))}
        </select>
        {route.owner || route.node ? (
          <span className="narrowing" data-testid="pods-narrowing">
            {route.owner ? `of ${route.owner}` : `on node ${route.node}`}{' '}
            <RouteLink to={{ ...route, owner: null, node: null, selected: null }} title="Show every pod" testId="clear-narrowing">
              ✕
            </RouteLink>
          </span>
        ) : null}
        <div className="badges">
          <FreshnessBadge label="pods" status={pods.status} />
          <FreshnessBadge label="metrics" status={metrics.status} />
        </div>
      </div>
      <Problems statuses={[pods.status, metrics.status]} what={whatPods} narrowed={filter.trim() !== '' || sort !== null || narrowing !== null} />
      {route.selected && !open && listWhole ? <NotInListNote where={route.selected} among={whatPods} onClose={() => setSelected(null)} testId="pod-missing" /> : null}
      <div className="split">
        {isLoading(pods.status, rows.length) ? (
          <Loading what={whatPods} status={pods.status} count={rows.length} />
        ) : (
          <VirtualTable
            rows={sorted}
            rowsFrom={ordered}
            columns={columns}
            rowKey={(p) => `${p.namespace}/${p.name}`}
            selectedKey={selectedKey}
            onRowClick={(p) => setSelected(p)}
            label="Pods"
            empty={loading ? 'No pods match among those received so far.' : 'No pods match.'}
            sort={sort}
            onSort={setSort}
          />
        )}
        {selected && panel === 'logs' ? <LogsPanel key={`${selectedKey}:${selected.uid}`} pod={selected} onClose={() => setSelected(null)} switcher={switcher} /> : null}
        {selected && panel === 'yaml' ? (
          <ObjectPanel
            key={`${selectedKey}:${selected.uid}`}
            target={{ resource: 'pods', namespace: selected.namespace, name: selected.name }}
            open={open}
            onClose={() => setSelected(null)}
            switcher={switcher}
            aside={<ObjectEvents subject={{ uid: selected.uid, kind: 'Pod', namespace: selected.namespace, name: selected.name }} />}
          />
        ) : null}
      </div>
    </section>
  );
}
