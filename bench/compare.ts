/**
 * compareRuns sets this run's rows beside the previous run's (read from bench/results.json before
 * it is overwritten): for each row, the previous ratio and whether it met its target. Rows are
 * matched by `key` (the row, and for rows repeated per rate, the rate), a row the previous run did
 * not have says so, and runs of different sizes (quick against full, or sizes changed) are still
 * compared but say that they differ, since a ratio at 2,000 pods is not one at 50,000.
 */
import { readFile } from 'node:fs/promises';
import type { BenchResult } from './report.js';

export interface RunRecord {
  readonly date: string;
  readonly quick: boolean;
  readonly sizes: Readonly<Record<string, number>>;
  readonly results: readonly BenchResult[];
}

export interface Comparison {
  /** One line for the report's head: what the previous run was, or that there was none. */
  readonly summary: string;
  readonly sameSizes: boolean;
  /** The previous run's row matched to this one, or undefined when it had none. */
  previousOf(result: BenchResult): BenchResult | undefined;
}

/** What a row is matched on: its key when it has one, else the row's number. */
export const rowKey = (result: BenchResult): string => result.key ?? result.row;

/** The previous run, or null when there is none (or it cannot be read as one). */
export async function readPrevious(path: string): Promise<RunRecord | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = JSON.parse(text) as Partial<RunRecord>;
    if (typeof parsed.date !== 'string' || !Array.isArray(parsed.results)) return null;
    return { date: parsed.date, quick: parsed.quick === true, sizes: parsed.sizes ?? {}, results: parsed.results };
  } catch {
    return null;
  }
}

export function compareRuns(current: { quick: boolean; sizes: Readonly<Record<string, number>> }, previous: RunRecord | null): Comparison {
  if (!previous) return { summary: 'no previous run to compare with (bench/results.json absent or unreadable)', sameSizes: false, previousOf: () => undefined };
  const byKey = new Map<string, BenchResult>();
  for (const r of previous.results) if (!byKey.has(rowKey(r))) byKey.set(rowKey(r), r);
  const differing = [...new Set([...Object.keys(current.sizes), ...Object.keys(previous.sizes)])].filter((k) => current.sizes[k] !== previous.sizes[k]);
  const sameSizes = differing.length === 0;
  const mode = (quick: boolean) => (quick ? 'quick' : 'full');
  const sizes = sameSizes
    ? 'same sizes'
    : `SIZES DIFFER (${current.quick !== previous.quick ? `${mode(current.quick)} vs ${mode(previous.quick)}: ` : ''}${differing.map((k) => `${k} ${current.sizes[k] ?? '—'} vs ${previous.sizes[k] ?? '—'}`).join(', ')})`;
  return {
    summary: `previous run ${previous.date} (${mode(previous.quick)}, ${previous.results.length} rows), ${sizes}`,
    sameSizes,
    previousOf: (result) => byKey.get(rowKey(result)),
  };
}

/** The previous run's ratio and verdict for the report's column: `1.44× met`, `—` for none. */
export function previousCell(previous: BenchResult | undefined): string {
  if (!previous) return 'none';
  const verdict = previous.met === null ? '' : previous.met ? ' met' : ' MISSED';
  return `${formatRatio(previous.ratio)}${verdict}`;
}

export function formatRatio(ratio: number | null): string {
  return ratio === null ? '—' : `${ratio < 0.1 ? ratio.toPrecision(2) : ratio.toFixed(2)}×`;
}
