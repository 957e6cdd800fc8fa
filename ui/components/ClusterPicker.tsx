/**
 * The header's cluster picker: every context of the backend's kubeconfig with its health (a dot,
 * the words, and the reason in the title), asked every few seconds. A cluster the page shows is
 * judged by its own engine, the truth for its views ("live", "unproven", "disconnected"); the
 * others by the backend's word. Choosing a name shows that cluster alone (`?cluster=`); ticking
 * boxes shows several at once (`?clusters=`). A backend of one cluster has no list: the picker
 * then says nothing and the identity names the cluster.
 */
import { useSelector } from '@xstate/react';
import { useEffect, useRef, useState } from 'react';
import type { Engine } from '../../adapters/engine/engine.js';
import type { ClusterSummary } from '../../adapters/protocol.js';
import { chooseClusters, useClusterChoice, useEngineKey, usePool, usePoolEngines, type ClusterList } from '../hooks/clusters.js';
import { useNow } from '../hooks/engine.js';
import { clusterHealthWords, toggleCluster } from '../lib/clusters.js';
import { headerStatus } from '../lib/freshness.js';

type Dot = 'live' | 'unproven' | 'down' | 'idle';

const backendDots: Record<ClusterSummary['health'], Dot> = { healthy: 'live', degraded: 'unproven', unreachable: 'down', idle: 'idle', unknown: 'idle' };

interface Judged {
  readonly dot: Dot;
  readonly words: string;
  readonly title: string;
  /** Who judged: the page's own engine for the cluster, or the backend. */
  readonly by: 'engine' | 'backend';
}

/** A shown cluster's health from its engine: the same rule as the header's dot. */
function engineJudgement(engine: Engine): Judged {
  const diagnostics = engine.diagnostics();
  const status = headerStatus(diagnostics.connection, diagnostics.rows);
  return { dot: status.level, words: status.text, title: status.title, by: 'engine' };
}

function backendJudgement(summary: ClusterSummary): Judged {
  const words = clusterHealthWords(summary);
  return { dot: backendDots[summary.health] ?? 'idle', words, title: summary.reason ? `${words}: ${summary.reason}` : words, by: 'backend' };
}

function ClusterOption({ summary, chosen, shown, onPick, onToggle }: { summary: ClusterSummary; chosen: boolean; shown: Engine | undefined; onPick: () => void; onToggle: () => void }) {
  useNow(); // proofs age even when no machine moves
  useSelector(shown?.actor, (s) => s?.context.subscriptions);
  const judged = shown && shown.diagnostics().rows.length > 0 ? engineJudgement(shown) : backendJudgement(summary);
  return (
    <li className={`cluster-option ${chosen ? 'chosen' : ''}`} data-testid={`cluster-option-${summary.name}`} data-cluster={summary.name} data-health={summary.health} data-dot={judged.dot} data-judged-by={judged.by}>
      <input type="checkbox" checked={chosen} onChange={onToggle} aria-label={`Show ${summary.name} with the others`} data-testid={`cluster-check-${summary.name}`} />
      <button type="button" className="cluster-name" onClick={onPick} title={`${summary.name}: ${judged.title}${summary.server ? `\nServer: ${summary.server}` : ''}\nUser: ${summary.userEntry}`} data-testid={`cluster-pick-${summary.name}`}>
        <span className={`dot dot-${judged.dot}`} aria-hidden="true" />
        <span className="mono">{summary.name}</span>
        {summary.default ? <span className="muted small"> default</span> : null}
      </button>
      <span className="cluster-health small" data-testid={`cluster-health-${summary.name}`} title={judged.title}>
        {judged.words}
      </span>
    </li>
  );
}

export function ClusterPicker({ list }: { list: ClusterList }) {
  const choice = useClusterChoice();
  const pool = usePool();
  const engineKey = useEngineKey();
  usePoolEngines(); // re-render as engines come and go
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  // A new screen (the hash) or choice closes the menu: it belongs to the screen it was opened on.
  useEffect(() => {
    if (!open) return;
    const close = () => setOpen(false);
    window.addEventListener('hashchange', close);
    window.addEventListener('popstate', close);
    return () => {
      window.removeEventListener('hashchange', close);
      window.removeEventListener('popstate', close);
    };
  }, [open]);
  useEffect(() => {
    if (!open) return;
    const away = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', away);
    return () => document.removeEventListener('mousedown', away);
  }, [open]);
  if (list.single || !list.body) return null;
  const body = list.body;
  // No cluster in the address: the default one is what shows.
  const chosen = choice.names.length > 0 ? choice.names : [body.default];
  const label = chosen.length === 1 ? chosen[0] : `${chosen.length} clusters`;
  const engineOf = (name: string) => pool.peek(engineKey(name));
  return (
    <div className="cluster-picker" ref={root} data-testid="cluster-picker" data-chosen={chosen.join(',')} onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}>
      <button type="button" className="cluster-button" aria-expanded={open} aria-controls="cluster-menu" onClick={() => setOpen((o) => !o)} data-testid="cluster-button" title={`Showing ${chosen.join(', ')}. ${body.clusters.length} clusters in the kubeconfig.`}>
        <span aria-hidden="true">⎈</span> {label} <span aria-hidden="true">▾</span>
      </button>
      {open ? (
        <div className="cluster-menu" id="cluster-menu" role="group" aria-label="Clusters">
          <div className="muted small cluster-hint">A name shows that cluster alone; the boxes show several in one list.</div>
          <ul>
            {body.clusters.map((c) => (
              <ClusterOption
                key={c.name}
                summary={c}
                chosen={chosen.includes(c.name)}
                shown={chosen.includes(c.name) ? engineOf(c.name) : undefined}
                onPick={() => {
                  chooseClusters([c.name]);
                  setOpen(false);
                }}
                onToggle={() => chooseClusters(toggleCluster(chosen, c.name))}
              />
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}
