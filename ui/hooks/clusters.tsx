/**
 * The React binding for several clusters: the page's engine pool by context, the address's
 * choice of clusters (lib/clusters.ts) as external state, an engine held for as long as a
 * component shows its cluster, and the backend's list of clusters, asked every few seconds.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from 'react';
import type { Engine } from '../../adapters/engine/engine.js';
import type { ClustersBody } from '../../adapters/protocol.js';
import { fetchClusters } from '../lib/api.js';
import { clusterSearch, pageCluster, parseClusterChoice, type ClusterChoice } from '../lib/clusters.js';
import type { ClusterName, EnginePool } from '../state/enginePool.js';
import { EngineProvider } from './engine.js';

const PoolContext = createContext<EnginePool | null>(null);
const ListContext = createContext<ClusterList>({ body: null, single: false, error: null });

/** The pool, and the backend's list of clusters asked once for the whole page. */
/** `initial`: the list as asked before the first render (`askClusterList`), if it was. */
export function ClustersProvider({ pool, initial, children }: { pool: EnginePool; initial?: ClusterList | undefined; children: ReactNode }) {
  const list = useAskedClusterList(initial);
  return (
    <PoolContext.Provider value={pool}>
      <ListContext.Provider value={list}>{children}</ListContext.Provider>
    </PoolContext.Provider>
  );
}

/** The backend's list of clusters (`GET /api/v1/clusters`), refreshed every few seconds. */
export function useClusterList(): ClusterList {
  return useContext(ListContext);
}

/**
 * The pool's key for a cluster: the backend's default cluster is the engine that names none
 * (null), whether the address names it or not, so adding a second cluster to the default one
 * keeps the page's engine, its proven streams and its screen, instead of starting another.
 */
export function useEngineKey(): (cluster: ClusterName) => ClusterName {
  const defaultName = useClusterList().body?.default ?? null;
  return useCallback((cluster: ClusterName) => (cluster !== null && cluster === defaultName ? null : cluster), [defaultName]);
}

export function usePool(): EnginePool {
  const pool = useContext(PoolContext);
  if (!pool) throw new Error('usePool needs a <ClustersProvider>');
  return pool;
}

/**
 * Every engine the pool runs, re-rendering when one comes or goes. A component's render may
 * create an engine (`useClusterEngine` asks the pool for it in a memo), and the pool tells its
 * listeners at once: told straight away, React would update this component while rendering that
 * one, which it refuses with a console error (seen when a cluster is picked). So the news is
 * passed on a microtask later; React re-reads `engines()` then, and checks it on every render anyway.
 */
export function usePoolEngines(): readonly Engine[] {
  const pool = usePool();
  const subscribe = useCallback(
    (listener: () => void) => {
      let live = true;
      const unsubscribe = pool.subscribe(() => queueMicrotask(() => live && listener()));
      return () => {
        live = false;
        unsubscribe();
      };
    },
    [pool],
  );
  return useSyncExternalStore(subscribe, pool.engines, pool.engines);
}

// ---- the address's choice --------------------------------------------------------------------

const choiceChanged = 'kubelive:clusters';
let lastSearch: string | null = null;
let lastChoice: ClusterChoice = { names: [], refused: [] };

function readChoice(): ClusterChoice {
  if (window.location.search !== lastSearch) {
    lastSearch = window.location.search;
    lastChoice = parseClusterChoice(lastSearch);
  }
  return lastChoice;
}

function subscribeChoice(listener: () => void): () => void {
  // Back/Forward restore an earlier choice; chooseClusters announces a new one.
  window.addEventListener('popstate', listener);
  window.addEventListener(choiceChanged, listener);
  return () => {
    window.removeEventListener('popstate', listener);
    window.removeEventListener(choiceChanged, listener);
  };
}

/** The clusters the address names (empty: the backend's default). */
export function useClusterChoice(): ClusterChoice {
  return useSyncExternalStore(subscribeChoice, readChoice, readChoice);
}

