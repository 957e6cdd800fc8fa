/**
 * A pod's logs: a `pod-logs` subscription scoped `namespace/pod[/container]`. The reset carries
 * the backend's tail (the last 500 lines) and updates follow; the panel keeps the newest line
 * in view unless the reader has scrolled up to read something.
 */
import { useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import type { LogLineRow } from '../../adapters/rows.js';
import { FreshnessBadge, Loading, Problems } from '../components/StatusBar.js';
import { useDomain } from '../hooks/useDomain.js';
import { useRows } from '../hooks/useStore.js';
import { isLoading } from '../lib/freshness.js';

export interface LogTarget {
  readonly namespace: string;
  readonly name: string;
  readonly containers: readonly string[];
}

/** Within this many pixels of the bottom counts as "at the bottom": keep following. */
const followSlackPx = 24;

/** `switcher`: controls the parent places in the toolbar (the Pods view's Logs | YAML). */
export function LogsPanel({ pod, onClose, switcher }: { pod: LogTarget; onClose: () => void; switcher?: ReactNode }) {
  const [container, setContainer] = useState<string>(pod.containers[0] ?? '');
  const scope = container ? `${pod.namespace}/${pod.name}/${container}` : `${pod.namespace}/${pod.name}`;
  const logs = useDomain('pod-logs', scope);
  const lines = useRows<LogLineRow>(logs.key);
  const body = useRef<HTMLDivElement>(null);
  const [following, setFollowing] = useState(true);

  useLayoutEffect(() => {
    const element = body.current;
    if (element && following) element.scrollTop = element.scrollHeight;
  }, [lines, following]);

  return (
    <aside className="logs" aria-label={`Logs of ${pod.name}`} data-testid="logs-panel">
      <div className="toolbar">
        <h3>
          Logs <span className="mono">{pod.namespace}/{pod.name}</span>
        </h3>
        {switcher}
        {pod.containers.length > 1 ? (
          <label className="field">
            <span>Container</span>
            <select value={container} onChange={(e) => setContainer(e.target.value)}>
              {pod.containers.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <span className="muted">{container}</span>
        )}
        <span className="count">{lines.length > 0 ? `${lines.length} lines` : ''}</span>
        <div className="badges">
          {following ? <span className="muted">following</span> : <button type="button" className="small" onClick={() => setFollowing(true)}>Follow</button>}
          <FreshnessBadge label="logs" status={logs.status} />
          <button type="button" className="small" onClick={onClose} aria-label="Close logs">
            Close
          </button>
        </div>
      </div>
      <Problems statuses={[logs.status]} />
      {isLoading(logs.status, lines.length) ? (
        <Loading what="logs" status={logs.status} count={lines.length} />
      ) : (
        <div
          className="log-lines"
          ref={body}
          data-testid="log-lines"
          onScroll={(e) => {
            const el = e.currentTarget;
            setFollowing(el.scrollHeight - el.scrollTop - el.clientHeight <= followSlackPx);
          }}
        >
          {lines.length === 0 ? <div className="muted">No log lines.</div> : null}
          {lines.map((l) => (
            <div key={l.uid} className="log-line">
              {l.time ? <span className="log-time">{l.time.replace('T', ' ').replace(/\.\d+Z$|Z$/, '')}</span> : null}
              <span>{l.line}</span>
            </div>
          ))}
        </div>
      )}
    </aside>
  );
}
