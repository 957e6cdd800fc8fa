/**
 * A benchmark result is a ratio to a baseline measured in the same run (absolute numbers on a
 * shared machine are noise), its target, whether the target was met, and the raw numbers behind
 * it. The report prints them as a table beside the previous run's ratios (compare.ts) and writes
 * them to bench/results.json.
 */
import { writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { formatRatio, previousCell, type Comparison } from './compare.js';

export interface BenchResult {
  readonly row: string;
  /** What the row is matched on against the previous run when `row` repeats (e.g. `3@5000`, per rate); default `row`. */
  readonly key?: string;
  readonly what: string;
  /** kubelive's number and its unit, as printed. */
  readonly kubelive: string;
  readonly baseline: string;
  /** kubelive / baseline (what "better" means depends on the row; see `target`). */
  readonly ratio: number | null;
  readonly target: string;
  /** null: no target for this row. */
  readonly met: boolean | null;
  readonly raw: Readonly<Record<string, number | string | null>>;
  readonly note?: string;
}

export const ms = (x: number) => `${x < 10 ? x.toFixed(1) : Math.round(x)} ms`;
export const kb = (bytes: number) => (bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`);

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function ratioOf(a: number, b: number): number | null {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : null;
}

/**
 * A memory row: bytes held per 10,000 objects against the same objects' raw JSON, with the
 * target every memory row shares.
 */
export function memoryResult(row: string, what: string, bytes: number, rawBytes: number, note: string, targetRatio = 2): BenchResult {
  return {
    row,
    what,
    kubelive: kb(bytes),
    baseline: `raw JSON ${kb(rawBytes)}`,
    ratio: ratioOf(bytes, rawBytes),
    target: `≤ ${targetRatio}× raw JSON`,
    met: bytes <= targetRatio * rawBytes,
    raw: { heapBytesPer10k: bytes, rawJsonBytesPer10k: rawBytes },
    note,
  };
}

export function printResults(results: readonly BenchResult[], comparison: Comparison): void {
  console.log(comparison.summary);
  const header = ['row', 'what', 'kubelive', 'baseline', 'ratio', 'previous', 'target', ''];
  const lines = results.map((r) => [r.row, r.what, r.kubelive, r.baseline, formatRatio(r.ratio), previousCell(comparison.previousOf(r)), r.target, r.met === null ? '' : r.met ? 'met' : 'MISSED']);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(format(line));
  for (const { row, note } of notesOnce(results)) console.log(`  ${row}: ${note}`);
}

/** Each row's note, once: rows repeated per rate share a note. */
function notesOnce(results: readonly BenchResult[]): { row: string; note: string }[] {
  const seen = new Set<string>();
  const notes: { row: string; note: string }[] = [];
  for (const r of results) {
    if (!r.note || seen.has(`${r.row} ${r.note}`)) continue;
    seen.add(`${r.row} ${r.note}`);
    notes.push({ row: r.row, note: r.note });
  }
  return notes;
}

/**
 * The run as a Markdown table beside the previous run's ratio and verdict, for docs/development.md
 * to show: one line per row, its target and whether it was met, then each row's note once.
 */
export function markdownTable(results: readonly BenchResult[], comparison: Comparison, title: string): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const verdict = (met: boolean | null) => (met === null ? 'no target' : met ? 'met' : '**missed**');
  const lines = [
    `# ${title}`,
    '',
    comparison.summary,
    '',
    '| row | what | kubelive | baseline | ratio | target | this run | previous run |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map((r) => `| ${cell(r.key ?? r.row)} | ${cell(r.what)} | ${cell(r.kubelive)} | ${cell(r.baseline)} | ${formatRatio(r.ratio)} | ${cell(r.target)} | ${verdict(r.met)} | ${previousCell(comparison.previousOf(r))} |`),
    '',
  ];
  for (const { row, note } of notesOnce(results)) lines.push(`- ${row}: ${cell(note)}`);
  return `${lines.join('\n')}\n`;
}

export async function writeResults(path: string, results: readonly BenchResult[], mode: { quick: boolean; sizes: Record<string, number> }, comparison: Comparison): Promise<void> {
  const body = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryBytes: totalmem(), node: process.version, platform: process.platform },
    quick: mode.quick,
    sizes: mode.sizes,
    comparedWith: comparison.summary,
    results: results.map((r) => {
      const previous = comparison.previousOf(r);
      return { ...r, previous: previous ? { ratio: previous.ratio, met: previous.met } : null };
    }),
  };
  await writeFile(path, `${JSON.stringify(body, null, 2)}\n`);
}
