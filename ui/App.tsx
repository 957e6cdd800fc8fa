/**
 * The dashboard's frame: the views' links, which cluster and user (Identity), settings, the connection banner, the sidebar of every
 * kind the cluster serves (a menu behind a button on a narrow screen), and the current view. The last data view stays mounted (hidden) while
 * Diagnostics is open, so Diagnostics shows the subscriptions of what you were looking at
 * instead of watching them linger and stop.
 *
 * The screen is the location hash (lib/route.ts): opening a view, a namespace, a sort or an
 * object pushes a history entry, so Back and Forward walk the screens; typing in a filter
 * replaces the entry instead of adding one per keystroke.
 */
import { useSelector } from '@xstate/react';
import { useCallback, useEffect, useRef, useState, useSyncExternalStore, type RefObject } from 'react';
import { diagnoseConnection } from '../machines/diagnostics.js';
import { ClusterPicker } from './components/ClusterPicker.js';
import { Identity } from './components/Identity.js';
import { UnknownClusters } from './components/UnknownClusters.js';
import { ClusterScope, useClusterChoice, useClusterList } from './hooks/clusters.js';
import { Settings } from './components/Settings.js';
import { Sidebar } from './components/Sidebar.js';
import { useEngine, useNow } from './hooks/engine.js';
import { useDiscovery } from './hooks/useCatalog.js';
import { focusList, useListKeys } from './hooks/useListKeys.js';
import { findKind } from './lib/catalog.js';
import { unknownClusters } from './lib/clusters.js';
import { headerStatus } from './lib/freshness.js';
import { inspectorNotice } from './lib/inspector.js';
import { describeConnection } from './lib/operatorWords.js';
import { openView, parseRoute, routeHash, type Navigate, type Route, type Tab } from './lib/route.js';
import { ClustersEventsView } from './views/ClustersEventsView.js';
import { ClustersNodesView } from './views/ClustersNodesView.js';
import { ClustersPodsView } from './views/ClustersPodsView.js';
import { ClustersResourceView } from './views/ClustersResourceView.js';
import { ClustersWorkloadsView } from './views/ClustersWorkloadsView.js';
import { DiagnosticsView } from './views/DiagnosticsView.js';
import { EventsView } from './views/EventsView.js';
import { HelmView } from './views/HelmView.js';
import { NodesView } from './views/NodesView.js';
import { PodsView } from './views/PodsView.js';
import { ResourceView } from './views/ResourceView.js';
import { DescribeView } from './views/DescribeView.js';
import { WorkloadsView } from './views/WorkloadsView.js';

const tabs: readonly { id: Exclude<Tab, 'helm' | 'resource' | 'events'>; label: string }[] = [
  { id: 'nodes', label: 'Nodes' },
  { id: 'workloads', label: 'Workloads' },
  { id: 'pods', label: 'Pods' },
  { id: 'diagnostics', label: 'Diagnostics' },
];

function useRoute(): [Route, Navigate] {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    // Back/Forward (popstate) and a hash typed into the address bar (hashchange).
    const onLocation = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('popstate', onLocation);
    window.addEventListener('hashchange', onLocation);
    return () => {
      window.removeEventListener('popstate', onLocation);
      window.removeEventListener('hashchange', onLocation);
    };
  }, []);
  const navigate = useCallback<Navigate>((next, options) => {
    const hash = routeHash(next);
    if (hash !== window.location.hash) {
      const url = `${window.location.pathname}${window.location.search}${hash}`;
      if (options?.replace) window.history.replaceState(null, '', url);
      else window.history.pushState(null, '', url);
    }
    // What the address says is what shows: the route is read back from the hash it wrote.
    setRoute(parseRoute(hash));
  }, []);
  return [route, navigate];
}

/**
 * The header's dot: green only while the stream is open and every active view is proven fresh
 * end to end; amber while connected with a view that is not; red with no stream at all.
 */
