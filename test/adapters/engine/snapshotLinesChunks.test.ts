/**
 * readSnapshotLines takes its text in whatever chunks the body arrives in: a line may span many
 * chunks, end exactly at a chunk's end, or share a chunk with others. However the same answer is
 * cut, it reads as the same rows, shown in the same pieces, with the same body once the trail
 * lands; and a line that never ends is refused once it passes the limit, whichever chunks it
 * came in.
 */
import { readSnapshotLines } from '../../../adapters/engine/snapshotLines.js';
import { digestOf } from '../../../adapters/digest.js';
import { maxSnapshotLineChars, type Row } from '../../../adapters/protocol.js';

const row = (i: number): Row => ({ uid: `uid-${i}`, resourceVersion: `${100 + i}`, namespace: 'team-a', name: `config-${i}` }) as unknown as Row;
const rows = Array.from({ length: 30 }, (_, i) => row(i));
const head = { type: 'head', domain: 'core/v1/configmaps', scope: '', generatedAt: 'now', upstream: { state: 'listing', healthy: false }, source: 'api', expected: null };
const trail = { type: 'trail', count: rows.length, digest: digestOf(rows), generation: 5, resourceVersion: '9' };
const answer = [head, { type: 'rows', items: rows.slice(0, 12) }, { type: 'rows', items: rows.slice(12, 13) }, { type: 'rows', items: rows.slice(13) }, trail].map((v) => `${JSON.stringify(v)}\n`).join('');

async function* cut(text: string, sizes: (i: number) => number): AsyncGenerator<string> {
  for (let at = 0, i = 0; at < text.length; i++) {
    const size = sizes(i);
    yield text.slice(at, at + size);
    at += size;
  }
}

async function read(chunks: AsyncIterable<string>): Promise<{ pieces: string[][]; body: unknown }> {
  const pieces: string[][] = [];
  const body = await readSnapshotLines(
    chunks,
    (shown) => pieces.push(shown.map((r) => r.uid)),
    (status, reason) => new Error(`${status} ${reason}`),
  );
  return { pieces, body };
}

test('anAnswerCutAnywhereReadsAsTheSameRowsAndBody', async () => {
  const whole = await read(cut(answer, () => answer.length));
  expect(whole.pieces.map((p) => p.length)).toEqual([12, 1, 17]);
  expect(whole.body).toMatchObject({ count: 30, digest: trail.digest, generation: 5 });
  // Where each line ends, then the answer's end (what is left after the last cut).
  const lineEnds = [...[...answer.matchAll(/\n/g)].map((m) => m.index), answer.length];
  const cuts: [string, (i: number) => number][] = [
    ['one character at a time', () => 1],
    ['every line split in many pieces', () => 7],
    ['pieces ending exactly at each line end', (i) => (i === 0 ? lineEnds[0]! + 1 : lineEnds[i]! - lineEnds[i - 1]!)],
    ['pieces ending just before each line end', (i) => (i === 0 ? lineEnds[0]! : lineEnds[i]! - lineEnds[i - 1]!)],
    ['uneven pieces', (i) => [3, 400, 1, 90, 2][i % 5]!],
  ];
  for (const [what, sizes] of cuts) {
    const got = await read(cut(answer, sizes));
    expect({ what, ...got }).toEqual({ what, ...whole });
  }
});

test('aLineThatNeverEndsIsRefusedPastTheLimitInWhateverPiecesItComes', async () => {
  const piece = 'x'.repeat(1024 * 1024);
  // Twice the limit and no end: refused as it grows, not when (if ever) the line ends.
  async function* endless(): AsyncGenerator<string> {
    yield `${JSON.stringify(head)}\n{"type":"rows","items":[`;
    for (let sent = 0; sent <= 2 * maxSnapshotLineChars; sent += piece.length) yield piece;
  }
  await expect(read(endless())).rejects.toThrow(`snapshot line over ${maxSnapshotLineChars} characters`);
});

test('theBodyHoldsEveryLinesRowsInTheOrderTheyCameHoweverManyLinesThereAre', async () => {
  const whole = await read(cut(answer, () => answer.length));
  expect((whole.body as { items: Row[] }).items).toEqual(rows);
  // More lines than are joined at once (one row each), so the rows are joined in several batches.
  const many = Array.from({ length: 2_345 }, (_, i) => row(i));
  const oneRowLines = [
    { ...head, expected: many.length },
    ...many.map((r) => ({ type: 'rows', items: [r] })),
    { ...trail, count: many.length, digest: digestOf(many) },
  ].map((v) => `${JSON.stringify(v)}\n`).join('');
  const got = await read(cut(oneRowLines, () => 4096));
  expect(got.pieces).toHaveLength(many.length);
  expect((got.body as { items: Row[] }).items).toEqual(many);
});
