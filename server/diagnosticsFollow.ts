/**
 * diagnosticsFollow decides what `kubelive diagnostics --follow` writes on each tick, given the
 * engine's diagnostics. Three outputs, one rule each:
 * - on a terminal, the whole table redrawn in place (the cursor moves up over the last drawing);
 * - piped, the whole table once, then only the rows that changed, each line stamped with its time;
 * - with --json, a line only when something changed, in the usual shape plus `changed`.
 *
 * "Changed" means what an operator would act on: state, mode, health, reason, the stream's
 * connected and delivering, polling and its interval, the upstream's state, and whether the proof
 * is inside the freshness bound, and what a partial view covers. Ages tick every second and are
 * not changes. A partial view (a user limited to some namespaces) gets its note under the table,
 * as the dashboard's status line shows it: `pods in 2 of 7 namespaces`, then each refused one.
 */
import type { Diagnostics, DiagnosticsRow } from '../machines/diagnostics.js';
import type { PartialViewReport } from '../machines/types.js';

const age = (ms: number | null) => (ms === null ? '-' : ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`);

export function formatDiagnosticsRow(r: DiagnosticsRow): string[] {
  const stream = r.stream ? `${r.stream.connected ? 'connected' : 'not connected'}${r.stream.delivering ? ', delivering' : ''} (last ${age(r.stream.lastDeliveryAgeMs)})` : 'none';
  const polling = r.polling.enabled ? `on, every ${age(r.polling.intervalMs)}` : 'paused';
  const upstream = r.upstream
    ? `${r.upstream.state}${r.upstream.healthy ? '' : ' (unhealthy)'}${r.upstreamProofAgeMs === null ? '' : `, proven ${age(r.upstreamProofAgeMs)} ago`}`
    : '-';
  // The end-to-end proof (oldest of upstream proof, delivery, agreement) against the bound.
  const proof = r.stream ? `${r.proofAgeMs === null ? 'none' : age(r.proofAgeMs)} / ${age(r.freshnessBoundMs)}` : '-';
  return [r.domain, r.scope || '(all)', r.state, r.mode, r.health, r.reason ?? '-', stream, polling, upstream, proof, age(r.dataAgeMs)];
}

const header = ['DOMAIN', 'SCOPE', 'STATE', 'MODE', 'HEALTH', 'REASON', 'STREAM', 'POLLING', 'UPSTREAM', 'PROOF / BOUND', 'DATA AGE'];

export function formatDiagnosticsTable(rows: readonly DiagnosticsRow[]): string {
  const lines = [header, ...rows.map(formatDiagnosticsRow)];
  const widths = header.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  return lines.map((l) => l.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/** What of a row counts as a change (see the module comment). */
export function rowSignature(r: DiagnosticsRow): string {
  const proven = r.proofAgeMs !== null && r.proofAgeMs <= r.freshnessBoundMs;
  return JSON.stringify([
    r.state,
    r.mode,
    r.health,
    r.reason,
    r.stream?.connected ?? null,
    r.stream?.delivering ?? null,
    r.polling.enabled,
    r.polling.intervalMs,
    r.upstream?.state ?? null,
    r.upstream?.healthy ?? null,
    r.stream ? proven : null,
    r.lastError,
    r.upstream?.partial ? [r.upstream.partial.summary, r.upstream.partial.namespaces] : null,
  ]);
}

/**
 * What a partial view says, as the dashboard's note does: the summary and the namespaces shown,
 * then each refused namespace with why (the report lists the first 20; the rest are counted).
 */
export function partialLines(partial: PartialViewReport, indent = ''): string[] {
  const shown = partial.namespaces.length > 0 ? partial.namespaces.join(', ') : 'none';
  const lines = [`${indent}${partial.summary} (the ones you may list): ${shown}`];
  for (const r of partial.refused) lines.push(`${indent}  not shown: ${r.namespace}: ${r.reason}`);
  const unlisted = (partial.total ?? 0) - partial.namespaces.length - partial.refused.length;
  if (unlisted > 0) lines.push(`${indent}  not shown: ${unlisted} more (GET /api/v1/diagnostics lists them all)`);
  return lines;
}

/** Each partial row's note, under the table. */
function partialBlock(rows: readonly DiagnosticsRow[]): string[] {
  return rows.flatMap((r) => (r.upstream?.partial ? [`partial: ${r.domain} ${r.scope || '(all)'}:`, ...partialLines(r.upstream.partial, '  ')] : []));
}

function connectionLine(d: Diagnostics): string {
  const c = d.connection;
  return `connection: ${c ? `${c.state} (connects ${c.connects}, disconnects ${c.disconnects})` : 'none'}; metrics every ${age(d.metricsIntervalMs)}`;
}

function connectionSignature(d: Diagnostics): string {
  return JSON.stringify([d.connection?.state ?? null, d.connection?.connects ?? 0, d.connection?.disconnects ?? 0, d.metricsIntervalMs]);
}

/** The whole picture as the one-shot command prints it: connection, table, refusals. */
export function diagnosticsBlock(d: Diagnostics, framesRefused: number): string[] {
  const lines = [connectionLine(d), ...formatDiagnosticsTable(d.rows).split('\n'), ...partialBlock(d.rows)];
  if (framesRefused > 0) lines.push(`frames refused behind a fresh read from the API server: ${framesRefused}`);
  if (d.rejected.length > 0) lines.push(`refused: ${d.rejected.join('; ')}`);
  return lines;
}

export type FollowOutput = 'terminal' | 'piped' | 'json';

export interface Tick {
  readonly diagnostics: Diagnostics;
  readonly framesRefused: number;
  /** Wall-clock time of the tick (ms). */
  readonly at: number;
}

/** How many terminal rows `lines` take at `width` columns (long lines wrap); a width of 0 is unknown: no wrapping counted. */
function screenRows(lines: readonly string[], width: number): number {
  if (!(width > 0)) return lines.length;
  return lines.reduce((n, line) => n + Math.max(1, Math.ceil(line.length / width)), 0);
}

/**
 * A follower remembers what it last wrote and returns, for each tick, the text to write (ending
 * in a newline), or '' when there is nothing new to say.
 */
export function createFollower(output: FollowOutput, terminalWidth: () => number = () => 80): (tick: Tick) => string {
  let drawnRows = 0;
  let started = false;
  let connection = '';
  const rows = new Map<string, string>();

  /** Keys whose signature moved since the last tick (new rows included; gone rows too). */
  const changes = (d: Diagnostics) => {
    const changed: string[] = [];
    const now = new Set<string>();
    for (const r of d.rows) {
      now.add(r.key);
      const signature = rowSignature(r);
      if (rows.get(r.key) !== signature) changed.push(r.key);
      rows.set(r.key, signature);
    }
    const gone = [...rows.keys()].filter((key) => !now.has(key));
    for (const key of gone) rows.delete(key);
    const connectionNow = connectionSignature(d);
    const connectionChanged = connectionNow !== connection;
    connection = connectionNow;
    return { changed, gone, connectionChanged };
  };

  return ({ diagnostics: d, framesRefused, at }) => {
    const { changed, gone, connectionChanged } = changes(d);
    const first = !started;
    started = true;
    if (output === 'terminal') {
      const lines = diagnosticsBlock(d, framesRefused);
      // Up over the last drawing, clear to the end of the screen, draw again.
      const up = drawnRows > 0 ? `\r\x1b[${drawnRows}A\x1b[J` : '';
      drawnRows = screenRows(lines, terminalWidth());
      return `${up}${lines.join('\n')}\n`;
    }
    if (output === 'json') {
      if (!first && changed.length === 0 && gone.length === 0 && !connectionChanged) return '';
      const keys = [...(connectionChanged ? ['connection'] : []), ...changed, ...gone];
      return `${JSON.stringify({ at: new Date(at).toISOString(), ...d, framesRefused, changed: keys })}\n`;
    }
    if (first) return `${diagnosticsBlock(d, framesRefused).join('\n')}\n`;
    const time = new Date(at).toISOString();
    const lines: string[] = [];
    if (connectionChanged) lines.push(`${time}  ${connectionLine(d)}`);
    for (const r of d.rows) {
      if (!changed.includes(r.key)) continue;
      lines.push(`${time}  ${formatDiagnosticsRow(r).join('  ')}`);
      if (r.upstream?.partial) lines.push(...partialLines(r.upstream.partial, `${time}    `));
    }
    for (const key of gone) lines.push(`${time}  ${key} no longer subscribed`);
    return lines.length > 0 ? `${lines.join('\n')}\n` : '';
  };
}
