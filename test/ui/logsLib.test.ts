/**
 * The logs panel's pure parts: search (literal by default, a regular expression on request, every
 * match found once and nothing loops on an empty match), the order of stamps as the kubelet writes
 * them, interleaving containers by time, the line text shown and downloaded, and the preferences.
 */
import fc from 'fast-check';
import type { LogLineRow } from '../../adapters/rows.js';
import { containerRunsOf, lastRunWords } from '../../ui/lib/containerRuns.js';
import { downloadName, interleave, isShownRun, lineText, previousRunDivider, timeKey, type ContainerLines } from '../../ui/lib/logLines.js';
import { defaultLogPreferences, loadLogPreferences, saveLogPreferences } from '../../ui/lib/logPreferences.js';
import { compileSearch, findMatches, matchNumberOf, matchRanges, matchRefOf, maxMatchesPerLine, segmentsOf, stepMatch, type LogSearch } from '../../ui/lib/logSearch.js';

const literal = (text: string, matchCase = false) => compileSearch(text, { regex: false, matchCase });
const pattern = (search: LogSearch): RegExp => {
  if (search.kind !== 'pattern') throw new Error(`expected a pattern, got ${search.kind}`);
  return search.pattern;
};

/** Non-overlapping occurrences, counted the plain way. */
function occurrences(text: string, needle: string): number {
  let count = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) count++;
  return count;
}

test('literalSearchCountsWhatIndexOfCounts', () => {
  // Text with the characters a regular expression gives meaning to, so escaping is exercised.
  const alphabet = fc.constantFrom(...'ab.*+?()[]{}|^$\\ AB');
  fc.assert(
    fc.property(fc.array(fc.string({ unit: alphabet, maxLength: 40 }), { maxLength: 20 }), fc.string({ unit: alphabet, minLength: 1, maxLength: 3 }), (lines, needle) => {
      const found = findMatches(lines, literal(needle, true));
      expect(found.total).toBe(lines.reduce((n, line) => n + occurrences(line, needle), 0));
      expect(found.lines).toBe(lines.filter((line) => line.includes(needle)).length);
      const folded = findMatches(lines, literal(needle));
      expect(folded.total).toBe(lines.reduce((n, line) => n + occurrences(line.toLowerCase(), needle.toLowerCase()), 0));
    }),
  );
});

test('regexCharactersAreLiteralUnlessAskedFor', () => {
  expect(matchRanges('GET /a.b(1) and axb', pattern(literal('a.b(')))).toEqual([[5, 9]]);
  expect(matchRanges('GET /a.b(1) and axb', pattern(compileSearch('a.b', { regex: true, matchCase: true })))).toEqual([[5, 8], [16, 19]]);
  expect(matchRanges('Error error ERROR', pattern(literal('error')))).toHaveLength(3);
  expect(matchRanges('Error error ERROR', pattern(literal('error', true)))).toEqual([[6, 11]]);
  expect(compileSearch('', { regex: true, matchCase: false })).toEqual({ kind: 'none' });
});

test('aBadRegexIsSaidInWordsAndSearchesNothing', () => {
  const bad = compileSearch('status=(5', { regex: true, matchCase: false });
  expect(bad.kind).toBe('invalid');
  // The engine's reason, without its restatement of the pattern.
  expect(bad.kind === 'invalid' && bad.message).toBe('not a regular expression: Unterminated group');
  expect(findMatches(['status=(5'], bad)).toMatchObject({ total: 0, lines: 0 });
  // The same text taken literally is fine.
  expect(findMatches(['status=(5'], literal('status=(5')).total).toBe(1);
});

test('emptyMatchesMarkNothingAndEndTheScan', () => {
  for (const source of ['x*', '^', '$', '\\b', '(?:)']) {
    expect(matchRanges('abc abc', pattern(compileSearch(source, { regex: true, matchCase: false })))).toEqual([]);
  }
  expect(matchRanges('aaa b aa', pattern(compileSearch('a*', { regex: true, matchCase: false })))).toEqual([[0, 3], [6, 8]]);
  // A pattern that matches everywhere is bounded per line.
  expect(matchRanges('x'.repeat(5000), pattern(compileSearch('.', { regex: true, matchCase: false })))).toHaveLength(maxMatchesPerLine);
});

test('segmentsPutTheLineBackTogetherWithMatchesNumberedInReadingOrder', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: fc.constantFrom('a', 'b', ' '), maxLength: 30 }), { maxLength: 10 }), (lines) => {
      const found = findMatches(lines, literal('ab'));
      const numbers: number[] = [];
      lines.forEach((line, i) => {
        const segments = segmentsOf(line, found.ranges[i]!, found.firstMatch[i]!);
        expect(segments.map((s) => s.text).join('')).toBe(line);
        for (const s of segments.filter((s) => s.match !== null)) {
          numbers.push(s.match!);
          expect(s.text.toLowerCase()).toBe('ab');
        }
      });
      expect(numbers).toEqual([...Array(found.total).keys()]);
    }),
  );
});

