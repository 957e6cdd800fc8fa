/**
 * Diagnostics: for every active domain and scope, what its machine says right now — retrieval
 * mode, health and reason, stream connected/delivering and the last delivery's age, polling
 * enabled or paused and its interval, the metrics interval, the backend's upstream report, the
 * freshness bound with the upstream and end-to-end proof ages, stale frames the store refused,
 * counters and the last transitions — plus the connection and the backend's own view of its
 * upstream list-watches. Everything is derived from machine snapshots at render time
 * (engine.diagnostics()), re-rendered every second and on every orchestrator change. With
 * several clusters on the page each has its own engine: the table lists every engine's rows,
 * with a Cluster column, and a card per engine says how its stream connection stands.
 */
import { useSelector } from '@xstate/react';
import { useEffect, useState } from 'react';
import type { DiagnosticsRow } from '../../machines/diagnostics.js';
import type { Engine } from '../../adapters/engine/engine.js';
import { useClusterList, usePoolEngines } from '../hooks/clusters.js';
import { useEngine, useNow } from '../hooks/engine.js';
import { backendDiagnostics, type BackendDiagnostics } from '../lib/api.js';
import { formatAgo, formatClock, formatInterval } from '../lib/format.js';
import { freshnessOf, isProven } from '../lib/freshness.js';
import { scopeText } from '../lib/operatorWords.js';
import { loadingProgress, type RowsLoading } from '../lib/loading.js';

/** The backend's diagnostics are a request: every two seconds is live enough and cheap. */
const backendPollMs = 2000;

function useBackendDiagnostics(): { data: BackendDiagnostics | null; error: string | null } {
  const [state, setState] = useState<{ data: BackendDiagnostics | null; error: string | null }>({ data: null, error: null });
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const data = await backendDiagnostics();
        if (live) setState({ data, error: null });
      } catch (error) {
        if (live) setState((s) => ({ data: s.data, error: error instanceof Error ? error.message : String(error) }));
      }
      if (live) timer = setTimeout(poll, backendPollMs);
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, []);
  return state;
}

function Yes({ value, yes, no }: { value: boolean; yes: string; no: string }) {
  return <span className={value ? 'ok' : 'warn'}>{value ? yes : no}</span>;
}

/** How an engine's cluster is named on screen: the engine that names none is the backend's default. */
function clusterLabel(engine: Engine, defaultName: string | null): string {
  return engine.cluster ?? defaultName ?? 'default';
}

