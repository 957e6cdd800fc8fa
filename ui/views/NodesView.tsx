/**
 * Nodes: readiness, scheduling, taints, version and age from the `nodes` stream, usage from
 * `node-metrics` with a sparkline of recent samples, and Cordon/Uncordon (Drain in the node's
 * panel), each confirmed in a dialog that names the cluster. The button only sends the request:
 * the row changes when the change comes back through the stream, like any other.
 * Clicking a row opens the node's whole object as YAML below the list.
 */
import { useDeferredValue, useMemo } from 'react';
import type { NodeRow } from '../../adapters/rows.js';
import { Sparkline } from '../components/Sparkline.js';
import { FreshnessBadge, Loading, Problems } from '../components/StatusBar.js';
import { FilterBox } from '../components/NamespaceSelect.js';
import { VirtualTable, type Column } from '../components/VirtualTable.js';
import type { Engine } from '../../adapters/engine/engine.js';
import { useEngine, useNow } from '../hooks/engine.js';
import { useDomain } from '../hooks/useDomain.js';
import { useLoading, useMetricsVersion, useRows } from '../hooks/useStore.js';
import { rowCountText } from '../lib/loading.js';
import { ActionButton } from '../components/ActionButton.js';
import { ageKey, ageSince, formatBytes, formatCpu, formatShare, formatTaint } from '../lib/format.js';
import { isLoading, staleMetrics } from '../lib/freshness.js';
import { byName, nodeMatches, notReadyReason, rolesText, statusText, troubleConditions } from '../lib/nodes.js';
import { DescribeLink, PodsLink } from '../components/DrillLinks.js';
import type { SortSpec } from '../lib/order.js';
import { useSortedRows } from '../hooks/useSortedRows.js';
import type { Navigate, Route } from '../lib/route.js';
import { ObjectEvents } from './ObjectEvents.js';
import { ObjectPanel } from './ObjectPanel.js';
import { useOpenObject } from '../hooks/useOpenObject.js';
import { useMediaQuery } from '../hooks/useMediaQuery.js';

/** Narrower than the sparkline's own 64 px: two of them cost the Nodes table 32 px it needs for names. */
const sparklineWidth = 48;

/**
 * Where every column fits: their minimums (83rem, 1,079 px at the 13-px root) beside the 17rem
 * sidebar and the view's padding (264 px), a 15-px scrollbar included, need a 1,358-px window.
 * Narrower, Version goes: it is the column that tells nodes apart least (one kubelet version for
 * all of them but during an upgrade), and the name's title, the node's YAML and Describe still
 * say it. Without it the minimums are 77.5rem, which fit a 1,280-px window, scrollbar and all.
 */
const versionColumnFrom = '(min-width: 1358px)';

/**
 * A usage column: sparkline of recent samples, the newest value, and its share of allocatable;
 * dimmed, with a title saying how old, once the numbers are older than the metrics interval.
 */
function usageColumn(
  engine: Engine,
  id: string,
  header: string,
  field: 'cpuMillicores' | 'memoryBytes',
  width: string,
  format: (v: number | null | undefined) => string,
  old: (sampleTime: number | null | undefined) => string | null,
): Column<NodeRow> {
  return {
    id,
    header,
    width,
    align: 'right',
    sort: { key: (n) => engine.store.metricsFor('node', n.name)?.usage[field] ?? -1, descendingFirst: true },
    cellClass: (n) => (old(engine.store.metricsFor('node', n.name)?.sampleTime) ? 'stale-metric' : undefined),
    title: (n) => old(engine.store.metricsFor('node', n.name)?.sampleTime) ?? undefined,
    render: (n) => {
      const sample = engine.store.metricsFor('node', n.name);
      return (
        <span className="usage">
          <Sparkline values={sample?.history.map((h) => h[field]) ?? []} width={sparklineWidth} label={`${header} of ${n.name}`} />
          <span>{format(sample?.usage[field])}</span>
          <span className="share">{formatShare(sample?.usage[field], n.allocatable[field], field)}</span>
        </span>
      );
    },
  };
}

