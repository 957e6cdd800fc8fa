/**
 * Search within a pod's logs: what the reader typed becomes a pattern, and each line is split
 * into the stretches that match and those that do not. The text is taken literally unless the
 * reader asks for a regular expression, so `a.b(` finds "a.b(" instead of throwing; a regular
 * expression that does not compile is said in words instead of searched.
 */

export interface SearchOptions {
  /** Treat the text as a JavaScript regular expression. */
  readonly regex: boolean;
  readonly matchCase: boolean;
}

export type LogSearch =
  | { readonly kind: 'none' }
  | { readonly kind: 'pattern'; readonly pattern: RegExp }
  | { readonly kind: 'invalid'; readonly message: string };

/** A line this long is searched only this far: past it a regex's cost grows with no one reading. */
export const searchedCharsPerLine = 10_000;
/** Matches counted in one line; a pattern like `.` on a long line would otherwise mark every character. */
export const maxMatchesPerLine = 500;

const specialCharacters = /[.*+?^${}()|[\]\\]/g;

export function escapeRegExp(text: string): string {
  return text.replace(specialCharacters, '\\$&');
}

export function compileSearch(text: string, options: SearchOptions): LogSearch {
  if (text === '') return { kind: 'none' };
  const flags = options.matchCase ? 'g' : 'gi';
  if (!options.regex) return { kind: 'pattern', pattern: new RegExp(escapeRegExp(text), flags) };
  try {
    return { kind: 'pattern', pattern: new RegExp(text, flags) };
  } catch (error) {
    // V8 says "Invalid regular expression: /(/gi: Unterminated group"; the reader needs the last part.
    const words = error instanceof Error ? error.message : String(error);
    return { kind: 'invalid', message: `not a regular expression: ${words.slice(words.lastIndexOf(': ') + 2) || words}` };
  }
}

/** Where `pattern` matches in `text`: non-empty, non-overlapping [start, end) ranges, left to right. */
export function matchRanges(text: string, pattern: RegExp): Array<readonly [number, number]> {
  const ranges: Array<readonly [number, number]> = [];
  // A fresh copy: the caller's pattern keeps no lastIndex between lines.
  const scan = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  const searched = text.length > searchedCharsPerLine ? text.slice(0, searchedCharsPerLine) : text;
  for (let match = scan.exec(searched); match !== null && ranges.length < maxMatchesPerLine; match = scan.exec(searched)) {
    // An empty match (`x*`, `^`) marks nothing; step past it or exec finds it for ever.
    if (match[0] === '') {
      scan.lastIndex++;
      continue;
    }
    ranges.push([match.index, match.index + match[0].length]);
  }
  return ranges;
}

export interface LineMatches {
  /** Each line's ranges, by line index (lines without a match have none). */
  readonly ranges: ReadonlyArray<ReadonlyArray<readonly [number, number]>>;
  /** The index of the first match of each line in the running count of all matches. */
  readonly firstMatch: readonly number[];
  readonly total: number;
  /** Lines with at least one match. */
  readonly lines: number;
}

const noRanges: ReadonlyArray<readonly [number, number]> = Object.freeze([]);

/** Every match of the search in every line, numbered in reading order. */
export function findMatches(texts: readonly string[], search: LogSearch): LineMatches {
  const ranges: Array<ReadonlyArray<readonly [number, number]>> = [];
  const firstMatch: number[] = [];
  let total = 0;
  let lines = 0;
  for (const text of texts) {
    const found = search.kind === 'pattern' ? matchRanges(text, search.pattern) : noRanges;
    // One shared empty list, so a line without matches is the same props from one search to the next.
    ranges.push(found.length > 0 ? found : noRanges);
    firstMatch.push(total);
    total += found.length;
    if (found.length > 0) lines++;
  }
  return { ranges, firstMatch, total, lines };
}

export interface Segment {
  readonly text: string;
  /** The match's number among all matches, or null for text between matches. */
  readonly match: number | null;
}

/** A line cut at its matches, for rendering with each match marked. */
export function segmentsOf(text: string, ranges: ReadonlyArray<readonly [number, number]>, firstMatch: number): Segment[] {
  const segments: Segment[] = [];
  let at = 0;
  ranges.forEach(([start, end], i) => {
    if (start > at) segments.push({ text: text.slice(at, start), match: null });
    segments.push({ text: text.slice(start, end), match: firstMatch + i });
    at = end;
  });
  if (at < text.length || segments.length === 0) segments.push({ text: text.slice(at), match: null });
  return segments;
}

/** The match after (`step` 1) or before (-1) `current`, round the ends; null when there are none. */
export function stepMatch(current: number | null, total: number, step: 1 | -1): number | null {
  if (total === 0) return null;
  if (current === null) return step === 1 ? 0 : total - 1;
  return (((current + step) % total) + total) % total;
}

/**
 * The current match, named by its line and its place in that line rather than by its number: lines
 * leave the top of a followed tail while the reader looks at a match, and a number would then
 * point at the next one.
 */
export interface MatchRef {
  readonly line: string;
  readonly nth: number;
}

/** The number of the match `ref` names among `matches` of the lines keyed `keys`; null when it is gone. */
export function matchNumberOf(ref: MatchRef | null, lineIndex: ReadonlyMap<string, number>, matches: LineMatches): number | null {
  if (ref === null) return null;
  const line = lineIndex.get(ref.line);
  if (line === undefined || ref.nth >= (matches.ranges[line]?.length ?? 0)) return null;
  return matches.firstMatch[line]! + ref.nth;
}

/** The line and place of match number `n`. */
export function matchRefOf(n: number | null, keys: readonly string[], matches: LineMatches): MatchRef | null {
  if (n === null || n < 0 || n >= matches.total) return null;
  // The line holding it is the last whose first match is at or before n: every line after it
  // starts past n, and the lines without matches before it share its first match number.
  let [low, high] = [0, keys.length - 1];
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (matches.firstMatch[mid]! <= n) low = mid;
    else high = mid - 1;
  }
  return { line: keys[low]!, nth: n - matches.firstMatch[low]! };
}