/** `loading`: the rows still arriving for this key (lib/loading.ts), read from its engine's store at render. */
function DomainRow({ row, refused, loading, cluster, testId }: { row: DiagnosticsRow; refused: number; loading: RowsLoading | null; cluster: string; testId: string }) {
  const freshness = freshnessOf(row, loading);
  const recent = row.transitions.slice(-4).reverse();
  const counters = Object.entries(row.counters).filter(([, n]) => n > 0);
  return (
    <tr
      data-testid={testId}
      data-cluster={cluster}
      data-key={row.key}
      data-mode={row.mode}
      data-health={row.health}
      data-reason={row.reason ?? ''}
      data-polling={row.polling.enabled ? 'enabled' : 'paused'}
      data-metrics-interval={row.metricsIntervalMs}
      data-freshness-bound={row.freshnessBoundMs}
      data-upstream-proof-age={row.upstreamProofAgeMs ?? ''}
      data-proof-age={row.proofAgeMs ?? ''}
      data-loading={loading ? loadingProgress(loading) : ''}
    >
      <td className="mono cluster-cell">{cluster}</td>
      <td>
        <div className="mono strong">{row.domain}</div>
        <div className="muted">{row.scope === '' ? scopeText(row) : row.scope}</div>
        <div className="muted small">{row.holders} view{row.holders === 1 ? '' : 's'}</div>
      </td>
      <td>
        {/* A domain with no stream (metrics, discovery) is polled by design: not a warning colour. */}
        <div className={`mode mode-${row.stream === null ? 'by-design' : row.mode}`}>{row.mode}</div>
        <div className="muted small">{row.state}</div>
      </td>
      <td>
        <div className={`health health-${row.health}`}>{row.health}</div>
        {row.reason ? <div className="reason">{row.reason}</div> : null}
        {row.lastError ? <div className="muted small clip" title={row.lastError}>{row.lastError}</div> : null}
      </td>
      <td>
        {row.stream ? (
          <>
            <div>
              <Yes value={row.stream.connected} yes="connected" no="not connected" />
            </div>
            <div>
              <Yes value={row.stream.delivering} yes="delivering" no="not delivering" />
            </div>
            <div className="muted small">last {formatAgo(row.stream.lastDeliveryAgeMs)}</div>
          </>
        ) : (
          <span className="muted">no stream</span>
        )}
      </td>
      <td>
        {row.polling.enabled ? (
          <>
            {/* Polling is a fallback for a streamed domain (amber), the design for one with no stream. */}
            <div className={row.stream === null ? undefined : 'warn'}>enabled</div>
            <div className="muted small">every {formatInterval(row.polling.intervalMs)}</div>
          </>
        ) : (
          <div className="ok">paused</div>
        )}
      </td>
      <td className="metrics-interval">{formatInterval(row.metricsIntervalMs)}</td>
      <td>
        {row.upstream ? (
          <>
            <div className={row.upstream.healthy ? 'ok' : 'warn'}>{row.upstream.state}</div>
            {row.upstream.reason ? <div className="muted small">{row.upstream.reason}</div> : null}
            {row.upstream.partial ? (
              <div className="muted small" data-testid="upstream-partial">
                {row.upstream.partial.summary}: {row.upstream.partial.namespaces.join(', ') || 'none'}
                {row.upstream.partial.refused.length > 0 ? `; refused ${row.upstream.partial.refused.map((r) => `${r.namespace} (${r.reason})`).join(', ')}` : ''}
              </div>
            ) : null}
          </>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td className="proof">
        {row.stream ? (
          <>
            <div className={isProven(row) ? 'ok' : 'warn'}>{row.proofAgeMs === null ? 'not proven' : `proven ${formatAgo(row.proofAgeMs)}`}</div>
            <div className="muted small">upstream {row.upstreamProofAgeMs === null ? 'no proof' : `proven ${formatAgo(row.upstreamProofAgeMs)}`}</div>
          </>
        ) : (
          <span className="muted">no stream</span>
        )}
        <div className="muted small">bound {formatInterval(row.freshnessBoundMs)}</div>
      </td>
      <td>
        {loading ? (
          <div className="warn" data-testid="diagnostics-loading">
            loading: {loadingProgress(loading)} rows received, not yet whole and verified
          </div>
        ) : (
          <div>{row.itemCount === null ? '—' : row.itemCount.toLocaleString()} items</div>
        )}
        <div className={`small badge-inline badge-${freshness.level}`}>data {formatAgo(row.dataAgeMs)}</div>
        {row.sampleAgeMs !== null ? <div className="muted small">sample {formatAgo(row.sampleAgeMs)}</div> : null}
        {refused > 0 ? <div className="muted small">{refused} stale frame{refused === 1 ? '' : 's'} refused</div> : null}
      </td>
      <td className="counters small">
        {counters.length === 0 ? <span className="muted">—</span> : counters.map(([name, n]) => <div key={name}>{name} {n}</div>)}
      </td>
      <td className="transitions small">
        {recent.map((t, i) => (
          <div key={`${t.at}-${i}`}>
            <span className="mono muted">{formatClock(t.at)}</span> {t.from} → <strong>{t.to}</strong>
            {t.reason ? <span className="reason"> ({t.reason})</span> : null}
          </div>
        ))}
      </td>
    </tr>
  );
}

export function DiagnosticsView() {
  const engine = useEngine();
  useNow(); // re-render every tick: ages move even when no machine does
  useSelector(engine.actor, (s) => s.context.subscriptions); // and whenever subscriptions come or go
  const diagnostics = engine.diagnostics();
  // The page's engine first, then every other cluster's the pool runs (held or lingering).
  const engines = [engine, ...usePoolEngines().filter((e) => e !== engine)];
  const defaultName = useClusterList().body?.default ?? null;
  const labelOf = (e: Engine) => clusterLabel(e, defaultName);
  const rows = engines.flatMap((e) => e.diagnostics().rows.map((row) => ({ engine: e, row })));
  const config = engine.config();
  const backend = useBackendDiagnostics();
  const connection = diagnostics.connection;
  const counters = engine.counters;

  return (
    <section className="view diagnostics" aria-label="Diagnostics">
      <div className="toolbar">
        <h2>Diagnostics</h2>
        <span className="muted">Every active domain and scope, from its state machine. Updates every second.</span>
      </div>
      {/* One Tab stop: arrows scroll the tables from the keyboard. */}
      <div className="diag-scroll" tabIndex={0} role="region" aria-label="Diagnostics tables">
        <div className="cards">
          <div className="card" data-testid="diag-connection" data-state={connection?.state ?? 'none'}>
            <h3>Stream connection</h3>
            <div className={connection?.open ? 'ok strong' : 'warn strong'}>{connection?.state ?? 'not started'}</div>
            <div className="muted small">
              {connection ? `${connection.connects} connects, ${connection.disconnects} disconnects, attempt ${connection.attempts}` : ''}
            </div>
            {connection?.lastCloseReason ? <div className="muted small">last close: {connection.lastCloseReason}</div> : null}
          </div>
          {engines.length > 1 ? (
            <div className="card" data-testid="diag-clusters">
              <h3>Clusters</h3>
              {engines.map((e) => {
                const c = e.diagnostics().connection;
                return (
                  <div key={labelOf(e)} className="small" data-testid={`diag-cluster-${labelOf(e)}`} data-state={c?.state ?? 'none'}>
                    <span className="mono">{labelOf(e)}</span>: <span className={c?.open ? 'ok' : 'warn'}>{c?.state ?? 'not started'}</span>, {e.diagnostics().rows.length} subscriptions
                  </div>
                );
              })}
            </div>
          ) : null}
          <div className="card">
            <h3>Engine</h3>
            <div className="small">metrics every {formatInterval(diagnostics.metricsIntervalMs)}</div>
            <div className="small muted">
              heartbeat {formatInterval(config.heartbeatIntervalMs)}, stall after {formatInterval(config.stallTimeoutMs)}, pending {formatInterval(config.pendingTimeoutMs)}, freshness bound {formatInterval(config.freshnessBoundMs)}
            </div>
            <div className="small muted">
              frames {counters.framesReceived}, resets {counters.resetsReceived}, drifts {counters.drifts}, resumes {counters.resumes}
            </div>
            <div className="small muted" data-testid="frames-refused">
              frames refused behind a fresh read {counters.framesRefused}
            </div>
            {diagnostics.rejected.length > 0 ? <div className="small warn">rejected: {diagnostics.rejected[diagnostics.rejected.length - 1]}</div> : null}
          </div>
          <div className="card">
            <h3>Backend</h3>
            {backend.data ? (
              <>
                <div className="small">
                  {backend.data.kube.demo ? 'demo cluster' : backend.data.kube.context} · <span className="mono">{backend.data.kube.server}</span>
                </div>
                <div className="small muted">
                  {backend.data.clients.length} client{backend.data.clients.length === 1 ? '' : 's'}
                  {backend.data.faults && backend.data.faults.length > 0 ? ` · faults: ${backend.data.faults.map((f) => f.fault).join(', ')}` : ''}
                </div>
              </>
            ) : null}
            {backend.error ? <div className="small warn">cannot read the backend's diagnostics: {backend.error}</div> : null}
          </div>
        </div>

        <table className="diag-table" data-testid="diag-domains">
          <thead>
            <tr>
              <th>Cluster</th>
              <th>Domain / scope</th>
              <th>Mode</th>
              <th>Health</th>
              <th>Stream</th>
              <th>Polling</th>
              <th>Metrics</th>
              <th>Upstream</th>
              <th>Proof</th>
              <th>Data</th>
              <th>Counters</th>
              <th>Last transitions</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr>
                <td colSpan={12} className="muted">
                  No active subscriptions: open Nodes, Workloads or Pods.
                </td>
              </tr>
            ) : (
              rows.map(({ engine: e, row }) => (
                <DomainRow
                  key={`${labelOf(e)}/${row.key}`}
                  row={row}
                  cluster={labelOf(e)}
                  // The page's own engine keeps the plain id; another cluster's rows are prefixed with it.
                  testId={e === engine ? `diag-${row.key}` : `diag-${labelOf(e)}/${row.key}`}
                  refused={e.store.collection(row.key)?.refused ?? 0}
                  loading={e.store.collection(row.key)?.loading ?? null}
                />
              ))
            )}
          </tbody>
        </table>

        <h3 className="section">Backend upstream list-watches</h3>
        <table className="diag-table" data-testid="backend-upstreams">
          <thead>
            <tr>
              <th>Resource</th>
              <th>State</th>
              <th>Report</th>
              <th>Proof</th>
              <th>Rows</th>
              <th>Users</th>
              <th>Lists / watches / stalls</th>
              <th>Last error</th>
            </tr>
          </thead>
          <tbody>
            {(backend.data?.upstreams ?? []).map((u) => (
              <tr key={u.key} data-testid={`upstream-${u.key}`}>
                <td className="mono">{u.key}</td>
                <td className={u.report.healthy ? 'ok' : 'warn'}>{u.state}</td>
                <td>
                  {u.report.healthy ? 'healthy' : `unhealthy${u.report.reason ? `: ${u.report.reason}` : ''}`}
                  {u.report.lastEventAgeMs != null ? <div className="muted small">last event {formatAgo(u.report.lastEventAgeMs)}</div> : null}
                </td>
                <td data-testid={`upstream-proof-${u.key}`}>
                  {u.proof && u.proof.boundMs !== null ? (
                    <>
                      <span className={u.report.healthy ? 'ok' : 'warn'}>
                        {u.proof.ageMs === null ? 'not proven yet' : `proven ${formatAgo(u.proof.ageMs)}`}
                      </span>
                      <div className="muted small">
                        bound {formatInterval(u.proof.boundMs)} · probes {u.proof.passed} passed, {u.proof.failed} failed · lapses {u.proof.lapses}
                      </div>
                      {u.proof.lastFailure ? <div className="muted small clip" title={u.proof.lastFailure}>last failure: {u.proof.lastFailure}</div> : null}
                    </>
                  ) : (
                    <span className="muted">nothing to prove against</span>
                  )}
                </td>
                <td>{u.rows.toLocaleString()}</td>
                <td>
                  {u.users}
                  {u.stopsInMs !== null ? <div className="muted small">stops in {formatInterval(u.stopsInMs)}</div> : null}
                </td>
                <td>
                  {u.lists} / {u.watches} / {u.stalls}
                </td>
                <td className="muted small clip" title={u.lastError ?? ''}>
                  {u.lastError ?? '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