export function NodesView({ route, navigate }: { route: Route; navigate: Navigate }) {
  const engine = useEngine();
  const now = useNow();
  const nodes = useDomain('nodes', '');
  const metrics = useDomain('node-metrics', '');
  const rows = useRows<NodeRow>(nodes.key);
  const arriving = useLoading(nodes.key);
  const metricsVersion = useMetricsVersion();
  // Filter, sort and the node whose YAML is open below the list are the route's (lib/route.ts).
  const filter = route.filter;
  const setFilter = (text: string) => navigate({ ...route, filter: text }, { replace: true });
  const sort = route.sort;
  const setSort = (next: SortSpec) => navigate({ ...route, sort: next });
  const setSelected = (node: { name: string } | null) => navigate({ ...route, selected: node?.name ?? null });
  // The open node, held as last seen once deleted (useOpenObject): its YAML and Events stay.
  const found = useMemo(() => (route.selected ? rows.find((n) => n.name === route.selected) : undefined), [rows, route.selected]);
  const open = useOpenObject(route.selected, found);
  const selected = route.selected ? { uid: open?.row.uid ?? '', name: route.selected } : null;
  const deferredFilter = useDeferredValue(filter);

  const listed = useMemo(() => {
    const needle = deferredFilter.trim().toLowerCase();
    return rows.filter((n) => nodeMatches(n, needle)).sort(byName);
  }, [rows, deferredFilter]);

  // The columns fit a 1,400-px window beside the sidebar, scrollbar included: their minimums add
  // up to 83rem (1,079 px) of the 1,136 px left; a 1,280-px window leaves 1,016, and Version goes
  // (versionColumnFrom). Short words (Status, Version, Age) get what they need and no more; what
  // is left goes mostly to Name, then Taints, Roles and Status.
  const versionShown = useMediaQuery(versionColumnFrom);
  const columns: Column<NodeRow>[] = useMemo(
    () => [
      {
        id: 'name',
        header: 'Name',
        width: 'minmax(12.5rem, 3fr)',
        render: (n) => <span className="mono">{n.name}</span>,
        title: (n) => (versionShown ? n.name : `${n.name}\nkubelet ${n.kubeletVersion}`),
        sort: {},
      },
      { id: 'roles', header: 'Roles', width: 'minmax(8rem, 1fr)', render: (n) => rolesText(n), title: (n) => rolesText(n), sort: { key: rolesText } },
      {
        id: 'ready',
        header: 'Status',
        width: 'minmax(6rem, 1fr)',
        sort: { key: (n) => (n.ready === 'True' ? 1 : 0) - troubleConditions(n).length / 10 },
        // kubectl's STATUS word (its Ready part: SchedulingDisabled has its own column), the
        // reason a node is not ready, and every pressure condition that is True, in words.
        render: (n) => {
          const trouble = troubleConditions(n);
          return (
            <span className={n.ready === 'True' && trouble.length === 0 ? 'ok' : 'bad'} data-testid={`node-status-${n.name}`}>
              {statusText({ ...n, unschedulable: false })}
              {trouble.map((t) => ` · ${t}`).join('')}
            </span>
          );
        },
        title: (n) => [statusText(n), notReadyReason(n), ...troubleConditions(n)].filter(Boolean).join('\n'),
      },
      {
        id: 'scheduling',
        header: 'Scheduling',
        width: '8.5rem', // its header, sortable, is the widest thing in it
        sort: { key: (n) => (n.unschedulable ? 1 : 0), descendingFirst: true },
        render: (n) => (n.unschedulable ? <span className="pill pill-warn">Cordoned</span> : <span className="muted">Schedulable</span>),
      },
      {
        id: 'taints',
        header: 'Taints',
        // "none" on most nodes; a taint is cut short at once anyway (one is 48 characters), its whole list in the title.
        width: 'minmax(4.5rem, 1.5fr)',
        sort: { key: (n) => n.taints.length, descendingFirst: true },
        render: (n) => (n.taints.length === 0 ? <span className="muted">none</span> : n.taints.map(formatTaint).join(', ')),
        title: (n) => n.taints.map(formatTaint).join('\n'),
      },
      ...(versionShown ? [{ id: 'version', header: 'Version', width: '5.5rem', render: (n: NodeRow) => n.kubeletVersion, title: (n: NodeRow) => n.kubeletVersion, sort: { key: (n: NodeRow) => n.kubeletVersion } }] : []),
      { id: 'age', header: 'Age', width: '4.5rem', align: 'right', render: (n) => ageSince(n.createdAt, now), sort: { key: ageKey } },
      usageColumn(engine, 'cpu', 'CPU', 'cpuMillicores', '14.5rem', formatCpu, (t) => staleMetrics(metrics.status, t, now)),
      usageColumn(engine, 'memory', 'Memory', 'memoryBytes', '12rem', formatBytes, (t) => staleMetrics(metrics.status, t, now)),
      {
        id: 'action',
        header: '',
        width: '7rem',
        // Confirmed in a dialog naming the cluster and node; pending until the stream shows it (ActionButton).
        render: (n) => <ActionButton request={{ action: n.unschedulable ? 'uncordon' : 'cordon', object: { kind: 'Node', name: n.name } }} uid={n.uid} rowVersion={n.resourceVersion} testId={`cordon-${n.name}`} />,
      },
    ],
    // metricsVersion: the cells read samples from the store when metrics move.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [engine, now, metricsVersion, metrics.status, versionShown],
  );
  const shown = useSortedRows(listed, columns, sort, metricsVersion);

  return (
    <section className={`view ${selected ? 'with-panel' : ''}`} aria-label="Nodes">
      <div className="toolbar">
        <h2>Nodes</h2>
        <span className="count" data-testid="row-count">{rowCountText(listed.length, rows.length, arriving)}</span>
        <FilterBox value={filter} onChange={setFilter} placeholder="node, role, status or pressure" />
        <div className="badges">
          <FreshnessBadge label="nodes" status={nodes.status} />
          <FreshnessBadge label="metrics" status={metrics.status} />
        </div>
      </div>
      <Problems statuses={[nodes.status, metrics.status]} what="nodes" narrowed={filter.trim() !== '' || sort !== null} />
      <div className="split">
        {isLoading(nodes.status, rows.length) ? (
          <Loading what="nodes" status={nodes.status} count={rows.length} />
        ) : (
          <VirtualTable
            rows={shown}
            columns={columns}
            rowKey={(n) => n.name}
            rowHeight={34}
            label="Nodes"
            empty={arriving ? 'No nodes match among those received so far.' : 'No nodes match.'}
            sort={sort}
            onSort={setSort}
            selectedKey={selected?.name ?? null}
            onRowClick={(n) => setSelected({ name: n.name })}
          />
        )}
        {selected && !isLoading(nodes.status, rows.length) ? (
          <ObjectPanel
            key={`${selected.name}:${selected.uid}`}
            target={{ resource: 'nodes', namespace: '', name: selected.name }}
            open={open}
            onClose={() => setSelected(null)}
            switcher={
              <span className="drill-links">
                <PodsLink by={{ node: selected.name }}>Pods on this node</PodsLink>
                <DescribeLink from={route} domain="core/v1/nodes" namespace="" name={selected.name} />
              </span>
            }
            actions={<ActionButton request={{ action: 'drain', object: { kind: 'Node', name: selected.name } }} uid={selected.uid} goneAt={open?.goneAt ?? null} rowVersion={null} testId="action-drain" className="small danger" />}
            aside={<ObjectEvents subject={{ uid: selected.uid, kind: 'Node', namespace: '', name: selected.name }} />}
          />
        ) : null}
      </div>
    </section>
  );
}
