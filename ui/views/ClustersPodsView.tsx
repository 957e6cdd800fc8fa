/**
 * Pods across several clusters in one list (`?clusters=a,b,c`): each cluster's pods come from
 * that cluster's own engine (a feed per cluster, rendered under its ClusterScope), are tagged
 * with their cluster and keyed by cluster and uid, and share one table with a Cluster column.
 * Each cluster keeps its own freshness badge, so a stale or unreachable cluster says so without
 * painting the others stale. A pod's logs and its Delete action run against its own cluster's
 * engine, so they read from and act on that cluster.
 */
import { useCallback, useDeferredValue, useEffect, useMemo, useState } from 'react';
import type { PodRow } from '../../adapters/rows.js';
import type { DiagnosticsRow } from '../../machines/diagnostics.js';
import { ActionButton } from '../components/ActionButton.js';
import { FilterBox } from '../components/NamespaceSelect.js';
import { FreshnessBadge, Loading, Problems } from '../components/StatusBar.js';
import { VirtualTable, type Column } from '../components/VirtualTable.js';
import { ClusterScope } from '../hooks/clusters.js';
import { useNow } from '../hooks/engine.js';
import { useDomain } from '../hooks/useDomain.js';
import { useOrderedRows } from '../hooks/useStore.js';
import { createClusterMerger, type ClusterRow } from '../lib/clusters.js';
import { ageKey, ageSince } from '../lib/format.js';
import { isLoading } from '../lib/freshness.js';
import { describeProblem } from '../lib/operatorWords.js';
import { compareText, sortByKey, type SortSpec } from '../lib/order.js';
import { phaseClass, phaseText, podOrder, readyShare, restartsText } from '../lib/pods.js';
import type { Navigate, Route } from '../lib/route.js';
import { LogsPanel } from './LogsPanel.js';

type Pod = ClusterRow<PodRow>;

/** One cluster's pods: holds its subscription on that cluster's engine and hands its rows and status up; shows its badge. */
function ClusterPodsFeed({ cluster, namespace, onRows, onStatus }: { cluster: string; namespace: string; onRows: (cluster: string, rows: readonly PodRow[]) => void; onStatus: (cluster: string, status: DiagnosticsRow | undefined) => void }) {
  const pods = useDomain('pods', namespace);
  const rows = useOrderedRows<PodRow>(pods.key, podOrder);
  // Handed up after render: a parent's state may not change while a child renders.
  useEffect(() => onRows(cluster, rows), [onRows, cluster, rows]);
  useEffect(() => onStatus(cluster, pods.status), [onStatus, cluster, pods.status]);
  return <FreshnessBadge label={`pods · ${cluster}`} status={pods.status} />;
}

function ClusterProblems({ cluster, status }: { cluster: string; status: DiagnosticsRow | undefined }) {
  if (!status || !describeProblem(status)) return null;
  return (
    <div className="cluster-problems" data-testid={`cluster-problems-${cluster}`}>
      <span className="mono strong">{cluster}</span>
      <Problems statuses={[status]} />
    </div>
  );
}

/** Orders across clusters as one list: by namespace and name as a cluster orders its own, then by cluster. */
function acrossClusters(a: Pod, b: Pod): number {
  return podOrder(a, b) || compareText(a.cluster, b.cluster);
}

