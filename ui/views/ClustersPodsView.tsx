/**
 * Pods across several clusters in one list (`?clusters=a,b,c`): each cluster's pods come from
 * that cluster's own engine and share one table with a Cluster column (acrossClusters.tsx).
 * Each cluster keeps its own freshness badge, so a stale or unreachable cluster says so without
 * painting the others stale. A pod's logs and its Delete action run against its own cluster's
 * engine, so they read from and act on that cluster.
 */
import { useDeferredValue, useMemo, useState } from 'react';
import { isFinishedPhase, type PodRow } from '../../adapters/rows.js';
import { ActionButton } from '../components/ActionButton.js';
import { NotInListNote } from '../components/GoneNote.js';
import { FilterBox } from '../components/NamespaceSelect.js';
import { VirtualTable, type Column } from '../components/VirtualTable.js';
import { ClusterScope } from '../hooks/clusters.js';
import { useNow } from '../hooks/engine.js';
import type { ClusterRow } from '../lib/clusters.js';
import { ageKey, ageSince } from '../lib/format.js';
import { sortByKey, type SortSpec } from '../lib/order.js';
import { phaseClass, phaseText, podOrder, readyShare, restartsText } from '../lib/pods.js';
import { rowCountText } from '../lib/loading.js';
import type { Navigate, Route } from '../lib/route.js';
import { AcrossClustersBody, ClusterBadges, PanelCluster, useAcrossClusters } from './acrossClusters.js';
import { LogsPanel } from './LogsPanel.js';
import { useOpenObject } from '../hooks/useOpenObject.js';

type Pod = ClusterRow<PodRow>;

export function ClustersPodsView({ clusters, route, navigate }: { clusters: readonly string[]; route: Route; navigate: Navigate }) {
  const namespace = route.namespace;
  const now = useNow();
  const across = useAcrossClusters<PodRow>(clusters, 'pods', namespace, podOrder, 'pods');
  const rows = across.rows;

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
  const found = route.selected ? rows.find((p) => `${p.namespace}/${p.name}` === route.selected && p.cluster === route.selectedCluster) : undefined;
  // Held as last seen once deleted (useOpenObject), as in the Pods view: its logs stay readable.
  const open = useOpenObject(route.selected ? `${route.selectedCluster ?? ''}/${route.selected}` : null, found);
  const selected = open?.row;
  // The selection's cluster received whole (and every other, as said together): one it lacks is not merely still to come.
  const selectedClusterWhole = across.arriving === null && !!route.selectedCluster && across.statuses[route.selectedCluster]?.dataAgeMs != null;
  const [panelKey, setPanelKey] = useState(0);
  const select = (p: Pod | null) => {
    setPanelKey((k) => k + 1);
    navigate({ ...route, selected: p ? `${p.namespace}/${p.name}` : null, selectedCluster: p ? p.cluster : null });
  };

  return (
    <section className={`view ${selected ? 'with-panel' : ''}`} aria-label="Pods across clusters" data-testid="clusters-pods">
      <div className="toolbar">
        <h2>Pods</h2>
        <span className="count">{rowCountText(sorted.length, rows.length, across.arriving, ` in ${clusters.length} clusters`)}</span>
        <FilterBox value={filter} onChange={(text) => navigate({ ...route, filter: text }, { replace: true })} placeholder="cluster, pod, namespace, node or status" />
        <ClusterBadges across={across} />
      </div>
      {route.selected && route.selectedCluster && !open && selectedClusterWhole ? (
        <NotInListNote where={`${route.selected} (${route.selectedCluster})`} among={`pods in ${route.selectedCluster}`} onClose={() => select(null)} testId="pod-missing" />
      ) : null}
      <AcrossClustersBody
        across={across}
        clusters={clusters}
        what="pods"
        list={
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
        }
        panel={
          selected ? (
          <ClusterScope cluster={selected.cluster}>
            <LogsPanel
              key={`${panelKey}:${selected.clusterKey}`}
              pod={{ namespace: selected.namespace, name: selected.name, containers: selected.containers, goneAt: open?.goneAt ?? null, finished: isFinishedPhase(selected.phase), ...(open?.goneAt === null ? { restarts: selected.restarts } : {}) }}
              onClose={() => select(null)}
              switcher={
                <span className="drill-links">
                  <PanelCluster cluster={selected.cluster} />
                  <ActionButton request={{ action: 'delete-pod', object: { kind: 'Pod', namespace: selected.namespace, name: selected.name } }} uid={selected.uid} goneAt={open?.goneAt ?? null} rowVersion={open?.goneAt === null ? (selected.resourceVersion ?? null) : null} testId="action-delete-pod" className="small danger" />
                </span>
              }
            />
          </ClusterScope>
          ) : null
        }
      />
    </section>
  );
}