test('nextAndPreviousGoRoundTheEnds', () => {
  expect(stepMatch(null, 0, 1)).toBeNull();
  expect(stepMatch(null, 3, 1)).toBe(0);
  expect(stepMatch(null, 3, -1)).toBe(2);
  expect(stepMatch(2, 3, 1)).toBe(0);
  expect(stepMatch(0, 3, -1)).toBe(2);
});

test('theCurrentMatchStaysOnItsLineWhileLinesLeaveTheTop', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: fc.constantFrom('a', 'b'), maxLength: 8 }), { minLength: 1, maxLength: 25 }), fc.nat(), fc.nat({ max: 5 }), (lines, pick, dropped) => {
      const keys = lines.map((_, i) => `line-${i}`);
      const before = findMatches(lines, literal('ab'));
      if (before.total === 0) return;
      const n = pick % before.total;
      const ref = matchRefOf(n, keys, before);
      // Named by line and place, the number comes back.
      expect(matchNumberOf(ref, new Map(keys.map((k, i) => [k, i])), before)).toBe(n);
      expect(lines[Number(ref!.line.slice(5))]!.toLowerCase().split('ab').length - 1).toBeGreaterThan(ref!.nth);
      // Lines leave the top: the same match, renumbered, or none when its line left.
      const keptKeys = keys.slice(dropped);
      const after = findMatches(lines.slice(dropped), literal('ab'));
      const renumbered = matchNumberOf(ref, new Map(keptKeys.map((k, i) => [k, i])), after);
      if (!keptKeys.includes(ref!.line)) expect(renumbered).toBeNull();
      else expect(matchRefOf(renumbered, keptKeys, after)).toEqual(ref);
    }),
  );
  expect(matchRefOf(null, ['a'], findMatches(['ab'], literal('ab')))).toBeNull();
});

/** RFC3339Nano as the kubelet writes it: trailing zeros of the fraction dropped. */
function rfc3339Nano(ns: bigint): string {
  const seconds = ns / 1_000_000_000n;
  const fraction = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}${fraction ? `.${fraction}` : ''}Z`;
}

test('stampsOrderByTimeWhateverTheirPrecision', () => {
  const base = 1_795_000_000_000_000_000n;
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 10_000_000_000n }), fc.bigInt({ min: 0n, max: 10_000_000_000n }), (a, b) => {
      const [ka, kb] = [timeKey(rfc3339Nano(base + a)), timeKey(rfc3339Nano(base + b))];
      expect(Math.sign(ka < kb ? -1 : ka > kb ? 1 : 0)).toBe(a < b ? -1 : a > b ? 1 : 0);
    }),
  );
  // As written, these sort the wrong way round.
  expect('2026-11-30T10:00:05.1Z' < '2026-11-30T10:00:05.09Z').toBe(false);
  expect(timeKey('2026-11-30T10:00:05.1Z') > timeKey('2026-11-30T10:00:05.09Z')).toBe(true);
  expect(timeKey('2026-11-30T11:00:05+01:00')).toBe(timeKey('2026-11-30T10:00:05Z'));
});

function row(container: string, time: string | null, line: string, n = 0): LogLineRow {
  const uid = `${container}@${time ?? 'unknown'}#${n}`;
  return { uid, resourceVersion: '1', name: uid, container, time, line };
}

/** A container's lines at the given seconds past a minute, in the order written. */
function written(container: string, seconds: readonly number[]): ContainerLines {
  return { container, rows: seconds.map((s, i) => row(container, `2026-11-30T10:00:${String(s).padStart(2, '0')}Z`, `${container} line ${i}`, i)) };
}

test('interleavingOrdersEveryContainersLinesByTimeKeepingEachOnesOrder', () => {
  const secondsOf = fc.array(fc.integer({ min: 0, max: 59 }), { maxLength: 30 }).map((s) => s.sort((a, b) => a - b));
  fc.assert(
    fc.property(fc.array(secondsOf, { minLength: 2, maxLength: 4 }), (containers) => {
      const input = containers.map((seconds, i) => written(`c${i}`, seconds));
      const { rows, since } = interleave(input, 1000);
      expect(since).toBeNull();
      // Every line, once.
      expect(rows.map((r) => r.uid).sort()).toEqual(input.flatMap((c) => c.rows.map((r) => r.uid)).sort());
      // In time order; equal times in the containers' order.
      for (let i = 1; i < rows.length; i++) {
        const [a, b] = [rows[i - 1]!, rows[i]!];
        expect(a.time! < b.time! || (a.time === b.time && a.container <= b.container)).toBe(true);
      }
      // Each container's own order kept.
      for (const c of input) expect(rows.filter((r) => r.container === c.container)).toEqual(c.rows);
    }),
  );
});