export function ClustersPodsView({ clusters, route, navigate }: { clusters: readonly string[]; route: Route; navigate: Navigate }) {
  const namespace = route.namespace;
  const now = useNow();
  const [parts, setParts] = useState<Readonly<Record<string, readonly PodRow[]>>>({});
  const [statuses, setStatuses] = useState<Readonly<Record<string, DiagnosticsRow | undefined>>>({});
  const onRows = useCallback((cluster: string, rows: readonly PodRow[]) => setParts((p) => (p[cluster] === rows ? p : { ...p, [cluster]: rows })), []);
  const onStatus = useCallback((cluster: string, status: DiagnosticsRow | undefined) => setStatuses((s) => (s[cluster] === status ? s : { ...s, [cluster]: status })), []);
  const merge = useMemo(() => createClusterMerger<PodRow>(), []);
  const rows = useMemo(() => {
    const merged = merge(clusters.map((cluster) => ({ cluster, rows: parts[cluster] ?? [] })));
    return merged.sort(acrossClusters);
  }, [merge, clusters, parts]);

  const filter = route.filter;
  const deferredFilter = useDeferredValue(filter);
  const sort = route.sort;
  const columns: Column<Pod>[] = useMemo(
    () => [
      { id: 'cluster', header: 'Cluster', width: 'minmax(10rem, 1.2fr)', render: (p) => <span className="mono">{p.cluster}</span>, title: (p) => p.cluster, sort: { key: (p) => p.cluster } },
      { id: 'name', header: 'Name', width: 'minmax(14rem, 3fr)', render: (p) => <span className="mono">{p.name}</span>, title: (p) => p.name, sort: { key: (p) => p.name } },
      ...(namespace === '' ? [{ id: 'namespace', header: 'Namespace', width: 'minmax(7rem, 1fr)', render: (p: Pod) => p.namespace, title: (p: Pod) => p.namespace, sort: { key: (p: Pod) => p.namespace } }] : []),
      { id: 'phase', header: 'Status', width: 'minmax(12rem, 1.4fr)', render: (p) => <span className={phaseClass(p)}>{phaseText(p)}</span>, title: phaseText, sort: { key: phaseText } },
      { id: 'ready', header: 'Ready', width: '5.5rem', align: 'right', render: (p) => p.ready, sort: { key: readyShare } },
      { id: 'restarts', header: 'Restarts', width: '9.5rem', align: 'right', render: (p) => <span className={p.restarts > 0 ? 'warn' : undefined}>{restartsText(p, now)}</span>, sort: { key: (p) => p.restarts, descendingFirst: true } },
      { id: 'node', header: 'Node', width: 'minmax(8rem, 1.5fr)', render: (p) => p.nodeName ?? <span className="muted">unscheduled</span>, title: (p) => p.nodeName ?? '', sort: { key: (p) => p.nodeName ?? '' } },
      { id: 'age', header: 'Age', width: '5.5rem', align: 'right', render: (p) => ageSince(p.createdAt, now), sort: { key: ageKey } },
    ],
    [namespace, now],
  );
  const sorted = useMemo(() => {
    const column = sort ? columns.find((c) => c.id === sort.column) : undefined;
    const ordered = sort && column?.sort?.key ? sortByKey(rows, column.sort.key, sort.descending) : rows;
    const needle = deferredFilter.trim().toLowerCase();
    if (needle === '') return ordered;
    return ordered.filter((p) => p.cluster.toLowerCase().includes(needle) || p.name.includes(needle) || p.namespace.includes(needle) || (p.nodeName ?? '').includes(needle) || phaseText(p).toLowerCase().includes(needle));
    // The columns move with the clock; only the sort's column matters here.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [rows, sort?.column, sort?.descending, deferredFilter, namespace]);

  // The open pod: `sel` is `cluster/namespace/name` here, since names repeat across clusters.
  const selected = route.selected ? rows.find((p) => `${p.namespace}/${p.name}` === route.selected && p.cluster === route.selectedCluster) : undefined;
  const [panelKey, setPanelKey] = useState(0);
  const select = (p: Pod | null) => {
    setPanelKey((k) => k + 1);
    navigate({ ...route, selected: p ? `${p.namespace}/${p.name}` : null, selectedCluster: p ? p.cluster : null });
  };
  const loading = clusters.every((c) => isLoading(statuses[c], parts[c]?.length ?? 0));

  return (
    <section className={`view ${selected ? 'with-panel' : ''}`} aria-label="Pods across clusters" data-testid="clusters-pods">
      <div className="toolbar">
        <h2>Pods</h2>
        <span className="count">{rows.length > 0 ? `${sorted.length.toLocaleString()} of ${rows.length.toLocaleString()} in ${clusters.length} clusters` : ''}</span>
        <FilterBox value={filter} onChange={(text) => navigate({ ...route, filter: text }, { replace: true })} placeholder="cluster, pod, namespace, node or status" />
        <div className="badges" data-testid="cluster-badges">
          {clusters.map((cluster) => (
            <ClusterScope key={cluster} cluster={cluster}>
              <ClusterPodsFeed cluster={cluster} namespace={namespace} onRows={onRows} onStatus={onStatus} />
            </ClusterScope>
          ))}
        </div>
      </div>
      {/* Each cluster's problems under its name: the same words ("disconnected") for two clusters are two problems. */}
      {clusters.map((cluster) => (
        <ClusterProblems key={cluster} cluster={cluster} status={statuses[cluster]} />
      ))}
      <div className="split">
        {loading ? (
          <Loading what={`pods in ${clusters.join(', ')}`} status={statuses[clusters[0] ?? '']} count={rows.length} />
        ) : (
          <VirtualTable
            rows={sorted}
            columns={columns}
            rowKey={(p) => p.clusterKey}
            selectedKey={selected?.clusterKey ?? null}
            onRowClick={(p) => select(p)}
            label="Pods across clusters"
            empty="No pods match."
            sort={sort}
            onSort={(next: SortSpec) => navigate({ ...route, sort: next })}
          />
        )}
        {selected ? (
          <ClusterScope cluster={selected.cluster}>
            <LogsPanel
              key={`${panelKey}:${selected.clusterKey}`}
              pod={{ namespace: selected.namespace, name: selected.name, containers: selected.containers, restarts: selected.restarts }}
              onClose={() => select(null)}
              switcher={
                <span className="drill-links">
                  <span className="muted small" data-testid="panel-cluster">
                    on {selected.cluster}
                  </span>
                  <ActionButton request={{ action: 'delete-pod', object: { kind: 'Pod', namespace: selected.namespace, name: selected.name } }} rowVersion={selected.resourceVersion ?? null} testId="action-delete-pod" className="small danger" />
                </span>
              }
            />
          </ClusterScope>
        ) : null}
      </div>
    </section>
  );
}
