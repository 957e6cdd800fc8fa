/**
 * The note a partial view shows in its header: the user may list its resource only in some
 * namespaces, so the backend watches those alone (docs/permissions.md), and the view says so,
 * "pods in 2 of 9 namespaces", with what it covers and what it does not and why on hover.
 */
import type { DiagnosticsRow } from '../../machines/diagnostics.js';

export function PartialNotes({ statuses }: { statuses: readonly (DiagnosticsRow | undefined)[] }) {
  const notes = statuses.flatMap((s) => (s?.upstream?.partial ? [{ key: s.key, partial: s.upstream.partial }] : []));
  if (notes.length === 0) return null;
  return (
    <div className="partial-notes" role="note">
      {notes.map(({ key, partial }) => {
        const refused = partial.refused.map((r) => `${r.namespace}: ${r.reason}`);
        const title = [`Showing ${partial.namespaces.join(', ') || 'no namespace'}: you may not list this kind cluster-wide.`, ...(refused.length > 0 ? ['Not shown:', ...refused] : [])].join('\n');
        return (
          <div key={key} className="partial-note" data-testid={`partial-${key}`} data-namespaces={partial.namespaces.join(',')} title={title}>
            {partial.summary} (the ones you may list)
          </div>
        );
      })}
    </div>
  );
}