test('aLineWithoutAStampStaysAfterItsContainersLineBeforeIt', () => {
  const app: ContainerLines = { container: 'app', rows: [row('app', '2026-11-30T10:00:01Z', 'a1'), row('app', null, 'continued'), row('app', '2026-11-30T10:00:05Z', 'a2')] };
  const sidecar = written('sidecar', [0, 3]);
  expect(interleave([app, sidecar], 1000).rows.map((r) => r.line)).toEqual(['sidecar line 0', 'a1', 'continued', 'sidecar line 1', 'a2']);
});

test('whereOneContainersTailWasCutTheOthersStartThereToo', () => {
  // "busy" holds a full tail (3 of 3) from second 40; "quiet" goes back to second 10.
  const busy = written('busy', [40, 45, 50]);
  const quiet = written('quiet', [10, 20, 42, 55]);
  const { rows, since, cutTail } = interleave([busy, quiet], 3);
  expect(since).toBe('2026-11-30T10:00:40Z');
  expect(cutTail).toBe('busy');
  expect(rows.map((r) => r.line)).toEqual(['busy line 0', 'quiet line 2', 'busy line 1', 'busy line 2', 'quiet line 3']);
  // One container is shown whole, whatever its tail.
  expect(interleave([busy], 3)).toEqual({ rows: busy.rows, since: null, cutTail: null });
});

test('aLineReadsAsKubectlPrintsIt', () => {
  const r = row('app', '2026-11-30T10:00:01.123456789Z', 'level=info msg=ok');
  expect(lineText(r, { timestamps: false, prefixPod: null })).toBe('level=info msg=ok');
  // kubectl logs --timestamps
  expect(lineText(r, { timestamps: true, prefixPod: null })).toBe('2026-11-30T10:00:01.123456789Z level=info msg=ok');
  // kubectl logs --all-containers --prefix --timestamps
  expect(lineText(r, { timestamps: true, prefixPod: 'web-1' })).toBe('[pod/web-1/app] 2026-11-30T10:00:01.123456789Z level=info msg=ok');
  expect(lineText(row('app', null, 'x'), { timestamps: true, prefixPod: null })).toBe('x');
  expect(downloadName('web-1', 'app', false)).toBe('web-1_app.log');
  expect(downloadName('web-1', null, false)).toBe('web-1_all-containers.log');
  expect(downloadName('web-1', 'app', true)).toBe('web-1_app_with-previous.log');
});

test('preferencesSurviveAReloadAndAnythingOddReadsAsTheDefaults', () => {
  const items = new Map<string, string>();
  const storage = { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v) };
  expect(loadLogPreferences(storage)).toEqual(defaultLogPreferences);
  saveLogPreferences(storage, { wrap: false, timestamps: false });
  expect(loadLogPreferences(storage)).toEqual({ wrap: false, timestamps: false });
  items.set('kubelive.logs', '{not json');
  expect(loadLogPreferences(storage)).toEqual(defaultLogPreferences);
  items.set('kubelive.logs', '{"wrap":"no","timestamps":false}');
  expect(loadLogPreferences(storage)).toEqual({ wrap: defaultLogPreferences.wrap, timestamps: false });
  expect(loadLogPreferences(null)).toEqual(defaultLogPreferences);
  const throwing = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); } };
  expect(loadLogPreferences(throwing)).toEqual(defaultLogPreferences);
  expect(() => saveLogPreferences(throwing, defaultLogPreferences)).not.toThrow();
});

test('aPodsStatusesSayWhichContainersHaveAPreviousRunAndHowItEnded', () => {
  const pod = {
    status: {
      containerStatuses: [
        { name: 'app', restartCount: 3, lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: '2026-11-30T10:00:05Z' } } },
        { name: 'sidecar', restartCount: 0, lastState: {} },
        { name: 7 },
      ],
    },
  };
  const runs = containerRunsOf(pod);
  expect([...runs.keys()]).toEqual(['app', 'sidecar']);
  expect(runs.get('app')).toEqual({ restartCount: 3, lastRun: { exitCode: 137, reason: 'OOMKilled', finishedAt: '2026-11-30T10:00:05Z' } });
  expect(runs.get('sidecar')).toEqual({ restartCount: 0, lastRun: null });
  expect(containerRunsOf({}).size).toBe(0);
  expect(previousRunDivider('app', lastRunWords(runs.get('app')!.lastRun))).toBe('--- app restarted (previous run ended at 2026-11-30T10:00:05Z, exit code 137, OOMKilled): the lines above are its previous run ---');
  expect(previousRunDivider('app', lastRunWords(null))).toBe('--- app restarted: the lines above are its previous run ---');
  expect(lastRunWords({ exitCode: null, reason: 'Error', finishedAt: null })).toBe('Error');
});

test('aPreviousRunThatIsTheRunShownIsRecognised', () => {
  const run = written('app', [1, 2, 3]).rows;
  // A crash-looping container: its log is its last run, the same lines as --previous.
  expect(isShownRun(run, run)).toBe(true);
  expect(isShownRun(run.slice(0, 2), run)).toBe(true);
  // A container running again: a new run, other stamps.
  expect(isShownRun(run, written('app', [10, 11]).rows)).toBe(false);
  expect(isShownRun([], run)).toBe(false);
});
