/**
 * The note a view shows while its rows are still arriving: a cold view puts its first list on
 * screen page by page (adapters/engine/store.ts, `loading`), and until the whole, verified
 * snapshot is applied the note says so, with how far it is ("Loading pods — 40,000 of 150,148"),
 * a bar when the total is known, and, when a filter or sort is applied, that it covers only what
 * has arrived. It goes when the store applies the whole snapshot.
 */
import type { DiagnosticsRow } from '../../machines/diagnostics.js';
import { useLoading } from '../hooks/useStore.js';
import { loadingNoteText, loadingShare, type RowsLoading } from '../lib/loading.js';

function LoadingNote({ statusKey, what, narrowed }: { statusKey: string; what: string; narrowed: boolean }) {
  const loading = useLoading(statusKey);
  return loading === null ? null : <LoadingNoteOf loading={loading} what={what} narrowed={narrowed} testId={`loading-${statusKey}`} />;
}

/** The note for progress already read (a view across clusters reads each cluster's in its own engine). */
export function LoadingNoteOf({ loading, what, narrowed, testId }: { loading: RowsLoading; what: string; narrowed: boolean; testId: string }) {
  const share = loadingShare(loading);
  return (
    <div
      className="loading-note"
      role="status"
      data-testid={testId}
      data-received={loading.received}
      data-count={loading.count ?? ''}
    >
      <span className="spinner" aria-hidden="true" />
      <span className="loading-note-text">{loadingNoteText(what, loading, narrowed)}</span>
      {share === null ? null : (
        <span className="loading-bar" role="progressbar" aria-label={`${what} received`} aria-valuemin={0} aria-valuemax={loading.count ?? 0} aria-valuenow={loading.received}>
          <span className="loading-bar-fill" style={{ width: `${(share * 100).toFixed(1)}%` }} />
        </span>
      )}
    </div>
  );
}

/** A note per status whose rows are still arriving; `what` names the first (the view's own rows), the others say their domain. */
export function LoadingNotes({ statuses, what, narrowed }: { statuses: readonly (DiagnosticsRow | undefined)[]; what?: string | undefined; narrowed: boolean }) {
  return (
    <>
      {statuses.map((s, i) => (s ? <LoadingNote key={s.key} statusKey={s.key} what={i === 0 && what ? what : s.domain} narrowed={narrowed} /> : null))}
    </>
  );
}
