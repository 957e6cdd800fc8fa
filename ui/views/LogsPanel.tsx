/**
 * A pod's logs: one `pod-logs` subscription per container shown (scope `namespace/pod/container`),
 * each a reset with the backend's tail (the last 500 lines) and updates that follow. One container,
 * or all of them interleaved by time and tagged as `kubectl logs --all-containers --prefix` prints
 * them; the previous run of a restarted container above its current one; search with every match
 * marked; wrap and timestamps (kept across reloads); the lines held downloaded as a file. The panel
 * keeps the newest line in view unless the reader has scrolled up to read something.
 */
import { useDeferredValue, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { endedOf, isUpstream } from '../../adapters/protocol.js';
import { podDeletedEnd } from '../../machines/types.js';
import type { LogLineRow } from '../../adapters/rows.js';
import { LogLine } from '../components/LogLine.js';
import { LogSearchBox } from '../components/LogSearchBox.js';
import { LogsEndedNote, LogsOfDeletedPodNote } from '../components/GoneNote.js';
import { FreshnessBadge, Loading, Problems } from '../components/StatusBar.js';
import { useNow } from '../hooks/engine.js';
import { useLogFollowers } from '../hooks/useLogFollowers.js';
import { useContainerRuns, usePreviousRun } from '../hooks/usePreviousRun.js';
import { lastRunWords } from '../lib/containerRuns.js';
import { isLoading } from '../lib/freshness.js';
import { colourOf, downloadName, heldLogLines, interleave, isShownRun, lineText, previousRunDivider, type LineFormat } from '../lib/logLines.js';
import { loadLogPreferences, saveLogPreferences, type LogPreferences } from '../lib/logPreferences.js';
import { compileSearch, findMatches, matchNumberOf, matchRefOf, stepMatch, type MatchRef, type SearchOptions } from '../lib/logSearch.js';

export interface LogTarget {
  /** The pod shown (a pod that takes the name later is another panel). */
  readonly uid?: string;
  readonly namespace: string;
  readonly name: string;
  readonly containers: readonly string[];
  /** The pod's restarts, all containers together: a previous run is offered when there are any (unknown: offered). */
  readonly restarts?: number;
  /** When the cluster deleted the pod (useOpenObject); its logs are then no longer followed. */
  readonly goneAt?: number | null;
  /**
   * The pod's phase is Succeeded or Failed: every container has terminated and none will run
   * again, so the lines held are the whole log and "following" would promise lines that never come.
   */
  readonly finished?: boolean;
}

/**
 * Whether the log a follower holds is of another pod than the one shown: the backend names the
 * uid of the pod whose log it read (`podUid`), and a pod re-created under the name has another.
 * Unknown (a backend before it, or no uid shown) counts as this pod's, as it always did.
 */
function isAnotherPodsLog(upstream: unknown, uid: string | undefined): boolean {
  const podUid = isUpstream(upstream) ? upstream.podUid : undefined;
  return uid !== undefined && podUid !== undefined && podUid !== uid;
}

/** Within this many pixels of the bottom counts as "at the bottom": keep following. */
const followSlackPx = 24;
/** How long a download's blob URL is kept: long enough for any browser to have read it. */
const downloadUrlLifetimeMs = 30_000;
/** The select's value for every container at once. */
const allContainers = '*';

function lineCount(current: number, previous: number): string {
  if (current === 0 && previous === 0) return '';
  return previous > 0 ? `${current.toLocaleString()} lines + ${previous.toLocaleString()} of the previous run` : `${current.toLocaleString()} lines`;
}

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

type Item =
  | { readonly kind: 'line'; readonly key: string; readonly row: LogLineRow; readonly run: 'previous' | 'current' }
  | { readonly kind: 'divider'; readonly key: string; readonly text: string };

/** `switcher`: controls the parent places in the toolbar (the Pods view's Logs | YAML). */
export function LogsPanel({ pod, onClose, switcher }: { pod: LogTarget; onClose: () => void; switcher?: ReactNode }) {
  const [selection, setSelection] = useState<string>(pod.containers[0] ?? '');
  const all = selection === allContainers && pod.containers.length > 1;
  const shown = useMemo(() => (all ? pod.containers : [selection || pod.containers[0] || '']).filter((c) => c !== ''), [all, selection, pod.containers]);
  const goneAt = pod.goneAt ?? null;
  const now = useNow();
  // A deleted pod is asked nothing more: not its logs, its container runs or a previous run.
  const followed = goneAt === null;
  const followers = useLogFollowers(pod.namespace, pod.name, shown, followed);
  const [previousWanted, setPreviousWanted] = useState(false);
  const runs = useContainerRuns(pod.namespace, pod.name, pod.restarts, followed);
  const runsOfShown = runs?.get(shown[0] ?? '');
  // Readable from a container that has a previous run; while that is not known, from any container of a pod that restarted.
  const previousReadable = !all && (runs !== null ? runsOfShown?.lastRun != null : pod.restarts === undefined || pod.restarts > 0);
  const previous = usePreviousRun(pod.namespace, pod.name, shown[0] ?? null, previousReadable && previousWanted, pod.restarts, followed);
  // Once the pod is deleted its previous run cannot be read: the toggle stays only over one already shown.
  const previousOffered = followed ? previousReadable : previous.state === 'loaded';
  // The container whose previous run was put away after the pod was deleted: its lines are gone for good, and the panel says why.
  const [previousDropped, setPreviousDropped] = useState<string | null>(null);
  const [preferences, setPreferences] = useState<LogPreferences>(() => loadLogPreferences(storage()));
  const setPreference = (change: Partial<LogPreferences>) => {
    const next = { ...preferences, ...change };
    setPreferences(next);
    saveLogPreferences(storage(), next);
  };
  const [searchText, setSearchText] = useState('');
  const [searchOptions, setSearchOptions] = useState<SearchOptions>({ regex: false, matchCase: false });
  const [current, setCurrent] = useState<MatchRef | null>(null);
  const body = useRef<HTMLDivElement>(null);
  const [following, setFollowing] = useState(true);

  // A follower holding another pod's log (the one that had the name before, deleted) shows none of it here.
  const foreign = useMemo(() => followers.map((f) => isAnotherPodsLog(f.status?.upstream, pod.uid)), [followers, pod.uid]);
  const joined = useMemo(() => interleave(followers.map((f, i) => ({ container: f.container, rows: foreign[i] ? [] : f.rows })), heldLogLines), [followers, foreign]);
  // Shown once: a crash-looping container's log already is its previous run.
  const previousIsShown = previous.state === 'loaded' && isShownRun(previous.rows, joined.rows);
  const items = useMemo((): Item[] => {
    const currentItems: Item[] = joined.rows.map((row) => ({ kind: 'line', key: row.uid, row, run: 'current' }));
    if (previous.state !== 'loaded' || previousIsShown) return currentItems;
    const previousItems: Item[] = previous.rows.map((row) => ({ kind: 'line', key: `previous:${row.uid}`, row, run: 'previous' }));
    return [...previousItems, { kind: 'divider', key: 'divider', text: previousRunDivider(shown[0] ?? '', lastRunWords(runsOfShown?.lastRun ?? null)) }, ...currentItems];
  }, [joined, previous, previousIsShown, shown, runsOfShown]);
  const format: LineFormat = useMemo(() => ({ timestamps: preferences.timestamps, prefixPod: all ? pod.name : null }), [preferences.timestamps, all, pod.name]);

  // Marking thousands of matches is layout work: the box keeps up with typing, the marks follow.
  const deferredText = useDeferredValue(searchText);
  const search = useMemo(() => compileSearch(deferredText, searchOptions), [deferredText, searchOptions]);
  const lineItems = useMemo(() => items.filter((item): item is Extract<Item, { kind: 'line' }> => item.kind === 'line'), [items]);
  const matches = useMemo(() => findMatches(lineItems.map((item) => item.row.line), search), [lineItems, search]);
  const lineKeys = useMemo(() => lineItems.map((item) => item.key), [lineItems]);
  const lineIndex = useMemo(() => new Map(lineKeys.map((key, i) => [key, i])), [lineKeys]);
  // The current match's number now; none once its line has left the tail.
  const currentMatch = matchNumberOf(current, lineIndex, matches);
  const step = (direction: 1 | -1) => {
    setFollowing(false);
    setCurrent(matchRefOf(stepMatch(currentMatch, matches.total, direction), lineKeys, matches));
  };

  useLayoutEffect(() => {
    const element = body.current;
    if (element && following) element.scrollTop = element.scrollHeight;
  }, [items, following]);
  // Scrolled to when the reader moves to it, not each time lines above it come or go.
  useLayoutEffect(() => {
    if (current !== null) body.current?.querySelector('mark.current')?.scrollIntoView({ block: 'center' });
  }, [current]);

  const download = () => {
    const text = items.map((item) => (item.kind === 'line' ? lineText(item.row, format) : item.text)).join('\n');
    const url = URL.createObjectURL(new Blob([`${text}\n`], { type: 'text/plain;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = downloadName(pod.name, all ? null : (shown[0] ?? null), previous.state === 'loaded' && !previousIsShown);
    link.click();
    // Some browsers read the blob after the click returns; revoking at once can cancel the save.
    setTimeout(() => URL.revokeObjectURL(url), downloadUrlLifetimeMs);
  };

  const statuses = followers.map((f) => f.status);
  // The backend's word that the lines held are a deleted pod's: this pod's, ahead of the pods list;
  // or another's, under a new pod of the name, whose lines are then not shown.
  const ofDeletedPod = goneAt === null && followers.some((f, i) => f.rows.length > 0 && (foreign[i] || endedOf(f.status?.upstream) === podDeletedEnd));
  const ofAnotherPod = foreign.some(Boolean);
  const previousCount = previous.state === 'loaded' && !previousIsShown ? previous.rows.length : 0;
  const loading = goneAt === null && followers.every((f) => isLoading(f.status, f.rows.length)) && previous.state !== 'loaded';
  let lineNumber = -1;

  return (
    <aside className="logs" aria-label={`Logs of ${pod.name}`} data-testid="logs-panel" data-uid={pod.uid ?? ''}>
      <div className="toolbar">
        <h3>
          Logs <span className="mono">{pod.namespace}/{pod.name}</span>
        </h3>
        {switcher}
        {pod.containers.length > 1 ? (
          <label className="field">
            <span>Container</span>
            <select value={all ? allContainers : selection} data-testid="log-container" onChange={(e) => setSelection(e.target.value)}>
              {pod.containers.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
              <option value={allContainers}>All containers</option>
            </select>
          </label>
        ) : (
          <span className="muted">{shown[0]}</span>
        )}
        {previousOffered ? (
          <label
            className="toggle"
            title={
              followed
                ? "Show the container's previous run above the current one (kubectl logs --previous)"
                : 'Unticked, the previous run goes for good: the pod was deleted, and its logs with it, so it cannot be read again'
            }
          >
            <input
              type="checkbox"
              checked={previousWanted}
              data-testid="log-previous"
              onChange={(e) => {
                setPreviousWanted(e.target.checked);
                if (!e.target.checked && !followed) setPreviousDropped(shown[0] ?? '');
              }}
            />
            Previous run
          </label>
        ) : null}
        <span className="count" data-testid="log-count">
          {lineCount(lineItems.length - previousCount, previousCount)}
        </span>
        <div className="badges">
          {goneAt !== null ? null : pod.finished ? (
            <span className="muted" data-testid="log-complete" title="The pod has finished: its containers will not run again, so these are all its lines">
              complete
            </span>
          ) : following ? (
            <span className="muted">following</span>
          ) : (
            <button type="button" className="small" onClick={() => setFollowing(true)}>
              Follow
            </button>
          )}
          {goneAt !== null
            ? null
            : followers.map((f) => <FreshnessBadge key={f.key} label={all ? `logs:${f.container}` : 'logs'} status={f.status} />)}
          <button type="button" className="small" onClick={onClose} aria-label="Close logs">
            Close
          </button>
        </div>
      </div>
      <div className="toolbar log-tools">
        <LogSearchBox
          text={searchText}
          options={searchOptions}
          search={search}
          matches={matches}
          current={currentMatch}
          onText={(text) => {
            setSearchText(text);
            setCurrent(null);
          }}
          onOptions={(options) => {
            setSearchOptions(options);
            setCurrent(null);
          }}
          onStep={step}
        />
        <span className="log-view-tools">
          <label className="toggle">
            <input type="checkbox" checked={preferences.wrap} data-testid="log-wrap" onChange={(e) => setPreference({ wrap: e.target.checked })} />
            Wrap
          </label>
          <label className="toggle">
            <input type="checkbox" checked={preferences.timestamps} data-testid="log-timestamps" onChange={(e) => setPreference({ timestamps: e.target.checked })} />
            Timestamps
          </label>
          <button
            type="button"
            className="small"
            data-testid="log-download"
            // aria-disabled, not disabled: it stays reachable from the keyboard while there is nothing to save yet.
            aria-disabled={lineItems.length === 0}
            onClick={() => {
              if (lineItems.length > 0) download();
            }}
            title="Save the lines shown as a .log file"
          >
            Download
          </button>
        </span>
      </div>
      {goneAt !== null ? <LogsEndedNote where={`${pod.namespace}/${pod.name}`} at={goneAt} now={now} /> : <Problems statuses={statuses} what="log lines" />}
      {ofDeletedPod ? <LogsOfDeletedPodNote where={`${pod.namespace}/${pod.name}`} another={ofAnotherPod} /> : null}
      {previous.state === 'failed' ? (
        <div className="problems" role="status" data-testid="log-previous-problem">
          <span className="problem problem-warning">Previous run of {shown[0]}: {previous.message}</span>
        </div>
      ) : null}
      {previousDropped !== null && !previousOffered ? (
        <div className="muted small" data-testid="log-previous-dropped">
          The previous run of {previousDropped} is no longer shown, and cannot be shown again: {pod.namespace}/{pod.name} was deleted, and the kubelet deleted its logs with
          it.
        </div>
      ) : null}
      {previousIsShown ? (
        <div className="muted small" data-testid="log-previous-shown">
          {shown[0]} is not running: the lines below are its last run{runsOfShown?.lastRun ? ` (ended ${lastRunWords(runsOfShown.lastRun)})` : ''}, which is also its previous run.
        </div>
      ) : null}
      {joined.since !== null ? (
        <div className="muted small" data-testid="log-since">
          Interleaved from {joined.since}: {joined.cutTail}'s earlier lines are past its {heldLogLines}-line tail, so the others' are left out there too.
        </div>
      ) : null}
      {loading ? (
        <Loading what="logs" status={statuses[0]} count={lineItems.length} />
      ) : (
        <div
          className={preferences.wrap ? 'log-lines' : 'log-lines log-nowrap'}
          ref={body}
          data-testid="log-lines"
          role="region"
          aria-label={`Log lines of ${pod.name}`}
          // Focusable, so the lines can be scrolled from the keyboard.
          tabIndex={0}
          onScroll={(e) => {
            const el = e.currentTarget;
            setFollowing(el.scrollHeight - el.scrollTop - el.clientHeight <= followSlackPx);
          }}
        >
          {items.length === 0 ? <div className="muted">No log lines.</div> : null}
          {previous.state === 'loading' ? <div className="muted">Reading the previous run…</div> : null}
          {items.map((item) => {
            if (item.kind === 'divider') {
              return (
                <div key={item.key} className="log-divider" data-testid="log-divider">
                  {item.text}
                </div>
              );
            }
            lineNumber++;
            const ranges = matches.ranges[lineNumber] ?? [];
            const firstMatch = matches.firstMatch[lineNumber] ?? 0;
            const here = currentMatch !== null && currentMatch >= firstMatch && currentMatch < firstMatch + ranges.length ? currentMatch : null;
            return (
              <LogLine
                key={item.key}
                row={item.row}
                run={item.run}
                timestamps={format.timestamps}
                prefixPod={format.prefixPod}
                colour={colourOf(pod.containers, item.row.container)}
                ranges={ranges}
                firstMatch={firstMatch}
                current={here}
              />
            );
          })}
        </div>
      )}
    </aside>
  );
}
