/**
 * Workloads across several clusters in one list (`?clusters=a,b,c`): each cluster's workloads
 * from its own engine, one table with a Cluster column (acrossClusters.tsx), each cluster with
 * its own freshness badge. No usage columns here: summing pods' metrics would hold every
 * cluster's `pods` and `pod-metrics` too. An open workload's YAML, Events, Describe and actions
 * (Restart, Scale...) go to the workload's own cluster.
 */
import { useDeferredValue, useMemo } from 'react';
import type { WorkloadKind, WorkloadRow } from '../../adapters/rows.js';
import { DescribeLink } from '../components/DrillLinks.js';
import { FilterBox, NamespaceSelect } from '../components/NamespaceSelect.js';
import { VirtualTable, type Column } from '../components/VirtualTable.js';
import { WorkloadActions } from '../components/WorkloadActions.js';
import { ClusterScope } from '../hooks/clusters.js';
import { useNow } from '../hooks/engine.js';
import { useSortedRows } from '../hooks/useSortedRows.js';
import type { ClusterRow } from '../lib/clusters.js';
import { ageKey, ageSince } from '../lib/format.js';
import { compareText } from '../lib/order.js';
import { domainOfKind } from '../lib/related.js';
import { rowCountText } from '../lib/loading.js';
import { objectId, type Navigate, type Route } from '../lib/route.js';
import { countByKind, isListed, isShort, listedKinds, readyText, resourceOfKind, workloadMatches, workloadStatusClass } from '../lib/workloads.js';
import { AcrossClustersBody, ClusterBadges, PanelCluster, useAcrossClusters } from './acrossClusters.js';
import { ObjectEvents } from './ObjectEvents.js';
import { ObjectPanel } from './ObjectPanel.js';
import { useOpenObject } from '../hooks/useOpenObject.js';

type Workload = ClusterRow<WorkloadRow>;

/** Namespace, name, kind, then uid: every row has one place. */
function workloadOrder(a: WorkloadRow, b: WorkloadRow): number {
  return compareText(a.namespace, b.namespace) || compareText(a.name, b.name) || compareText(a.kind, b.kind) || compareText(a.uid, b.uid);
}