/** `of`: with several clusters shown, the cluster this dot speaks for, named in its title (the first; the picker has each one's). */
function ConnectionBanner({ of }: { of: string | null }) {
  const engine = useEngine();
  useNow(); // proofs age even when no machine moves
  useSelector(engine.actor, (s) => s.context.subscriptions);
  const connectionRef = useSelector(engine.actor, (s) => s.children.connection);
  const connection = useSelector(connectionRef, (s) => (s ? diagnoseConnection(s) : null), (a, b) => JSON.stringify(a) === JSON.stringify(b));
  // Read at each render (every second, and on every machine change): a view's loading mark comes and goes with its rows.
  const status = headerStatus(connection, engine.diagnostics().rows, (key) => engine.store.collection(key)?.loading ?? null);
  const problem = describeConnection(connection);
  return (
    <span
      className={`conn conn-${status.level}`}
      data-testid="connection"
      data-state={connection?.state ?? 'none'}
      data-level={status.level}
      title={`${of ? `${of}: ` : ''}${problem?.text ?? status.title}`}
    >
      <span className="dot" aria-hidden="true" />
      <span className="conn-text">{status.text}</span>
    </span>
  );
}

/** What `?inspect` could not do (lib/inspector.ts): said once, dismissable. */
function InspectorNotice() {
  const notice = useSyncExternalStore(inspectorNotice.subscribe, inspectorNotice.get);
  return notice ? (
    <div className="banner" role="status" data-testid="inspector-notice">
      {notice}{' '}
      <button type="button" className="small" onClick={inspectorNotice.dismiss}>
        Dismiss
      </button>
    </div>
  ) : null;
}

function DisconnectedNotice() {
  const engine = useEngine();
  const connectionRef = useSelector(engine.actor, (s) => s.children.connection);
  const connection = useSelector(connectionRef, (s) => (s ? diagnoseConnection(s) : null), (a, b) => JSON.stringify(a) === JSON.stringify(b));
  const problem = describeConnection(connection);
  return problem ? (
    <div className="banner" role="alert" data-testid="disconnected">
      {problem.text}
    </div>
  ) : null;
}

/** The sidebar as a menu, on a screen too narrow for it beside the view (the CSS decides which). */
function useMenu(route: Route): { open: boolean; toggle: () => void; close: () => void; button: RefObject<HTMLButtonElement | null> } {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  // Choosing an entry is done with the menu.
  const screen = routeHash({ ...route, filter: '' });
  useEffect(() => setOpen(false), [screen]);
  // An opened menu takes focus at the open entry, so the keyboard starts where the page is.
  useEffect(() => {
    if (open) (document.querySelector<HTMLElement>('#sidebar [aria-current=page]') ?? document.querySelector<HTMLElement>('#sidebar a'))?.focus();
  }, [open]);
  const close = useCallback(() => {
    setOpen(false);
    button.current?.focus();
  }, []);
  return { open, toggle: () => setOpen((o) => !o), close, button };
}

