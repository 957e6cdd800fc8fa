/**
 * The Events about one object, beside its YAML: the `events` domain of the object's namespace
 * (all namespaces for a cluster-wide object, whose events land wherever their reporter put them),
 * kept to those whose involvedObject is this object: by uid where the event names one (a
 * re-created object of the same name is another object), else by kind and name.
 */
import { useMemo } from 'react';
import type { EventRow } from '../../adapters/rows.js';
import { FreshnessBadge } from '../components/StatusBar.js';
import { useNow } from '../hooks/engine.js';
import { useDomain } from '../hooks/useDomain.js';
import { useRows } from '../hooks/useStore.js';
import { ageSince } from '../lib/format.js';

export interface EventSubject {
  readonly uid: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** Whether an event is about `subject`. */
export function isAbout(event: EventRow, subject: EventSubject): boolean {
  const involved = event.involvedObject;
  if (involved.uid) return involved.uid === subject.uid;
  return involved.kind === subject.kind && involved.name === subject.name && (involved.namespace ?? '') === subject.namespace;
}

/** Newest first, by last time seen. */
export function eventsAbout(events: readonly EventRow[], subject: EventSubject): EventRow[] {
  return events
    .filter((e) => isAbout(e, subject))
    .sort((a, b) => (b.lastTimestamp ?? '').localeCompare(a.lastTimestamp ?? '') || a.name.localeCompare(b.name));
}

/** At most this many on screen: an object with hundreds of events is read from the top. */
const shownAtMost = 100;

export function ObjectEvents({ subject }: { subject: EventSubject }) {
  const now = useNow();
  const handle = useDomain('events', subject.namespace);
  const rows = useRows<EventRow>(handle.key);
  // Keyed on what names the subject, so a caller may pass a fresh object each render.
  const about = useMemo(
    () => eventsAbout(rows, subject),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [rows, subject.uid, subject.kind, subject.namespace, subject.name],
  );
  return (
    <section className="object-events" aria-label={`Events about ${subject.name}`} data-testid="object-events" data-count={about.length}>
      <div className="toolbar">
        <h3>Events</h3>
        <span className="count">{about.length}</span>
        <div className="badges">
          <FreshnessBadge label="events" status={handle.status} />
        </div>
      </div>
      {about.length === 0 ? (
        <div className="muted small" data-testid="no-events">
          {rows.length === 0 && handle.status?.dataAgeMs === null ? 'Loading events…' : 'No events about this object.'}
        </div>
      ) : (
        <ol className="event-list">
          {about.slice(0, shownAtMost).map((e) => (
            <li key={e.uid} className={`event event-${e.type === 'Warning' ? 'warning' : 'normal'}`} data-testid="object-event">
              <div className="event-head">
                <span className={e.type === 'Warning' ? 'warn strong' : 'strong'}>{e.reason}</span>
                <span className="muted small">
                  {e.count > 1 ? `×${e.count} · ` : ''}
                  {ageSince(e.lastTimestamp, now)} ago
                </span>
              </div>
              <div className="event-message">{e.message}</div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