export function ClustersWorkloadsView({ clusters, route, navigate }: { clusters: readonly string[]; route: Route; navigate: Navigate }) {
  const namespace = route.namespace;
  const now = useNow();
  const across = useAcrossClusters<WorkloadRow>(clusters, 'workloads', namespace, workloadOrder, 'workloads');
  const rows = across.rows;
  const kind: WorkloadKind | 'all' = (listedKinds as readonly string[]).includes(route.kind ?? '') ? (route.kind as WorkloadKind) : 'all';
  const counts = useMemo(() => countByKind(rows), [rows]);
  const deferredFilter = useDeferredValue(route.filter);
  const list = useMemo(() => {
    const needle = deferredFilter.trim().toLowerCase();
    return rows.filter((w) => isListed(w) && (kind === 'all' || w.kind === kind) && (w.cluster.toLowerCase().includes(needle) || workloadMatches(w, needle)));
  }, [rows, kind, deferredFilter]);

  const columns: Column<Workload>[] = useMemo(
    () => [
      { id: 'cluster', header: 'Cluster', width: 'minmax(11rem, 1.2fr)', render: (w) => <span className="mono">{w.cluster}</span>, title: (w) => w.cluster, sort: { key: (w) => w.cluster } },
      { id: 'name', header: 'Name', width: 'minmax(12rem, 3fr)', render: (w) => <span className="mono">{w.name}</span>, title: (w) => w.name, sort: { key: (w) => w.name } },
      ...(namespace === '' ? [{ id: 'namespace', header: 'Namespace', width: 'minmax(7rem, 1fr)', render: (w: Workload) => w.namespace, sort: { key: (w: Workload) => w.namespace } }] : []),
      { id: 'kind', header: 'Kind', width: '8.5rem', render: (w) => w.kind, sort: { key: (w) => w.kind } },
      { id: 'status', header: 'Status', width: 'minmax(12.5rem, 1.6fr)', render: (w) => <span className={workloadStatusClass(w)}>{w.status ?? '—'}</span>, title: (w) => w.statusMessage ?? w.status ?? '', sort: { key: (w) => w.status ?? '' } },
      { id: 'ready', header: 'Ready', width: '6rem', align: 'right', render: (w) => <span className={isShort(w) ? 'warn' : undefined}>{readyText(w)}</span>, sort: { key: (w) => (w.desired > 0 ? w.ready / w.desired : 1) } },
      { id: 'age', header: 'Age', width: '5.5rem', align: 'right', render: (w) => ageSince(w.createdAt, now), sort: { key: ageKey } },
    ],
    [namespace, now],
  );
  const shown = useSortedRows(list, columns, route.sort, 0);

  const found = route.selected && route.selectedKind ? rows.find((w) => w.kind === route.selectedKind && objectId(w.namespace, w.name) === route.selected && w.cluster === (route.selectedCluster ?? clusters[0])) : undefined;
  // Held as last seen once deleted (useOpenObject): its YAML and Events stay, marked deleted.
  const open = useOpenObject(route.selected && route.selectedKind ? `${route.selectedCluster ?? clusters[0]}/${route.selectedKind}/${route.selected}` : null, found);
  const selected = open?.row;
  const select = (w: Workload | null) => navigate({ ...route, selected: w ? objectId(w.namespace, w.name) : null, selectedKind: w ? w.kind : null, selectedCluster: w ? w.cluster : null });

  return (
    <section className={`view ${selected ? 'with-panel' : ''}`} aria-label="Workloads across clusters" data-testid="clusters-workloads">
      <div className="toolbar">
        <h2>Workloads</h2>
        <span className="count">{rowCountText(list.length, counts.all, across.arriving, ` in ${clusters.length} clusters`)}</span>
        <NamespaceSelect value={namespace} onChange={(ns) => navigate({ ...route, namespace: ns, selected: null, selectedCluster: null })} />
        <div className="kinds" role="group" aria-label="Kind">
          {(['all', ...listedKinds] as const).map((k) => (
            <button key={k} type="button" className={`chip ${k === kind ? 'active' : ''}`} aria-pressed={k === kind} onClick={() => navigate({ ...route, kind: k === 'all' ? null : k })} data-testid={`kind-${k}`}>
              {k === 'all' ? 'All' : `${k}s`} <span className="chip-count">{counts[k]}</span>
            </button>
          ))}
        </div>
        <FilterBox value={route.filter} onChange={(filter) => navigate({ ...route, filter }, { replace: true })} placeholder="cluster, workload, namespace, kind or status" />
        <ClusterBadges across={across} />
      </div>
      <AcrossClustersBody
        across={across}
        clusters={clusters}
        what="workloads"
        list={<VirtualTable rows={shown} columns={columns} rowKey={(w) => w.clusterKey} selectedKey={selected?.clusterKey ?? null} onRowClick={(w) => select(w)} label="Workloads across clusters" empty="No workloads match." sort={route.sort} onSort={(sort) => navigate({ ...route, sort })} />}
        panel={
          selected ? (
            <ClusterScope cluster={selected.cluster}>
              <ObjectPanel
                key={selected.clusterKey}
                target={{ resource: resourceOfKind(selected.kind), namespace: selected.namespace, name: selected.name }}
                open={open}
                onClose={() => select(null)}
                switcher={
                  <span className="drill-links">
                    <PanelCluster cluster={selected.cluster} />
                    <DescribeLink from={route} domain={domainOfKind(selected.kind) ?? ''} namespace={selected.namespace} name={selected.name} />
                  </span>
                }
                actions={<WorkloadActions workload={selected} goneAt={open?.goneAt ?? null} />}
                aside={<ObjectEvents subject={{ uid: selected.uid, kind: selected.kind, namespace: selected.namespace, name: selected.name }} />}
              />
            </ClusterScope>
          ) : null
        }
      />
    </section>
  );
}
