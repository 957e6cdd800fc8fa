/**
 * One log line as the logs panel shows it: the container's tag (all containers), the kubelet's
 * timestamp (when shown) and the text with each search match marked. Its text content is exactly
 * `lineText` of the row, the same line the downloaded file holds.
 */
import { Fragment, memo } from 'react';
import type { LogLineRow } from '../../adapters/rows.js';
import { containerPrefix } from '../lib/logLines.js';
import { segmentsOf } from '../lib/logSearch.js';

export interface LogLineProps {
  readonly row: LogLineRow;
  readonly run: 'previous' | 'current';
  readonly timestamps: boolean;
  /** The pod, when lines carry kubectl's `[pod/<pod>/<container>]` prefix; null for one container. */
  readonly prefixPod: string | null;
  readonly colour: number;
  readonly ranges: ReadonlyArray<readonly [number, number]>;
  readonly firstMatch: number;
  /** The current match, when it is in this line (so other lines do not re-render as it moves). */
  readonly current: number | null;
}

export const LogLine = memo(function LogLine({ row, run, timestamps, prefixPod, colour, ranges, firstMatch, current }: LogLineProps) {
  const stamp = timestamps && row.time !== null;
  return (
    <div className={run === 'previous' ? 'log-line log-previous' : 'log-line'} data-container={row.container} data-run={run} data-time={row.time ?? ''} data-matches={ranges.length}>
      {prefixPod !== null ? <span className={`log-tag log-c${colour}`}>{containerPrefix(prefixPod, row.container)}</span> : null}
      {prefixPod !== null ? ' ' : null}
      {stamp ? <span className="log-time">{row.time}</span> : null}
      {stamp ? ' ' : null}
      {segmentsOf(row.line, ranges, firstMatch).map((segment, i) =>
        segment.match === null ? (
          <Fragment key={i}>{segment.text}</Fragment>
        ) : (
          <mark key={i} className={segment.match === current ? 'log-match current' : 'log-match'} data-match={segment.match}>
            {segment.text}
          </mark>
        ),
      )}
    </div>
  );
});
