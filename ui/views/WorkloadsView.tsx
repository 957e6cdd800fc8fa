/**
 * Workloads in the chosen namespace: Deployments, StatefulSets, DaemonSets, Jobs and CronJobs
 * with ready/desired and their pods' summed usage. The sum follows owner references through
 * rows the store holds (pod → ReplicaSet → Deployment, pod → Job → CronJob), so this view also
 * holds the `pods` and `pod-metrics` subscriptions of its namespace.
 */
import { useDeferredValue, useMemo, useRef } from 'react';
import type { WorkloadKind, WorkloadRow } from '../../adapters/rows.js';
import { WorkloadActions } from '../components/WorkloadActions.js';
import { FilterBox, NamespaceSelect } from '../components/NamespaceSelect.js';
import { FreshnessBadge, Loading, Problems } from '../components/StatusBar.js';
import { VirtualTable, type Column } from '../components/VirtualTable.js';
import { useEngine, useNow } from '../hooks/engine.js';
import { useDomain } from '../hooks/useDomain.js';
import { useLoading, useRows, useWorkloadUsage } from '../hooks/useStore.js';
import { rowCountText } from '../lib/loading.js';
import { ageKey, ageSince, formatBytes, formatCpu } from '../lib/format.js';
import type { SortSpec } from '../lib/order.js';
import { objectId, type Navigate, type Route } from '../lib/route.js';
import { useSortedRows } from '../hooks/useSortedRows.js';
import { isLoading, staleMetrics } from '../lib/freshness.js';
import { countByKind, isShort, listedKinds, readyText, resourceOfKind, workloadList, workloadMatches, workloadStatusClass, type WorkloadListRow } from '../lib/workloads.js';
import { domainOfKind } from '../lib/related.js';
import { DescribeLink, PodsLink } from '../components/DrillLinks.js';
import { ObjectEvents } from './ObjectEvents.js';
import { ObjectPanel } from './ObjectPanel.js';
import { useOpenObject } from '../hooks/useOpenObject.js';

