/**
 * Helm releases, as `helm list` shows them: one line per release at its newest revision (name,
 * namespace, revision, chart, chart version, app version, status, updated), from the
 * `helm-releases` domain, which carries one row per revision. A click (or Enter) on a release
 * opens its history under it, as `helm history` lists it. The open release, filter, sort and
 * namespace are in the route.
 */
import { useMemo } from 'react';
import type { HelmReleaseRow } from '../../adapters/rows.js';
import { FilterBox, NamespaceSelect } from '../components/NamespaceSelect.js';
import { FreshnessBadge, Loading, Problems } from '../components/StatusBar.js';
import { VirtualTable, type Column } from '../components/VirtualTable.js';
import { useNow } from '../hooks/engine.js';
import { useDomain } from '../hooks/useDomain.js';
import { useSortedRows } from '../hooks/useSortedRows.js';
import { useRows } from '../hooks/useStore.js';
import { ageSince } from '../lib/format.js';
import { isLoading } from '../lib/freshness.js';
import { filterReleases, helmLines, helmReleases, type HelmLine, type HelmRelease } from '../lib/helm.js';
import type { Navigate, Route } from '../lib/route.js';

function statusClass(status: string): string {
  if (status === 'deployed') return 'ok';
  if (status === 'failed') return 'bad';
  if (status.startsWith('pending') || status === 'uninstalling') return 'warn';
  return 'muted';
}

const updatedKey = (r: HelmRelease) => {
  const at = r.latest.updated ? Date.parse(r.latest.updated) : Number.NaN;
  return Number.isFinite(at) ? -at : Number.POSITIVE_INFINITY;
};

export function HelmView({ route, navigate }: { route: Route; navigate: Navigate }) {
  const now = useNow();
  const handle = useDomain('helm-releases', route.namespace);
  const rows = useRows<HelmReleaseRow>(handle.key);
  const releases = useMemo(() => filterReleases(helmReleases(rows), route.filter), [rows, route.filter]);

  // Sorting is over releases; an open release's history stays under it.
  const releaseColumns: Column<HelmRelease>[] = useMemo(
    () => [
      { id: 'name', header: 'Name', width: '', render: () => null, sort: { key: (r) => r.latest.release } },
      { id: 'namespace', header: 'Namespace', width: '', render: () => null, sort: { key: (r) => r.latest.namespace } },
      { id: 'revision', header: 'Revision', width: '', render: () => null, sort: { key: (r) => r.latest.revision, descendingFirst: true } },
      { id: 'chart', header: 'Chart', width: '', render: () => null, sort: { key: (r) => r.latest.chart } },
      { id: 'version', header: 'Chart version', width: '', render: () => null, sort: { key: (r) => r.latest.chartVersion } },
      { id: 'app', header: 'App version', width: '', render: () => null, sort: { key: (r) => r.latest.appVersion } },
      { id: 'status', header: 'Status', width: '', render: () => null, sort: { key: (r) => r.latest.status } },
      { id: 'updated', header: 'Updated', width: '', render: () => null, sort: { key: updatedKey } },
    ],
    [],
  );
  const sorted = useSortedRows(releases, releaseColumns, route.sort, 0);
  const expanded = useMemo(() => new Set(route.selected ? [route.selected] : []), [route.selected]);
  const lines = useMemo(() => helmLines(sorted, expanded), [sorted, expanded]);

  const columns: Column<HelmLine>[] = useMemo(() => {
    const sortOf = (id: string) => releaseColumns.find((c) => c.id === id)?.sort;
    const sortable = (id: string) => {
      const sort = sortOf(id);
      return sort ? { descendingFirst: sort.descendingFirst ?? false } : undefined;
    };
    return [
      {
        id: 'name',
        header: 'Name',
        width: 'minmax(12rem, 2fr)',
        render: (l) =>
          l.past ? (
            <span className="muted history-line">revision {l.row.revision}</span>
          ) : (
            <span className="mono">
              <span className="expander" aria-hidden="true">
                {l.release.history.length > 1 ? (expanded.has(l.release.id) ? '▾ ' : '▸ ') : '  '}
              </span>
              {l.row.release}
            </span>
          ),
        sort: sortable('name'),
      },
      { id: 'namespace', header: 'Namespace', width: 'minmax(7rem, 1fr)', render: (l) => (l.past ? '' : l.row.namespace), sort: sortable('namespace') },
      { id: 'revision', header: 'Revision', width: '6.5rem', align: 'right', render: (l) => l.row.revision, sort: sortable('revision') },
      { id: 'chart', header: 'Chart', width: 'minmax(8rem, 1.5fr)', render: (l) => l.row.chart, sort: sortable('chart') },
      { id: 'version', header: 'Chart version', width: '9rem', render: (l) => l.row.chartVersion, sort: sortable('version') },
      { id: 'app', header: 'App version', width: '8.5rem', render: (l) => l.row.appVersion, sort: sortable('app') },
      { id: 'status', header: 'Status', width: '8.5rem', render: (l) => <span className={statusClass(l.row.status)}>{l.row.status}</span>, sort: sortable('status') },
      { id: 'updated', header: 'Updated', width: '6rem', align: 'right', render: (l) => ageSince(l.row.updated, now), title: (l) => l.row.updated ?? '', sort: sortable('updated') },
      { id: 'description', header: 'Description', width: 'minmax(8rem, 2fr)', render: (l) => <span className="muted">{l.row.description}</span>, title: (l) => l.row.description },
    ];
  }, [releaseColumns, expanded, now]);

  const total = useMemo(() => new Set(rows.map((r) => `${r.namespace}/${r.release}`)).size, [rows]);
  return (
    <section className="view" aria-label="Helm releases" data-testid="helm-view">
      <div className="toolbar">
        <h2>Helm releases</h2>
        <span className="count">{total > 0 ? `${releases.length.toLocaleString()} of ${total.toLocaleString()}` : ''}</span>
        <NamespaceSelect value={route.namespace} onChange={(ns) => navigate({ ...route, namespace: ns, selected: null })} />
        <FilterBox value={route.filter} onChange={(filter) => navigate({ ...route, filter }, { replace: true })} placeholder="release, chart, version or status" />
        <div className="badges">
          <FreshnessBadge label="helm" status={handle.status} />
        </div>
      </div>
      <Problems statuses={[handle.status]} what={`Helm releases in ${route.namespace || 'all namespaces'}`} />
      <div className="split">
        {isLoading(handle.status, rows.length) ? (
          <Loading what={`Helm releases in ${route.namespace || 'all namespaces'}`} status={handle.status} count={rows.length} />
        ) : (
          <VirtualTable
            rows={lines}
            columns={columns}
            rowKey={(l) => l.key}
            selectedKey={route.selected}
            rowClassName={(l) => (l.past ? 'past' : '')}
            onRowClick={(l) => navigate({ ...route, selected: expanded.has(l.release.id) ? null : l.release.id })}
            label="Helm releases"
            empty={rows.length === 0 ? 'No Helm releases.' : 'No releases match.'}
            sort={route.sort}
            onSort={(sort) => navigate({ ...route, sort })}
          />
        )}
      </div>
    </section>
  );
}