export function App() {
  const [route, navigate] = useRoute();
  const closePanel = useCallback(() => {
    // The Describe page is its object: Esc leaves it with Back, not by emptying it.
    if (route.tab !== 'diagnostics' && route.tab !== 'describe' && route.selected) {
      navigate({ ...route, selected: null });
      return true;
    }
    // A panel the route does not name (an open workload) closes with its own button.
    const close = document.querySelector<HTMLButtonElement>('.pane:not(.hidden) [data-testid=close-panel]');
    close?.click();
    return close !== null;
  }, [route, navigate]);
  useListKeys(closePanel);
  const menu = useMenu(route);
  const discovery = useDiscovery();
  // The data view to keep mounted under Diagnostics.
  const [dataRoute, setDataRoute] = useState<Route>(route.tab === 'diagnostics' ? openView(route, 'nodes') : route);
  useEffect(() => {
    if (route.tab !== 'diagnostics') setDataRoute(route);
  }, [route]);
  const showing = route.tab === 'diagnostics' ? dataRoute : route;
  const choice = useClusterChoice();
  const clusterList = useClusterList();
  // Names the address gives that the backend does not know: said instead of an empty list.
  const unknown = [...choice.refused, ...unknownClusters(choice.names, clusterList.body?.clusters ?? null)];
  const several = choice.names.length > 1 ? choice.names : null;

  return (
    <div className={`app ${menu.open ? 'menu-open' : ''}`}>
      <a
        href="#main"
        className="skip-link"
        onClick={(e) => {
          e.preventDefault(); // the hash is the route: focus the list (or the view) instead
          if (!focusList()) document.getElementById('main')?.focus();
        }}
      >
        Skip to the list
      </a>
      <header className="top">
        <button
          ref={menu.button}
          type="button"
          className="menu-button"
          aria-expanded={menu.open}
          aria-controls="sidebar"
          aria-label="Menu: every kind the cluster serves"
          onClick={menu.toggle}
          data-testid="menu-button"
        >
          <span aria-hidden="true">☰</span> Menu
        </button>
        <h1>kubelive</h1>
        {/* Links, not tabs: each is a screen with its own address, and the current one is marked. */}
        <nav className="tabs" aria-label="Views">
          {tabs.map((t) => (
            <a
              key={t.id}
              href={routeHash(openView(route, t.id))}
              aria-current={route.tab === t.id ? 'page' : undefined}
              className={route.tab === t.id ? 'tab active' : 'tab'}
              onClick={(e) => {
                if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return; // a new tab or window: let the browser
                e.preventDefault();
                navigate(openView(route, t.id));
              }}
              data-testid={`tab-${t.id}`}
            >
              {t.label}
            </a>
          ))}
        </nav>
        <div className="spacer" />
        <ClusterPicker list={clusterList} />
        <span className={`identities ${choice.names.length > 1 ? 'several' : ''}`}>
          {(choice.names.length > 0 ? choice.names : [null]).map((cluster) => (
            <Identity key={cluster ?? ''} cluster={cluster} />
          ))}
        </span>
        <ConnectionBanner of={several ? several[0]! : null} />
        <Settings />
      </header>
      <DisconnectedNotice />
      <InspectorNotice />
      <main className="main" id="main" tabIndex={-1}>
        <Sidebar route={route} discovery={discovery.rows} onNavigate={navigate} onEscape={menu.open ? menu.close : undefined} />
        {menu.open ? <div className="menu-scrim" aria-hidden="true" onClick={menu.close} /> : null}
        {unknown.length > 0 ? (
          <div className="pane">
            <UnknownClusters names={unknown} known={clusterList.body?.clusters ?? []} />
          </div>
        ) : null}
        <div className={route.tab === 'diagnostics' || unknown.length > 0 ? 'hidden' : 'pane'}>
          {unknown.length > 0 ? null : showing.tab === 'nodes' ? several ? <ClustersNodesView clusters={several} route={showing} navigate={navigate} /> : <NodesView route={showing} navigate={navigate} /> : null}
          {showing.tab === 'workloads' ? several ? <ClustersWorkloadsView clusters={several} route={showing} navigate={navigate} /> : <WorkloadsView route={showing} navigate={navigate} /> : null}
          {showing.tab === 'pods' && unknown.length === 0 ? several ? <ClustersPodsView clusters={several} route={showing} navigate={navigate} /> : <PodsView route={showing} navigate={navigate} /> : null}
          {showing.tab === 'events' ? several ? <ClustersEventsView clusters={several} route={showing} navigate={navigate} discovery={discovery.rows} /> : <EventsView route={showing} navigate={navigate} discovery={discovery.rows} /> : null}
          {showing.tab === 'helm' ? <HelmView route={showing} navigate={navigate} /> : null}
          {showing.tab === 'describe' ? (
            // An object of another chosen cluster is described from that cluster (`in=`).
            several && showing.selectedCluster ? (
              <ClusterScope cluster={showing.selectedCluster}>
                <DescribeView key={`${showing.selectedCluster}:${showing.domain}/${showing.selected}`} route={showing} />
              </ClusterScope>
            ) : (
              <DescribeView key={`${showing.domain}/${showing.selected}`} route={showing} />
            )
          ) : null}
          {showing.tab === 'resource' ? (
            several && findKind(discovery.rows, showing.domain ?? '') ? (
              <ClustersResourceView key={showing.domain} clusters={several} kind={findKind(discovery.rows, showing.domain ?? '')!} route={showing} navigate={navigate} />
            ) : (
              <ResourceView kind={findKind(discovery.rows, showing.domain ?? '')} discoveryAnswered={discovery.answered} route={showing} navigate={navigate} />
            )
          ) : null}
        </div>
        {route.tab === 'diagnostics' && unknown.length === 0 ? (
          <div className="pane">
            <DiagnosticsView />
          </div>
        ) : null}
      </main>
    </div>
  );
}
