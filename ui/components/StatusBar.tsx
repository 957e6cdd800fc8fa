/**
 * What every view shows above its table: a freshness badge per domain it holds (mode, and the
 * age of what vouches for the rows: the end-to-end proof while streaming, "proven 2s ago", the
 * data while polling; visibly stale past the bound), a loading line with a count while the first
 * snapshot arrives, a note while a view's rows are still arriving (LoadingNote.tsx), and problems
 * in operator words.
 *
 * A badge reads its view's loading mark from the store itself, so no view can show `live` over a
 * list that is still arriving by forgetting to pass it.
 */
import type { DiagnosticsRow } from '../../machines/diagnostics.js';
import { formatInterval } from '../lib/format.js';
import { badgeAge, badgeText, freshnessOf } from '../lib/freshness.js';
import { describeProblem } from '../lib/operatorWords.js';
import { useLoading } from '../hooks/useStore.js';
import { LoadingNotes } from './LoadingNote.js';
import { PartialNotes } from './PartialNote.js';

export function FreshnessBadge({ label, status }: { label: string; status: DiagnosticsRow | undefined }) {
  const loading = useLoading(status?.key ?? null);
  const freshness = freshnessOf(status, loading);
  const age = badgeAge(freshness);
  const bound = freshness.boundMs === null ? 'no bound' : `stale after ${formatInterval(freshness.boundMs)}`;
  const title = freshness.rows
    ? `${label}: loading, ${age} rows received; not whole and verified yet, so neither live nor fresh`
    : `${label}: ${freshness.mode}, ${age || 'not loaded yet'}${freshness.basis === 'proof' ? ' end to end' : ''} (${bound})`;
  return (
    <span
      className={`badge badge-${freshness.level}`}
      data-testid={`freshness-${label}`}
      data-level={freshness.level}
      data-mode={freshness.mode}
      data-age-basis={freshness.basis}
      data-age-ms={freshness.ageMs ?? ''}
      data-received={freshness.rows?.received ?? undefined}
      title={title}
    >
      <span className="badge-label">{label}</span>
      <span className="badge-mode">{badgeText(freshness)}</span>
      {age ? <span className="badge-age">{age}</span> : null}
    </span>
  );
}

/**
 * `what` names the view's rows for its loading note ("pods in all namespaces"); `narrowed`: a
 * filter, a narrowing or a sort is applied, which over rows still arriving is said to be partial.
 * `sayLoading` false: the caller says it (a view across clusters, whose rows are in other engines
 * than the one this component would read).
 */
export function Problems({ statuses, what, narrowed = false, sayLoading = true }: { statuses: readonly (DiagnosticsRow | undefined)[]; what?: string; narrowed?: boolean; sayLoading?: boolean }) {
  const problems = statuses.map((s) => (s ? describeProblem(s) : null)).filter((p) => p !== null);
  // Rows still arriving and a partial view (some namespaces only) are said beside the problems, not as one.
  const partial = (
    <>
      {sayLoading ? <LoadingNotes statuses={statuses} what={what} narrowed={narrowed} /> : null}
      <PartialNotes statuses={statuses} />
    </>
  );
  if (problems.length === 0) return partial;
  // The same words for several domains (e.g. one disconnect) are said once.
  const unique = [...new Map(problems.map((p) => [p.text, p])).values()];
  return (
    <>
      {partial}
      <div className="problems" role="status">
        {unique.map((p) => (
          <div key={p.text} className={`problem problem-${p.severity}`}>
            {p.text}
          </div>
        ))}
      </div>
    </>
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
