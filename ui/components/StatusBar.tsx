/**
 * What every view shows above its table: a freshness badge per domain it holds (mode and data
 * age, visibly stale past the bound), a loading line with a count while the first snapshot
 * arrives, and problems in operator words.
 */
import type { DiagnosticsRow } from '../../machines/diagnostics.js';
import { formatAgo, formatInterval } from '../lib/format.js';
import { badgeText, freshnessOf } from '../lib/freshness.js';
import { describeProblem } from '../lib/operatorWords.js';
import { useEngine } from '../hooks/engine.js';

export function FreshnessBadge({ label, status }: { label: string; status: DiagnosticsRow | undefined }) {
  const engine = useEngine();
  const freshness = freshnessOf(status, engine.config().stallTimeoutMs);
  const age = freshness.ageMs === null ? '' : formatAgo(freshness.ageMs);
  const bound = freshness.boundMs === null ? 'no bound' : `stale after ${formatInterval(freshness.boundMs)}`;
  return (
    <span
      className={`badge badge-${freshness.level}`}
      data-testid={`freshness-${label}`}
      data-level={freshness.level}
      data-mode={freshness.mode}
      title={`${label}: ${freshness.mode}, data ${age || 'not loaded yet'} (${bound})`}
    >
      <span className="badge-label">{label}</span>
      <span className="badge-mode">{badgeText(freshness)}</span>
      {age ? <span className="badge-age">{age}</span> : null}
    </span>
  );
}

export function Problems({ statuses }: { statuses: readonly (DiagnosticsRow | undefined)[] }) {
  const problems = statuses.map((s) => (s ? describeProblem(s) : null)).filter((p) => p !== null);
  if (problems.length === 0) return null;
  // The same words for several domains (e.g. one disconnect) are said once.
  const unique = [...new Map(problems.map((p) => [p.text, p])).values()];
  return (
    <div className="problems" role="status">
      {unique.map((p) => (
        <div key={p.text} className={`problem problem-${p.severity}`}>
          {p.text}
        </div>
      ))}
    </div>
  );
}

/** Shown instead of an empty table until the first snapshot has arrived. */
export function Loading({ what, status, count }: { what: string; status: DiagnosticsRow | undefined; count: number }) {
  const attempts = status ? (status.counters.snapshotErrors ?? status.counters.failures ?? 0) : 0;
  return (
    <div className="loading" role="status" data-testid="loading">
      <span className="spinner" aria-hidden="true" />
      Loading {what}… {count.toLocaleString()} received so far
      {attempts > 0 ? `, ${attempts} failed attempt${attempts === 1 ? '' : 's'}` : ''}
    </div>
  );
}
