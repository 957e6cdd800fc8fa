/**
 * The sidebar: every kind the cluster serves, grouped where a Kubernetes user looks for it
 * (lib/catalog.ts), each with its count, and the namespace in scope (the same one the views'
 * selectors set). Counts come from `/api/v1/counts` for the namespace in
 * scope, refreshed slowly; the entry that is open counts the rows its view holds, live. Entries
 * are links, so a kind can be opened in a new tab or its address copied.
 *
 * With several clusters chosen, each count is the sum over them, asked of each cluster, with the
 * split in its title (hover); the open entry is not counted live then, since the page's first
 * engine holds one cluster's rows only. While the open entry's rows are still arriving its count
 * is what has arrived, said so ("40,000…", the progress on hover), never as the kind's total.
 */
import { useMemo } from 'react';
import { subscriptionKey, type ResourceDomain } from '../../machines/domains.js';
import { useClusterChoice } from '../hooks/clusters.js';
import { useCounts, type ClusterCounts } from '../hooks/useCatalog.js';
import { pageCluster } from '../lib/clusters.js';
import { NamespaceSelect } from './NamespaceSelect.js';
import { useLoading, useRowCount } from '../hooks/useStore.js';
import { loadingProgress } from '../lib/loading.js';
import { buildCatalog, countOf, type CatalogItem, type CatalogTarget } from '../lib/catalog.js';
import type { ApiResourceRow } from '../../adapters/rows.js';
import { openView, routeHash, type Route } from '../lib/route.js';

function isOpen(target: CatalogTarget, route: Route): boolean {
  if (target.view === 'resource') return route.tab === 'resource' && route.domain === target.domain;
  return route.tab === target.view;
}

function targetRoute(target: CatalogTarget, route: Route): Route {
  return target.view === 'resource' ? openView(route, 'resource', target.domain) : openView(route, target.view);
}

/** The store key whose rows the open entry's view holds, for a live count. */
function liveKey(entry: CatalogItem, namespace: string): string | null {
  const scope = entry.namespaced ? namespace : '';
  if (entry.target.view === 'resource') return subscriptionKey(entry.target.domain as ResourceDomain, scope);
  if (entry.target.view === 'pods') return subscriptionKey('pods', scope);
  if (entry.target.view === 'events') return subscriptionKey('events', scope);
  if (entry.target.view === 'nodes') return subscriptionKey('nodes', '');
  return null;
}

/** The entry's count summed over the clusters, and the split as a title when there are several; null where none could count. */
function summed(entry: CatalogItem, counts: readonly ClusterCounts[]): { count: number | null; split: string | null } {
  const each = counts.map((c) => ({ cluster: c.cluster ?? '', count: countOf(entry, c.counts) }));
  const known = each.filter((c) => c.count !== null);
  if (known.length === 0) return { count: null, split: null };
  const count = known.reduce((sum, c) => sum + c.count!, 0);
  return { count, split: counts.length > 1 ? each.map((c) => `${c.cluster}: ${c.count === null ? 'not counted' : c.count.toLocaleString()}`).join(' · ') : null };
}

function Entry({ entry, route, counts, onNavigate }: { entry: CatalogItem; route: Route; counts: readonly ClusterCounts[]; onNavigate: (route: Route) => void }) {
  const open = isOpen(entry.target, route);
  const several = counts.length > 1;
  const key = open && !several ? liveKey(entry, route.namespace) : null;
  const live = useRowCount(key);
  const arriving = useLoading(key);
  const total = summed(entry, counts);
  const count = live ?? total.count;
  const countTitle = arriving ? `still loading: ${loadingProgress(arriving)} received` : (total.split ?? undefined);
  const next = targetRoute(entry.target, route);
  return (
    <li>
      <a
        href={routeHash(next)}
        className={`nav-item ${open ? 'active' : ''}`}
        aria-current={open ? 'page' : undefined}
        data-testid={`nav-${entry.id}`}
        title={entry.detail ? `${entry.label} (${entry.detail})` : entry.label}
        onClick={(e) => {
          if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return; // a new tab or window: let the browser
          e.preventDefault();
          if (!open) onNavigate(next);
        }}
      >
        <span className="nav-label">{entry.label}</span>
        {count !== null ? (
          <span
            className={`nav-count${arriving ? ' nav-count-loading' : ''}`}
            data-testid={`count-${entry.id}`}
            data-loading={arriving ? 'true' : undefined}
            aria-label={arriving ? `${entry.label}: ${countTitle}` : `${count} ${entry.label}${total.split ? ` (${total.split})` : ''}`}
            title={countTitle}
            data-split={total.split ?? undefined}
          >
            {count.toLocaleString()}
            {arriving ? '…' : ''}
          </span>
        ) : null}
      </a>
    </li>
  );
}

/** `onEscape`: the sidebar is open as a menu (a narrow screen), and Esc closes it. */
export function Sidebar({
  route,
  discovery,
  onNavigate,
  onEscape,
}: {
  route: Route;
  discovery: readonly ApiResourceRow[];
  onNavigate: (route: Route) => void;
  onEscape?: (() => void) | undefined;
}) {
  const sections = useMemo(() => buildCatalog(discovery), [discovery]);
  const choice = useClusterChoice();
  // Several chosen: every one is counted; one (or none: the backend's default): as the page's engine.
  const counts = useCounts(route.namespace, choice.names.length > 1 ? choice.names : [pageCluster()]);
  return (
    <nav
      id="sidebar"
      className="sidebar"
      aria-label="Resources"
      data-testid="sidebar"
      onKeyDown={(e) => {
        if (e.key !== 'Escape' || !onEscape) return;
        e.preventDefault(); // before the page's Esc, which would close a panel behind the menu
        onEscape();
      }}
    >
      {sections.map((section) => (
        <section key={section.id} className="nav-section" aria-labelledby={`nav-${section.id}-title`}>
          <div className="nav-section-head">
            <h2 id={`nav-${section.id}-title`} className="nav-section-title">
              {section.label}
            </h2>
            {section.id === 'namespace' ? <NamespaceSelect compact value={route.namespace} onChange={(ns) => onNavigate({ ...route, namespace: ns, selected: null })} /> : null}
          </div>
          {section.groups.map((group) => (
            <div key={group.id} className={group.label ? 'nav-group' : 'nav-group nav-top'} data-testid={`nav-group-${group.id}`}>
              {group.label ? <h3 className="nav-group-title">{group.label}</h3> : null}
              <ul>
                {group.items.map((entry) => (
                  <Entry key={entry.id} entry={entry} route={route} counts={counts} onNavigate={onNavigate} />
                ))}
              </ul>
            </div>
          ))}
        </section>
      ))}
      <section className="nav-section" aria-labelledby="nav-kubelive-title">
        <h2 id="nav-kubelive-title" className="nav-section-title">
          kubelive
        </h2>
        <ul>
          <li>
            <a
              href={routeHash(openView(route, 'diagnostics'))}
              className={`nav-item ${route.tab === 'diagnostics' ? 'active' : ''}`}
              aria-current={route.tab === 'diagnostics' ? 'page' : undefined}
              data-testid="nav-diagnostics"
              onClick={(e) => {
                if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
                e.preventDefault();
                onNavigate(openView(route, 'diagnostics'));
              }}
            >
              <span className="nav-label">Diagnostics</span>
            </a>
          </li>
        </ul>
      </section>
    </nav>
  );
}