export function WorkloadsView({ route, navigate }: { route: Route; navigate: Navigate }) {
  const namespace = route.namespace;
  const engine = useEngine();
  const now = useNow();
  const workloads = useDomain('workloads', namespace);
  const pods = useDomain('pods', namespace);
  const metrics = useDomain('pod-metrics', namespace);
  const workloadRows = useRows<WorkloadRow>(workloads.key);
  const arriving = useLoading(workloads.key);
  // Kept current pod by pod: summing 50,000 pods on every change of a churning cluster kept the
  // browser busy (bench row 9w).
  const usage = useWorkloadUsage(pods.key, workloads.key);
  // Filter, sort, the kind chip and the open workload are the route's (lib/route.ts), so Back,
  // a reload and a copied link keep them.
  const kind: WorkloadKind | 'all' = (listedKinds as readonly string[]).includes(route.kind ?? '') ? (route.kind as WorkloadKind) : 'all';
  const setKind = (next: WorkloadKind | 'all') => navigate({ ...route, kind: next === 'all' ? null : next });
  const filter = route.filter;
  const setFilter = (text: string) => navigate({ ...route, filter: text }, { replace: true });
  const sort = route.sort;
  const setSort = (next: SortSpec) => navigate({ ...route, sort: next });
  /**
   * The workload whose YAML is open below the list: found by kind, namespace and name among the
   * rows; once it is deleted the panel keeps its last row and says so (useOpenObject).
   */
  const found = route.selected && route.selectedKind ? workloadRows.find((r) => r.kind === route.selectedKind && objectId(r.namespace, r.name) === route.selected) : undefined;
  const open = useOpenObject(route.selected && route.selectedKind ? `${route.selectedKind}/${route.selected}` : null, found);
  const selected: WorkloadRow | null = open?.row ?? null;
  const setSelected = (row: WorkloadRow | null) =>
    navigate({ ...route, selected: row ? objectId(row.namespace, row.name) : null, selectedKind: row ? row.kind : null });
  const deferredFilter = useDeferredValue(filter);

  const counts = useMemo(() => countByKind(workloadRows), [workloadRows]);
  // The last list's rows: a workload whose row and usage did not change keeps its object, and the table leaves it be.
  const lastRows = useRef(new Map<string, WorkloadListRow>());
  const list = useMemo(() => {
    const needle = deferredFilter.trim().toLowerCase();
    return workloadList(workloadRows, usage, kind, lastRows.current).filter((r) => workloadMatches(r.workload, needle));
  }, [workloadRows, usage, kind, deferredFilter]);

  // Sums older than the metrics interval are dimmed, with a title saying how old.
  const old = staleMetrics(metrics.status, null, now);
  const oldMetrics = { cellClass: () => (old ? 'stale-metric' : undefined), title: () => old ?? undefined };
  const columns: Column<WorkloadListRow>[] = useMemo(
    () => [
      { id: 'name', header: 'Name', width: 'minmax(12rem, 3fr)', render: (r) => <span className="mono">{r.workload.name}</span>, title: (r) => r.workload.name, sort: { key: (r) => r.workload.name } },
      ...(namespace === ''
        ? [{ id: 'namespace', header: 'Namespace', width: 'minmax(9rem, 1fr)', render: (r: WorkloadListRow) => r.workload.namespace, sort: {} }]
        : []),
      { id: 'kind', header: 'Kind', width: '8.5rem', render: (r) => r.workload.kind, sort: { key: (r) => r.workload.kind } },
      {
        id: 'status',
        header: 'Status',
        width: 'minmax(12.5rem, 1.6fr)',
        // The status word from the controller's conditions; its message (why) on hover.
        render: (r) => <span className={workloadStatusClass(r.workload)} data-testid={`workload-status-${r.workload.name}`}>{r.workload.status ?? '—'}</span>,
        title: (r) => r.workload.statusMessage ?? r.workload.status ?? '',
        sort: { key: (r) => r.workload.status ?? '' },
      },
      {
        id: 'ready',
        header: 'Ready',
        width: '6rem',
        align: 'right',
        render: (r) => <span className={isShort(r.workload) ? 'warn' : undefined}>{readyText(r.workload)}</span>,
        // Short workloads first when ascending: the ones an operator looks for.
        sort: { key: (r) => (r.workload.desired > 0 ? r.workload.ready / r.workload.desired : 1) },
      },
      { id: 'pods', header: 'Pods measured', width: '10rem', align: 'right', render: (r) => r.usage?.pods ?? 0, sort: { key: (r) => r.usage?.pods ?? 0, descendingFirst: true } },
      { id: 'cpu', header: 'CPU', width: '6rem', align: 'right', render: (r) => formatCpu(r.usage?.cpuMillicores), sort: { key: (r) => r.usage?.cpuMillicores ?? -1, descendingFirst: true }, ...oldMetrics },
      { id: 'memory', header: 'Memory', width: '6.5rem', align: 'right', render: (r) => formatBytes(r.usage?.memoryBytes), sort: { key: (r) => r.usage?.memoryBytes ?? -1, descendingFirst: true }, ...oldMetrics },
      { id: 'age', header: 'Age', width: '5.5rem', align: 'right', render: (r) => ageSince(r.workload.createdAt, now), sort: { key: (r) => ageKey(r.workload) } },
    ],
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [now, namespace, old],
  );
  // The list is a few thousand rows at most: sorted whole on every change.
  const shown = useSortedRows(list, columns, sort, 0);

  return (
    <section className={`view ${selected ? 'with-panel' : ''}`} aria-label="Workloads">
      <div className="toolbar">
        <h2>Workloads</h2>
        <span className="count" data-testid="row-count">{rowCountText(list.length, counts.all, arriving)}</span>
        <NamespaceSelect value={namespace} onChange={(ns) => navigate({ ...route, namespace: ns })} />
        <div className="kinds" role="group" aria-label="Kind">
          {(['all', ...listedKinds] as const).map((k) => (
            <button key={k} type="button" className={`chip ${k === kind ? 'active' : ''}`} aria-pressed={k === kind} onClick={() => setKind(k)}>
              {k === 'all' ? 'All' : `${k}s`} <span className="chip-count">{counts[k]}</span>
            </button>
          ))}
        </div>
        <FilterBox value={filter} onChange={setFilter} placeholder="workload, namespace, kind or status" />
        <div className="badges">
          <FreshnessBadge label="workloads" status={workloads.status} />
          <FreshnessBadge label="pods" status={pods.status} />
          <FreshnessBadge label="metrics" status={metrics.status} />
        </div>
      </div>
      <Problems statuses={[workloads.status, pods.status, metrics.status]} what={namespace === '' ? 'workloads in all namespaces' : `workloads in ${namespace}`} narrowed={filter.trim() !== '' || sort !== null || kind !== 'all'} />
      <div className="split">
        {isLoading(workloads.status, workloadRows.length) ? (
          <Loading what={namespace === '' ? 'workloads in all namespaces' : `workloads in ${namespace}`} status={workloads.status} count={workloadRows.length} />
        ) : (
          <VirtualTable
            rows={shown}
            columns={columns}
            rowKey={(r) => r.workload.uid}
            label="Workloads"
            empty={arriving ? 'No workloads match among those received so far.' : 'No workloads match.'}
            sort={sort}
            onSort={setSort}
            selectedKey={selected?.uid ?? null}
            onRowClick={(r) => setSelected(r.workload)}
          />
        )}
        {selected ? (
          <ObjectPanel
            key={selected.uid}
            target={{ resource: resourceOfKind(selected.kind), namespace: selected.namespace, name: selected.name }}
            open={open}
            onClose={() => setSelected(null)}
            switcher={
              <span className="drill-links">
                <PodsLink by={{ owner: `${selected.kind}/${selected.name}`, namespace: selected.namespace }}>Pods</PodsLink>
                <DescribeLink from={route} domain={domainOfKind(selected.kind) ?? ''} namespace={selected.namespace} name={selected.name} />
              </span>
            }
            actions={<WorkloadActions workload={(engine.store.collection(workloads.key)?.rows.get(selected.uid) as WorkloadRow | undefined) ?? selected} goneAt={open?.goneAt ?? null} />}
            aside={<ObjectEvents subject={{ uid: selected.uid, kind: selected.kind, namespace: selected.namespace, name: selected.name }} />}
          />
        ) : null}
      </div>
    </section>
  );
}