/** Shows these clusters: a new history entry, the screen (the hash) kept. */
export function chooseClusters(names: readonly string[]): void {
  const search = clusterSearch(window.location.search, names);
  if (search === window.location.search || (search === '' && window.location.search === '')) return;
  window.history.pushState(null, '', `${window.location.pathname}${search}${window.location.hash}`);
  window.dispatchEvent(new Event(choiceChanged));
}

// ---- engines ---------------------------------------------------------------------------------

/** The cluster's engine, held while the component is mounted (and lingering after). */
export function useClusterEngine(cluster: ClusterName): Engine {
  const pool = usePool();
  const key = useEngineKey()(cluster);
  const engine = useMemo(() => pool.get(key), [pool, key]);
  useEffect(() => pool.hold(key).release, [pool, key]);
  return engine;
}

/** The cluster a ClusterScope names; undefined outside one (the page's first cluster applies). */
const ScopeContext = createContext<ClusterName | undefined>(undefined);

/**
 * Renders `children` against the cluster's own engine: everything below reads and acts on that
 * cluster, its streams through the engine and its one-off reads (YAML, previous logs, a Secret's
 * value) through `useScopeCluster`.
 */
export function ClusterScope({ cluster, children }: { cluster: ClusterName; children: ReactNode }) {
  const engine = useClusterEngine(cluster);
  return (
    <ScopeContext.Provider value={cluster}>
      <EngineProvider engine={engine}>{children}</EngineProvider>
    </ScopeContext.Provider>
  );
}

/** Where a one-off read of the component's object goes: its ClusterScope's cluster, else the page's first. */
export function useScopeCluster(): ClusterName {
  const scoped = useContext(ScopeContext);
  return scoped === undefined ? pageCluster() : scoped;
}

// ---- the backend's list ----------------------------------------------------------------------

/** The list is one small request; every few seconds keeps each cluster's health current. */
const clustersRefreshMs = 4_000;

export interface ClusterList {
  /** null until answered, and from a backend that serves one cluster only (no `/api/v1/clusters`). */
  readonly body: ClustersBody | null;
  /** The backend answered that it has no such route: it serves its one cluster. */
  readonly single: boolean;
  readonly error: string | null;
}

/**
 * One asking of the list: its body; `single` for a backend of one cluster (it has no such route,
 * 404); else the error, with no body. The page asks once before its first render too, and keys
 * its engine by the answer (`useEngineKey`): an address that names the default cluster, rendered
 * before the list came, started on an engine of that name and moved to the default's (null) when
 * the list said which that is, remounting the whole page a second or so after it loaded, a
 * panel's fetched YAML with it.
 */
export async function askClusterList(signal?: AbortSignal): Promise<ClusterList> {
  try {
    return { body: await fetchClusters(signal), single: false, error: null };
  } catch (error) {
    if ((error as { status?: number }).status === 404) return { body: null, single: true, error: null };
    return { body: null, single: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** `initial`: an answer asked before the first render (not an error); the next asking is then the refresh. */
function useAskedClusterList(initial: ClusterList | undefined): ClusterList {
  const [list, setList] = useState<ClusterList>(initial ?? { body: null, single: false, error: null });
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    // A backend of one cluster has no list: asked again rarely, in case it is upgraded under us.
    const next = (asked: ClusterList) => (timer = setTimeout(ask, asked.single ? 30_000 : clustersRefreshMs));
    const ask = () =>
      askClusterList(controller.signal).then((asked) => {
        if (controller.signal.aborted) return;
        if (asked.error !== null) setList((known) => ({ ...known, error: asked.error }));
        else if (asked.single) setList(asked);
        else setList((known) => (JSON.stringify(known.body) === JSON.stringify(asked.body) ? known : asked));
        next(asked);
      });
    if (initial) next(initial);
    else void ask();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
    // The initial list matters at mount only.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return list;
}
