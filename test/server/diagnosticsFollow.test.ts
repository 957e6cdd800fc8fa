/**
 * What `kubelive diagnostics --follow` writes each tick: on a terminal the table redrawn in place,
 * piped only the rows that changed, with --json a line only when something changed.
 */
import type { Diagnostics, DiagnosticsRow } from '../../machines/diagnostics.js';
import { createFollower } from '../../server/diagnosticsFollow.js';

function row(key: string, more: Partial<DiagnosticsRow> = {}): DiagnosticsRow {
  const [domain, scope] = key.split(':') as [string, string];
  return {
    key,
    domain: domain as DiagnosticsRow['domain'],
    scope,
    machine: 'subscription',
    state: 'streamingHealthy',
    mode: 'streaming',
    health: 'healthy',
    reason: null,
    stream: { connected: true, delivering: true, lastDeliveryAgeMs: 200 },
    polling: { enabled: false, intervalMs: null },
    metricsIntervalMs: 5000,
    upstream: { state: 'watching', healthy: true, lastEventAgeMs: 100, relists: 0, errors: 0, reason: null, proofAgeMs: 900 },
    freshnessBoundMs: 10_000,
    upstreamProofAgeMs: 900,
    proofAgeMs: 1200,
    itemCount: 30,
    dataAgeMs: 200,
    sampleAgeMs: null,
    holders: 1,
    lastError: null,
    counters: {},
    transitions: [],
    ...more,
  };
}

const diagnostics = (rows: DiagnosticsRow[]): Diagnostics => ({
  connection: { state: 'open', open: true, attempts: 1, connects: 1, disconnects: 0, lastCloseReason: null },
  rows,
  metricsIntervalMs: 5000,
  rejected: [],
});

const at = Date.parse('2026-11-30T12:00:00Z');

test('pipedPrintsTheTableOnceThenOnlyTheRowsThatChangedEachStampedWithItsTime', () => {
  const follow = createFollower('piped');
  const first = follow({ diagnostics: diagnostics([row('pods:'), row('nodes:')]), framesRefused: 0, at });
  expect(first.split('\n').filter(Boolean)).toHaveLength(4); // connection, header, two rows
  // Ages moved, nothing else did: nothing to say.
  expect(follow({ diagnostics: diagnostics([row('pods:', { dataAgeMs: 1200, proofAgeMs: 2200 }), row('nodes:')]), framesRefused: 0, at: at + 1000 })).toBe('');
  const polling = row('pods:', { state: 'fallbackPolling', mode: 'polling', health: 'degraded', reason: 'disconnect', polling: { enabled: true, intervalMs: 2000 } });
  const changed = follow({ diagnostics: diagnostics([polling, row('nodes:')]), framesRefused: 0, at: at + 2000 });
  expect(changed.split('\n').filter(Boolean)).toHaveLength(1);
  expect(changed).toMatch(/^2026-11-30T12:00:02\.000Z {2}pods {2}\(all\) {2}fallbackPolling {2}polling {2}degraded {2}disconnect/);
  expect(follow({ diagnostics: diagnostics([polling]), framesRefused: 0, at: at + 3000 })).toBe('2026-11-30T12:00:03.000Z  nodes: no longer subscribed\n');
});

test('aProofThatLapsesPastTheBoundIsAChange', () => {
  const follow = createFollower('piped');
  follow({ diagnostics: diagnostics([row('pods:')]), framesRefused: 0, at });
  expect(follow({ diagnostics: diagnostics([row('pods:', { proofAgeMs: 12_000 })]), framesRefused: 0, at: at + 1000 })).toMatch(/pods/);
});

test('onATerminalEachTickRedrawsInPlaceOverTheRowsTheLastOneTook', () => {
  const follow = createFollower('terminal', () => 40);
  const first = follow({ diagnostics: diagnostics([row('pods:')]), framesRefused: 0, at });
  expect(first.startsWith('connection:')).toBe(true);
  const lines = first.split('\n').filter(Boolean);
  // Lines wider than the terminal wrap and take more rows: the cursor must go up over all of them.
  const rows = lines.reduce((n, l) => n + Math.max(1, Math.ceil(l.length / 40)), 0);
  const second = follow({ diagnostics: diagnostics([row('pods:')]), framesRefused: 0, at: at + 1000 });
  expect(second.startsWith(`\r\x1b[${rows}A\x1b[J`)).toBe(true);
  expect(second.slice(`\r\x1b[${rows}A\x1b[J`.length)).toBe(first);
  // A terminal that does not say its width (0): the lines as written.
  const unknownWidth = createFollower('terminal', () => 0);
  unknownWidth({ diagnostics: diagnostics([row('pods:')]), framesRefused: 0, at });
  expect(unknownWidth({ diagnostics: diagnostics([row('pods:')]), framesRefused: 0, at }).startsWith(`\r\x1b[${lines.length}A\x1b[J`)).toBe(true);
});

test('jsonFollowWritesALineOnlyWhenSomethingChangedAndNamesWhat', () => {
  const follow = createFollower('json');
  const first = JSON.parse(follow({ diagnostics: diagnostics([row('pods:')]), framesRefused: 0, at }));
  expect(first).toMatchObject({ at: '2026-11-30T12:00:00.000Z', changed: ['connection', 'pods:'], metricsIntervalMs: 5000 });
  expect(first.rows).toHaveLength(1);
  expect(follow({ diagnostics: diagnostics([row('pods:', { dataAgeMs: 900 })]), framesRefused: 0, at: at + 1000 })).toBe('');
  const next = JSON.parse(follow({ diagnostics: diagnostics([row('pods:', { health: 'unhealthy', reason: 'stalled' })]), framesRefused: 0, at: at + 2000 }));
  expect(next.changed).toEqual(['pods:']);
});
