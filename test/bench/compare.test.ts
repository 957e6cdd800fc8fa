/**
 * The report's comparison with the previous run: rows matched by key (per rate for repeated
 * rows), rows the previous run lacked shown as none, a missing or unreadable previous run said
 * plainly, and runs of different sizes compared but flagged.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareRuns, previousCell, readPrevious, type RunRecord } from '../../bench/compare.js';
import { markdownTable, type BenchResult } from '../../bench/report.js';

function result(row: string, ratio: number | null, met: boolean | null, key?: string): BenchResult {
  return { row, ...(key ? { key } : {}), what: `row ${row}`, kubelive: '', baseline: '', ratio, target: '', met, raw: {} };
}

const fullSizes = { loadPods: 50_000, churnPods: 10_000 };
const previousFull: RunRecord = {
  date: '2026-11-30T16:12:45.881Z',
  quick: false,
  sizes: fullSizes,
  results: [result('1', 1.44, true), result('3', 5.1, false, '3@1000'), result('3', 2.5, null, '3@5000'), result('7', 0.003, null)],
};

test('matchesEachRowToThePreviousRunsByKey', () => {
  const comparison = compareRuns({ quick: false, sizes: fullSizes }, previousFull);
  expect(comparison.sameSizes).toBe(true);
  expect(comparison.summary).toContain('2026-11-30T16:12:45.881Z');
  expect(comparison.summary).toContain('same sizes');
  expect(previousCell(comparison.previousOf(result('1', 1.2, true)))).toBe('1.44× met');
  expect(previousCell(comparison.previousOf(result('3', 1, true, '3@1000')))).toBe('5.10× MISSED');
  expect(previousCell(comparison.previousOf(result('3', 1, null, '3@5000')))).toBe('2.50×');
  expect(previousCell(comparison.previousOf(result('7', 0.002, null)))).toBe('0.0030×');
});

test('saysNoneForARowThePreviousRunDidNotHave', () => {
  const comparison = compareRuns({ quick: false, sizes: fullSizes }, previousFull);
  expect(comparison.previousOf(result('3', 1, true, '3@20000'))).toBeUndefined();
  expect(previousCell(comparison.previousOf(result('2g', 1, true)))).toBe('none');
});

test('flagsRunsOfDifferentSizes', () => {
  const comparison = compareRuns({ quick: true, sizes: { loadPods: 2000, churnPods: 10_000 } }, previousFull);
  expect(comparison.sameSizes).toBe(false);
  expect(comparison.summary).toContain('SIZES DIFFER (quick vs full: loadPods 2000 vs 50000)');
  // Still compared: the column shows the previous ratio, the head says not to read it as like for like.
  expect(previousCell(comparison.previousOf(result('1', 1, true)))).toBe('1.44× met');
});

test('saysSoWhenThereIsNoPreviousRun', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kubelive-compare-'));
  try {
    expect(await readPrevious(join(dir, 'results.json'))).toBeNull();
    await writeFile(join(dir, 'garbage.json'), '{ not json');
    expect(await readPrevious(join(dir, 'garbage.json'))).toBeNull();
    await writeFile(join(dir, 'results.json'), JSON.stringify(previousFull));
    expect((await readPrevious(join(dir, 'results.json')))?.results).toHaveLength(4);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const comparison = compareRuns({ quick: false, sizes: fullSizes }, null);
  expect(comparison.summary).toMatch(/^no previous run/);
  expect(comparison.previousOf(result('1', 1, true))).toBeUndefined();
});

test('writesTheRunAsAMarkdownTableBesideThePreviousRun', () => {
  const comparison = compareRuns({ quick: false, sizes: fullSizes }, previousFull);
  const missed = { ...result('3', 2, false, '3@1000'), what: 'latency | p99', note: 'one note' };
  const table = markdownTable([result('1', 1.2, true), missed, { ...result('3', 0.5, true, '3@5000'), note: 'one note' }, result('14h', 0.1, null)], comparison, 'Full run');
  const lines = table.split('\n');
  expect(lines[0]).toBe('# Full run');
  expect(lines).toContain('| 1 | row 1 |  |  | 1.20× |  | met | 1.44× met |');
  // A pipe inside a cell is escaped, so the row keeps its eight columns.
  expect(lines).toContain('| 3@1000 | latency \\| p99 |  |  | 2.00× |  | **missed** | 5.10× MISSED |');
  expect(lines).toContain('| 14h | row 14h |  |  | 0.10× |  | no target | none |');
  // A note shared by a repeated row is written once.
  expect(lines.filter((l) => l === '- 3: one note')).toHaveLength(1);
});
